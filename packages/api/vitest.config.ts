import { defineSuiteConfig } from '@peer-mentor/vitest-config';

// The database harness starts (or reuses) a PostgreSQL server and a migrated template; each
// test file clones it. Wire tests also start the API on a loopback port.
export default defineSuiteConfig('api', {
  test: {
    globalSetup: ['../db/src/testing/global-setup.ts'],
    // supabase-js constructs its realtime client eagerly and wants a global WebSocket, which
    // Node 20 has only behind this flag (Node 22 has it by default).
    execArgv: ['--experimental-websocket'],
  },
});
