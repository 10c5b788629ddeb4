import { defineSuiteConfig } from '@peer-mentor/vitest-config';

// Database-backed tests: the db package's global setup starts (or reuses) the test server and
// the migrated template that every test file clones.
export default defineSuiteConfig('scheduler', {
  test: {
    globalSetup: ['../db/src/testing/global-setup.ts'],
    // Several tests start the CLI, `serve` or Deno as processes, each a cold start of its own;
    // on a busy 2-core machine one start alone has taken 15-20 s. A slow start is not what
    // these tests judge, so they get room; speed is measured by the benchmarks.
    testTimeout: 120_000,
  },
});
