// Sums every suite's results in .test-results/ and prints the closing line
// `tests: N passed, M failed[, K skipped]`. Reads vitest JSON reports (`*.vitest.json`) and
// our own counts files (`*.counts.json`, written by pgTAP runs and gates).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where suites write their results: PM_TEST_RESULTS_DIR, else <repo>/.test-results. */
export const resultsDir = path.resolve(
  process.env.PM_TEST_RESULTS_DIR ||
    path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.test-results'),
);

/** @returns {{ suites: {file: string, passed: number, failed: number, skipped: number}[], passed: number, failed: number, skipped: number }} */
export function summarize(dir = resultsDir) {
  const suites = [];
  const files = existsSync(dir) ? readdirSync(dir).sort() : [];
  for (const file of files) {
    const full = path.join(dir, file);
    if (file.endsWith('.vitest.json')) {
      const report = JSON.parse(readFileSync(full, 'utf8'));
      suites.push({
        file,
        passed: report.numPassedTests ?? 0,
        // A test file that failed to load has no failed test but counts as one failure.
        failed:
          (report.numFailedTests ?? 0) +
          (report.testResults ?? []).filter(
            (result) => result.status === 'failed' && (result.assertionResults ?? []).length === 0,
          ).length,
        skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
      });
    } else if (file.endsWith('.counts.json')) {
      const counts = JSON.parse(readFileSync(full, 'utf8'));
      suites.push({ file, passed: counts.passed, failed: counts.failed, skipped: counts.skipped });
    }
  }
  const total = (key) => suites.reduce((sum, suite) => sum + suite[key], 0);
  return { suites, passed: total('passed'), failed: total('failed'), skipped: total('skipped') };
}

export function closingLine({ passed, failed, skipped }) {
  return `tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(closingLine(summarize()));
}
