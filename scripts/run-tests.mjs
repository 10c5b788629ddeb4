// `pnpm test`: runs every package's test suite (turbo, continuing past failures), prints a
// table of suites and the closing line, and exits non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { closingLine, resultsDir, summarize } from './test-summary.mjs';

rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

const turbo = spawnSync('pnpm', ['exec', 'turbo', 'run', 'test', '--continue', '--concurrency=1'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PM_TEST_RESULTS_DIR: resultsDir,
    FORCE_COLOR: process.env.FORCE_COLOR ?? '0',
  },
});

const summary = summarize();
console.log('\nsuite results');
for (const suite of summary.suites) {
  console.log(
    `  ${suite.file.padEnd(36)} ${String(suite.passed).padStart(5)} passed ${String(suite.failed).padStart(3)} failed ${String(suite.skipped).padStart(3)} skipped`,
  );
}
// What failed, by name, where the end of a long CI log shows it.
const failures = summary.suites.flatMap((suite) => suite.failures);
if (failures.length > 0) {
  const shown = 40;
  console.log('\nfailed tests');
  for (const failure of failures.slice(0, shown)) console.log(`  ${failure}`);
  if (failures.length > shown) console.log(`  … and ${failures.length - shown} more`);
}
// A suite that crashed before writing results must not read as a clean run.
if (turbo.status !== 0 && summary.failed === 0) {
  console.log('  a test task failed without reporting counts; counted as 1 failure');
  summary.failed = 1;
}
console.log(closingLine(summary));
process.exit(turbo.status === 0 && summary.failed === 0 ? 0 : 1);
