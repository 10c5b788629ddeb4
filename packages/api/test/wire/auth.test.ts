import { useTestDatabase } from '@peer-mentor/db/testing';
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { z } from 'zod';
import { signApiKey } from '../../src/auth/tokens.js';
import { listen, type RunningServer } from '../../src/server.js';
import { createTestAppWithAuth, JWT_SECRET, loadWorld, type TestApp } from '../support/harness.js';
import { type AuthTarget, defineAuthSuite } from './auth-suite.js';

describe('supabase-js sign-in against this service on 127.0.0.1', () => {
  const database = useTestDatabase();
  let target: AuthTarget | undefined;
  let test: TestApp | undefined;
  let server: RunningServer | undefined;
  beforeAll(async () => {
    await loadWorld(database.url);
    test = await createTestAppWithAuth(database.url, {
      auth: { refreshTokenReuseIntervalSeconds: 0 },
    });
    server = await listen(test.app, { host: '127.0.0.1', port: 0 });
    target = {
      url: server.url,
      anonKey: await signApiKey(JWT_SECRET, 'anon'),
      refreshTokenReuseIntervalSeconds: 0,
      async addMembership(organizationId, userId, role, chapterIds) {
        const owner = new pg.Client({ connectionString: database.url });
        await owner.connect();
        try {
          await owner.query(
            `insert into public.organization_members (organization_id, user_id, role) values ($1, $2, $3)
             on conflict (organization_id, user_id) do update set role = excluded.role`,
            [organizationId, userId, role],
          );
          await owner.query(
            `insert into public.coordinator_chapters (user_id, chapter_id)
             select $1, unnest($2::uuid[]) on conflict do nothing`,
            [userId, chapterIds],
          );
        } finally {
          await owner.end();
        }
      },
    };
  });
  afterAll(async () => {
    await server?.close(1_000);
    await test?.close();
  });
  defineAuthSuite(() => target!);
});

/**
 * A real Supabase project, when these are set: SUPABASE_URL, SUPABASE_ANON_KEY and
 * SUPABASE_SERVICE_ROLE_KEY (to restore the memberships the suite changes). The project needs
 * the migrations, the demo data with its passwords, and the custom access token hook enabled
 * (see the README's claim section); SUPABASE_REFRESH_TOKEN_REUSE_INTERVAL if not the default 10.
 */
const RemoteAuthEnv = z.object({
  SUPABASE_URL: z.string().url(),
  SUPABASE_ANON_KEY: z.string().min(1),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1),
  SUPABASE_REFRESH_TOKEN_REUSE_INTERVAL: z.coerce.number().int().nonnegative().default(10),
});
const remote = RemoteAuthEnv.safeParse(process.env);

describe.skipIf(!remote.success)(
  remote.success
    ? 'supabase-js sign-in against the real Supabase project'
    : 'skipped: no real Supabase project configured (set SUPABASE_URL, SUPABASE_ANON_KEY and SUPABASE_SERVICE_ROLE_KEY to run the sign-in suite against one)',
  () => {
    defineAuthSuite(() => {
      const env = remote.data!;
      const service = createClient(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY, {
        auth: { persistSession: false, autoRefreshToken: false },
      });
      return {
        url: env.SUPABASE_URL,
        anonKey: env.SUPABASE_ANON_KEY,
        refreshTokenReuseIntervalSeconds: env.SUPABASE_REFRESH_TOKEN_REUSE_INTERVAL,
        async addMembership(organizationId, userId, role, chapterIds) {
          const member = await service
            .from('organization_members')
            .upsert({ organization_id: organizationId, user_id: userId, role });
          if (member.error) throw new Error(member.error.message);
          const coverage = await service.from('coordinator_chapters').upsert(
            chapterIds.map((chapterId) => ({ user_id: userId, chapter_id: chapterId })),
            { onConflict: 'user_id,chapter_id', ignoreDuplicates: true },
          );
          if (coverage.error) throw new Error(coverage.error.message);
        },
      };
    });
  },
);
