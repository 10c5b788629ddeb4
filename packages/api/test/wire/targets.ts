import { randomBytes } from 'node:crypto';
import type { TestDatabase } from '@peer-mentor/db/testing';
import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
import { signApiKey, signToken, userTokenClaims } from '../../src/auth/tokens.js';
import { listen, type RunningServer } from '../../src/server.js';
import { createTestApp, JWT_SECRET, loadWorld, type TestApp } from '../support/harness.js';

/** Where the wire suite sends supabase-js: this service on loopback, or a real Supabase project. */
export interface WireTarget {
  /** What `createClient(url, anonKey)` gets. */
  url: string;
  anonKey: string;
  /** A user access token as Supabase Auth would issue it (signed with the project's secret). */
  userToken(
    userId: string,
    organizationId: string,
    options?: { expiresInSeconds?: number },
  ): Promise<string>;
  /** The same claims, signed with a secret the target does not know. */
  forgedToken(userId: string, organizationId: string): Promise<string>;
}

/**
 * A real Supabase project, when these are set: SUPABASE_URL, SUPABASE_ANON_KEY and
 * SUPABASE_JWT_SECRET (the project's legacy JWT secret, to sign the demo users' tokens). The
 * project must have the migrations and the demo data (see packages/api/README.md).
 */
const RemoteEnv = z.object({
  SUPABASE_URL: z.string().url(),
  SUPABASE_ANON_KEY: z.string().min(1),
  SUPABASE_JWT_SECRET: z.string().min(32),
});

export const remoteEnv = RemoteEnv.safeParse(process.env);
export const REMOTE_SKIP_REASON =
  'no real Supabase project configured (set SUPABASE_URL, SUPABASE_ANON_KEY and SUPABASE_JWT_SECRET to run this suite against one)';

function targetSigningWith(secret: string, url: string, anonKey: string): WireTarget {
  const forgedSecret = randomBytes(32).toString('hex');
  return {
    url,
    anonKey,
    userToken: (userId, organizationId, options = {}) =>
      signToken(secret, { ...userTokenClaims(userId, organizationId) }, options),
    forgedToken: (userId, organizationId) =>
      signToken(forgedSecret, { ...userTokenClaims(userId, organizationId) }),
  };
}

/** Starts the API over the test file's database (with the demo world) on 127.0.0.1. */
export function useLocalTarget(database: TestDatabase): {
  readonly target: WireTarget;
  readonly app: TestApp;
} {
  let target: WireTarget | undefined;
  let test: TestApp | undefined;
  let server: RunningServer | undefined;
  beforeAll(async () => {
    await loadWorld(database.url);
    test = createTestApp(database.url);
    server = await listen(test.app, { host: '127.0.0.1', port: 0 });
    target = targetSigningWith(JWT_SECRET, server.url, await signApiKey(JWT_SECRET, 'anon'));
  });
  afterAll(async () => {
    await server?.close(1_000);
    await test?.close();
  });
  return {
    get target() {
      if (!target) throw new Error('the local target is ready only inside tests');
      return target;
    },
    get app() {
      if (!test) throw new Error('the local target is ready only inside tests');
      return test;
    },
  };
}

export function remoteTarget(): WireTarget | undefined {
  if (!remoteEnv.success) return undefined;
  const env = remoteEnv.data;
  return targetSigningWith(env.SUPABASE_JWT_SECRET, env.SUPABASE_URL, env.SUPABASE_ANON_KEY);
}
