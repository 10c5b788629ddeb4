import { authenticatorUrl, demoId, demoUsers, loadDemoData } from '@peer-mentor/db';
import pg from 'pg';
import { createApp } from '../../src/app.js';
import { signApiKey, signToken, signUserToken, userTokenClaims } from '../../src/auth/tokens.js';
import type { Clock } from '../../src/auth/verifier.js';
import { type ApiConfig, apiConfig, type JwtKeyConfig } from '../../src/config.js';
import {
  type AuthRoutesConfig,
  authRoutesConfig,
  createAuthPool,
} from '../../src/features/auth-routes/index.js';
import { createLogger } from '../../src/logging/logger.js';
import { createApiPool } from '../../src/pool.js';

/** The shared secret test tokens are signed with (HS256). */
export const JWT_SECRET = 'peer-mentor-test-secret-of-at-least-32-characters';

export interface TestApp {
  app: ReturnType<typeof createApp>;
  pool: pg.Pool;
  /** Every log line the app wrote, raw. */
  logLines: string[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  jwt?: JwtKeyConfig;
  config?: Partial<Omit<ApiConfig, 'jwt'>>;
  clock?: Clock;
  pool?: { max?: number; acquireTimeoutMs?: number };
  /** Serve the local Auth routes (off unless given), with these settings over the defaults. */
  auth?: Partial<Omit<AuthRoutesConfig, 'jwtSecret'>>;
  servedFunctions?: readonly string[];
}

/** The password test runs give supabase_auth_admin: one value, so parallel files agree. */
const AUTH_ADMIN_TEST_PASSWORD = 'supabase-auth-admin-local-test';

/**
 * A connection string for Supabase Auth's role on the same database, as the auth routes log in
 * (the owner's connection gives the role its test password first).
 */
export async function authAdminUrl(databaseUrl: string): Promise<string> {
  const password = AUTH_ADMIN_TEST_PASSWORD;
  const owner = new pg.Client({ connectionString: databaseUrl });
  await owner.connect();
  try {
    await owner.query(`alter role supabase_auth_admin with login password '${password}'`);
  } finally {
    await owner.end();
  }
  const url = new URL(databaseUrl);
  url.username = 'supabase_auth_admin';
  url.password = password;
  return url.toString();
}

/**
 * The app over its own pool on `databaseUrl`, logging into memory. The pool logs in as the
 * `authenticator` role, as the API does in production (the test clusters trust loopback logins).
 */
export function createTestApp(databaseUrl: string, options: TestAppOptions = {}): TestApp {
  return createTestAppWith(databaseUrl, undefined, options);
}

/** The same with the local Auth routes on, their pool logged in as supabase_auth_admin. */
export async function createTestAppWithAuth(
  databaseUrl: string,
  options: TestAppOptions = {},
): Promise<TestApp> {
  const authPool = createAuthPool(await authAdminUrl(databaseUrl));
  const test = createTestAppWith(databaseUrl, authPool, options);
  return {
    ...test,
    close: async () => {
      await test.close();
      await authPool.end();
    },
  };
}

function createTestAppWith(
  databaseUrl: string,
  authPool: pg.Pool | undefined,
  options: TestAppOptions,
): TestApp {
  const logLines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void logLines.push(line) });
  const pool = createApiPool(authenticatorUrl(databaseUrl), {
    max: options.pool?.max ?? 4,
    acquireTimeoutMs: options.pool?.acquireTimeoutMs ?? 5_000,
  });
  const app = createApp({
    pool,
    config: apiConfig(
      options.jwt ?? { secret: JWT_SECRET, audience: 'authenticated' },
      options.config,
    ),
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(authPool
      ? { auth: { pool: authPool, config: authRoutesConfig(JWT_SECRET, options.auth) } }
      : {}),
    ...(options.servedFunctions ? { servedFunctions: options.servedFunctions } : {}),
  });
  return { app, pool, logLines, close: () => pool.end() };
}

/** The demo world every API test runs on (two organizations; see @peer-mentor/db demo data). */
export async function loadWorld(databaseUrl: string): Promise<void> {
  await loadDemoData(databaseUrl);
}

export const ids = {
  hlf: demoId('hlf'),
  north: demoId('north'),
  oslo: demoId('hlf-oslo'),
  bergen: demoId('hlf-bergen'),
  trondheim: demoId('hlf-trondheim'),
  tromso: demoId('north-tromso'),
  anna: demoId('hlf-anna'),
  jonas: demoId('hlf-jonas'),
  sofie: demoId('hlf-sofie'),
  magnus: demoId('hlf-magnus'),
  emma: demoId('hlf-emma'),
  lars: demoId('hlf-lars'),
  ola: demoId('north-ola'),
};

/** User ids of the demo logins, by the key used in the demo data. */
export function demoUserId(email: string): string {
  const user = demoUsers().find((candidate) => candidate.email === email);
  if (!user) throw new Error(`no demo user ${email}`);
  return user.userId;
}

export const people = {
  admin: demoUserId('admin@hlf.demo'),
  kari: demoUserId('kari.coordinator@hlf.demo'),
  per: demoUserId('per.coordinator@hlf.demo'),
  ingrid: demoUserId('ingrid.coordinator@hlf.demo'),
  anna: demoUserId('anna@hlf.demo'),
  jonas: demoUserId('jonas@hlf.demo'),
  emma: demoUserId('emma@hlf.demo'),
  siri: demoUserId('siri.coordinator@nord.demo'),
};

/** Token minting with the test secret. */
export const tokens = {
  anonKey: () => signApiKey(JWT_SECRET, 'anon'),
  serviceKey: () => signApiKey(JWT_SECRET, 'service_role'),
  user: (userId: string, organizationId: string | null = ids.hlf, options = {}) =>
    signUserToken(JWT_SECRET, userId, organizationId, options),
  custom: (claims: Record<string, unknown>, options = {}) => signToken(JWT_SECRET, claims, options),
  userClaims: userTokenClaims,
};
