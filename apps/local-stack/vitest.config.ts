import { defineSuiteConfig } from '@peer-mentor/vitest-config';

// The main-job test starts the whole stack as a child process; supabase-js needs a global
// WebSocket, which Node 20 has only behind this flag.
export default defineSuiteConfig('local-stack', {
  test: {
    execArgv: ['--experimental-websocket'],
  },
});
