import { useTestDatabase } from '@peer-mentor/db/testing';
import { describe } from 'vitest';
import { defineWireSuite } from './suite.js';
import { REMOTE_SKIP_REASON, remoteEnv, remoteTarget, useLocalTarget } from './targets.js';

describe('supabase-js against this service on 127.0.0.1', () => {
  const local = useLocalTarget(useTestDatabase());
  defineWireSuite(() => local.target);
});

describe.skipIf(!remoteEnv.success)(
  remoteEnv.success
    ? 'supabase-js against the real Supabase project'
    : `skipped: ${REMOTE_SKIP_REASON}`,
  () => {
    defineWireSuite(() => remoteTarget()!);
  },
);
