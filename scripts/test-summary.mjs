// Sums every suite's results in .test-results/ and prints the closing line
// `tests: N passed, M failed[, K skipped]`. Reads vitest JSON reports (`*.vitest.json`) and
// our own counts files (`*.counts.json`, written by pgTAP runs and gates).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where suites write their results: PM_TEST_RESULTS_DIR, else <repo>/.test-results. */
export const resultsDir = path.resolve(
  process.env.PM_TEST_RESULTS_DIR || path.join(repoRoot, '.test-results'),
);

/** A test file of a vitest report that failed to load: no failed test, but one failure. */
const didNotLoad = (result) =>
  result.status === 'failed' && (result.assertionResults ?? []).length === 0;

/** The first line of a failure message, without terminal colours, at most 200 characters. */
function firstLine(message) {
  const line = stripVTControlCharacters(String(message ?? ''))
    .split('\n')[0]
    .trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** What failed in a vitest JSON report: each failed test (and each file that failed to load), with its first message line. */
function vitestFailures(report) {
  const failures = [];
  for (const result of report.testResults ?? []) {
    const file = path.relative(repoRoot, result.name ?? '');
    if (didNotLoad(result)) failures.push(`${file}: did not load: ${firstLine(result.message)}`);
    for (const test of result.assertionResults ?? []) {
      if (test.status !== 'failed') continue;
      failures.push(
        `${file} > ${test.fullName ?? test.title}: ${firstLine(test.failureMessages?.[0])}`,
      );
    }
  }
  return failures;
}

/** @returns {{ suites: {file: string, passed: number, failed: number, skipped: number, failures: string[]}[], passed: number, failed: number, skipped: number }} */
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
        failed: (report.numFailedTests ?? 0) + (report.testResults ?? []).filter(didNotLoad).length,
        skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
        failures: vitestFailures(report),
      });
    } else if (file.endsWith('.counts.json')) {
      const counts = JSON.parse(readFileSync(full, 'utf8'));
      suites.push({
        file,
        passed: counts.passed,
        failed: counts.failed,
        skipped: counts.skipped,
        failures: counts.failures ?? [],
      });
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
