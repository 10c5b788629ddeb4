import { defineSuiteConfig } from '@peer-mentor/vitest-config';

// The Edge Function bundle test runs the nightly jobs on a real database: the db package's
// global setup starts (or reuses) the test server and the template the Supabase CLI migrated.
export default defineSuiteConfig('release', {
  test: { globalSetup: ['../../packages/db/src/testing/global-setup.ts'] },
});
