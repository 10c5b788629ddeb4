import { useTestDatabase } from '@peer-mentor/db/testing';
import { describe } from 'vitest';
import { defineReadConformanceSuite } from './read-suite.js';
import { REMOTE_SKIP_REASON, remoteEnv, remoteTarget, useLocalTarget } from './targets.js';

describe('the read grammar through supabase-js against this service on 127.0.0.1', () => {
  const local = useLocalTarget(useTestDatabase());
  defineReadConformanceSuite(() => local.target, false);
});

describe.skipIf(!remoteEnv.success)(
  remoteEnv.success
    ? 'the read grammar through supabase-js against the real Supabase project'
    : `skipped: ${REMOTE_SKIP_REASON}`,
  () => {
    defineReadConformanceSuite(() => remoteTarget()!, true);
  },
);
