import { defineSuiteConfig } from '@peer-mentor/vitest-config';

// Database-backed tests: the db package's global setup starts (or reuses) the test server and
// the migrated template that every test file clones.
export default defineSuiteConfig('scheduler', {
  test: {
    globalSetup: ['../db/src/testing/global-setup.ts'],
  },
});
