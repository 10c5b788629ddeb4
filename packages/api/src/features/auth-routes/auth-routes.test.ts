import { AccessTokenAppMetadata } from '@peer-mentor/contracts';
import { demoPassword } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { decodeJwt } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  createTestAppWithAuth,
  ids,
  loadWorld,
  people,
  type TestApp,
  type TestAppOptions,
  tokens,
} from '../../../test/support/harness.js';
import type { Json } from '../../../test/support/requests.js';
import { authRoutesFromEnv, readApiEnv } from '../../env.js';
import { REQUIRED_ACCESS_TOKEN_CLAIMS } from './access-token.js';
import { hookFunctionName } from './config.js';

// The local Auth routes in-process: Supabase Auth's answers for each case (statuses, error
// codes, both error body versions), failed sign-in limits, the hook's claims, and that the
// routes are off unless configured. supabase-js over a socket: test/wire/auth.test.ts.

const database = useTestDatabase();
const apps: TestApp[] = [];
let anonKey: string;

async function authApp(options: TestAppOptions = {}) {
  const created = await createTestAppWithAuth(database.url, options);
  apps.push(created);
  return created;
}

beforeAll(async () => {
  await loadWorld(database.url);
  anonKey = await tokens.anonKey();
});
afterAll(async () => {
  for (const created of apps) await created.close();
});

const KARI = 'kari.coordinator@hlf.demo';
const V2024 = { 'x-supabase-api-version': '2024-01-01' };

async function request(
  t: TestApp,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; method?: string } = {},
) {
  const response = await t.app.request(`/auth/v1${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: {
      apikey: anonKey,
      'content-type': 'application/json',
      ...V2024,
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: (text ? JSON.parse(text) : undefined) as Json,
  };
}

const signIn = (
  t: TestApp,
  email: string,
  password: string,
  headers: Record<string, string> = {},
) => request(t, '/token?grant_type=password', { body: { email, password }, headers });

describe('password sign-in', () => {
  it('answers with Supabase Auth’s session: bearer token, expiry, refresh token, the user', async () => {
    const t = await authApp();
    const { status, json } = await signIn(t, KARI, demoPassword(KARI));
    expect(status).toBe(200);
    expect(json).toMatchObject({
      token_type: 'bearer',
      expires_in: 3600,
      user: { id: people.kari, email: KARI, aud: 'authenticated', role: 'authenticated' },
    });
    expect(typeof json.refresh_token).toBe('string');
    const claims = decodeJwt(json.access_token);
    expect(Object.keys(claims)).toEqual(expect.arrayContaining([...REQUIRED_ACCESS_TOKEN_CLAIMS]));
    expect(claims).toMatchObject({
      sub: people.kari,
      role: 'authenticated',
      aud: 'authenticated',
      aal: 'aal1',
      email: KARI,
      is_anonymous: false,
      iss: 'http://localhost/auth/v1',
      exp: json.expires_at,
    });
    expect(AccessTokenAppMetadata.parse(claims.app_metadata)).toMatchObject({
      organization_id: ids.hlf,
      organization_role: 'coordinator',
      provider: 'email',
    });
  });

  it('the email is matched without regard to case, and the password is checked against its bcrypt hash', async () => {
    const t = await authApp();
    expect((await signIn(t, KARI.toUpperCase(), demoPassword(KARI))).status).toBe(200);
    const owner = new pg.Client({ connectionString: database.url });
    await owner.connect();
    const { rows } = await owner
      .query<{ hash: string }>('select encrypted_password as hash from auth.users where id = $1', [
        people.kari,
      ])
      .finally(() => owner.end());
    expect(rows[0]?.hash).toMatch(/^\$2a\$10\$/);
  });

  it('a wrong password and an unknown email get the same 400 invalid_credentials', async () => {
    const t = await authApp();
    for (const [email, password] of [
      [KARI, 'not-the-password'],
      ['nobody@hlf.demo', demoPassword(KARI)],
    ] as const) {
      const { status, json, headers } = await signIn(t, email, password);
      expect(status).toBe(400);
      expect(json).toEqual({ code: 'invalid_credentials', message: 'Invalid login credentials' });
      expect(headers.get('x-sb-error-code')).toBe('invalid_credentials');
      expect(headers.get('x-supabase-api-version')).toBe('2024-01-01');
    }
  });

  it('answers clients without the API version header in the original body shape', async () => {
    const t = await authApp();
    const response = await t.app.request('/auth/v1/token?grant_type=password', {
      method: 'POST',
      headers: { apikey: anonKey, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: KARI, password: 'wrong' }).toString(),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      code: 400,
      error_code: 'invalid_credentials',
      msg: 'Invalid login credentials',
    });
  });

  it('refuses a missing email, an unknown grant type, and an unconfirmed email', async () => {
    const t = await authApp();
    expect((await signIn(t, '', 'x')).json).toEqual({
      code: 'validation_failed',
      message: 'missing email or phone',
    });
    const unknownGrant = await request(t, '/token?grant_type=magic', { body: {} });
    expect(unknownGrant.status).toBe(400);
    expect(unknownGrant.json.message).toBe('unsupported_grant_type');
    const owner = new pg.Client({ connectionString: database.url });
    await owner.connect();
    try {
      await owner.query(
        `update auth.users set email_confirmed_at = null where email = 'ingrid.coordinator@hlf.demo'`,
      );
      const unconfirmed = await signIn(
        t,
        'ingrid.coordinator@hlf.demo',
        demoPassword('ingrid.coordinator@hlf.demo'),
      );
      expect(unconfirmed.status).toBe(400);
      expect(unconfirmed.json.code).toBe('email_not_confirmed');
    } finally {
      await owner.query(
        `update auth.users set email_confirmed_at = now() where email = 'ingrid.coordinator@hlf.demo'`,
      );
      await owner.end();
    }
  });

  it('needs the project’s API key, as Supabase’s gateway does', async () => {
    const t = await authApp();
    const response = await t.app.request('/auth/v1/token?grant_type=password', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: KARI, password: demoPassword(KARI) }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ message: 'No API key found in request' });
  });
});

describe('failed sign-ins are limited', () => {
  it('per account: past the limit even the right password gets 429 until the window passes', async () => {
    // The clock starts at the real time: the keys the requests carry are signed now, and a clock
    // behind their issue time would refuse them.
    let now = new Date();
    const t = await authApp({
      clock: { now: () => now },
      auth: { failedSignIns: { perAccount: 3, perAddress: 100, windowSeconds: 60 } },
    });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await signIn(t, KARI, 'guess')).status).toBe(400);
    }
    const limited = await signIn(t, KARI, demoPassword(KARI));
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({
      code: 'over_request_rate_limit',
      message: 'Request rate limit reached',
    });
    // Other accounts are not affected.
    expect(
      (await signIn(t, 'per.coordinator@hlf.demo', demoPassword('per.coordinator@hlf.demo')))
        .status,
    ).toBe(200);
    now = new Date(now.getTime() + 61_000);
    expect((await signIn(t, KARI, demoPassword(KARI))).status).toBe(200);
  });

  it('per address: many accounts guessed from one address are stopped too', async () => {
    const t = await authApp({
      auth: { failedSignIns: { perAccount: 100, perAddress: 4, windowSeconds: 60 } },
    });
    const emails = ['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test'];
    for (const email of emails) expect((await signIn(t, email, 'guess')).status).toBe(400);
    expect((await signIn(t, KARI, demoPassword(KARI))).status).toBe(429);
  });
});

describe('refresh, user and logout', () => {
  it('a refresh rotates the token; the old one, used again after the reuse interval, revokes the session', async () => {
    const t = await authApp({ auth: { refreshTokenReuseIntervalSeconds: 0 } });
    const first = (await signIn(t, KARI, demoPassword(KARI))).json;
    const refresh = (token: string) =>
      request(t, '/token?grant_type=refresh_token', { body: { refresh_token: token } });
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.json.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(second.json.access_token).session_id).toBe(
      decodeJwt(first.access_token).session_id,
    );
    // The client lost the answer: the same old token gets the same new one back.
    expect((await refresh(first.refresh_token)).json.refresh_token).toBe(second.json.refresh_token);
    const third = await refresh(second.json.refresh_token);
    expect(third.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const reused = await refresh(first.refresh_token);
    expect(reused.status).toBe(400);
    expect(reused.json).toEqual({
      code: 'refresh_token_already_used',
      message: 'Invalid Refresh Token: Already Used',
    });
    // The whole family is revoked: the newest token is dead too.
    expect((await refresh(third.json.refresh_token)).json.code).toBe('refresh_token_already_used');
    const unknown = await refresh('no-such-token');
    expect(unknown.json).toEqual({
      code: 'refresh_token_not_found',
      message: 'Invalid Refresh Token: Refresh Token Not Found',
    });
  });

  it('GET /user answers for a live session only; logout ends it', async () => {
    const t = await authApp();
    const session = (await signIn(t, KARI, demoPassword(KARI))).json;
    const bearer = { authorization: `Bearer ${session.access_token}` };
    const user = await request(t, '/user', { headers: bearer });
    expect(user.status).toBe(200);
    expect(user.json).toMatchObject({ id: people.kari, email: KARI });
    expect((await request(t, '/user')).json.code).toBe('no_authorization');
    const forged = await request(t, '/user', {
      headers: {
        authorization: `Bearer ${await tokens.user(people.kari).then((token) => `${token}x`)}`,
      },
    });
    expect(forged.status).toBe(403);
    expect(forged.json.code).toBe('bad_jwt');
    expect(
      (await request(t, '/logout?scope=everywhere', { method: 'POST', headers: bearer })).status,
    ).toBe(400);
    const logout = await t.app.request('/auth/v1/logout', {
      method: 'POST',
      headers: { apikey: anonKey, ...bearer, ...V2024 },
    });
    expect(logout.status).toBe(204);
    const after = await request(t, '/user', { headers: bearer });
    expect(after.status).toBe(403);
    expect(after.json.code).toBe('session_not_found');
    const refreshed = await request(t, '/token?grant_type=refresh_token', {
      body: { refresh_token: session.refresh_token },
    });
    expect(refreshed.json.code).toBe('refresh_token_not_found');
  });

  it('logout with scope=others keeps the current session and ends the rest', async () => {
    const t = await authApp();
    const phone = (await signIn(t, KARI, demoPassword(KARI))).json;
    const laptop = (await signIn(t, KARI, demoPassword(KARI))).json;
    const logout = await t.app.request('/auth/v1/logout?scope=others', {
      method: 'POST',
      headers: { apikey: anonKey, authorization: `Bearer ${laptop.access_token}` },
    });
    expect(logout.status).toBe(204);
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    expect((await request(t, '/user', { headers: bearer(laptop.access_token) })).status).toBe(200);
    expect((await request(t, '/user', { headers: bearer(phone.access_token) })).status).toBe(403);
  });
});

describe('the custom access token hook', () => {
  it('without a hook configured, tokens carry only Supabase Auth’s claims: no organization', async () => {
    const t = await authApp({ auth: { customAccessTokenHook: undefined } });
    const { json } = await signIn(t, KARI, demoPassword(KARI));
    expect(decodeJwt(json.access_token).app_metadata).toEqual({
      provider: 'email',
      providers: ['email'],
    });
  });

  it('a hook that answers with an error stops the sign-in with its status and message', async () => {
    const owner = new pg.Client({ connectionString: database.url });
    await owner.connect();
    try {
      await owner.query(`
        create function public.refusing_hook(event jsonb) returns jsonb language sql set search_path = '' as
          $$ select '{"error":{"http_code":403,"message":"sign-in is paused for maintenance"}}'::jsonb $$;
        revoke execute on function public.refusing_hook(jsonb) from public, anon, authenticated, service_role;
        grant execute on function public.refusing_hook(jsonb) to supabase_auth_admin;
        create function public.claim_dropping_hook(event jsonb) returns jsonb language sql set search_path = '' as
          $$ select jsonb_build_object('claims', (event -> 'claims') - 'session_id') $$;
        revoke execute on function public.claim_dropping_hook(jsonb) from public, anon, authenticated, service_role;
        grant execute on function public.claim_dropping_hook(jsonb) to supabase_auth_admin;`);
    } finally {
      await owner.end();
    }
    const refusing = await authApp({
      auth: { customAccessTokenHook: 'pg-functions://postgres/public/refusing_hook' },
    });
    const refused = await signIn(refusing, KARI, demoPassword(KARI));
    expect(refused.status).toBe(403);
    expect(refused.json.message).toBe('sign-in is paused for maintenance');
    const dropping = await authApp({
      auth: { customAccessTokenHook: 'pg-functions://postgres/public/claim_dropping_hook' },
    });
    const invalid = await signIn(dropping, KARI, demoPassword(KARI));
    expect(invalid.status).toBe(500);
    expect(invalid.json.message).toMatch(/missing session_id/);
  });

  it('reads its name from the URI supabase/config.toml uses, and refuses anything else', () => {
    expect(hookFunctionName('pg-functions://postgres/public/custom_access_token_hook')).toBe(
      '"public"."custom_access_token_hook"',
    );
    expect(() => hookFunctionName('https://example.test/hook')).toThrow(/not a Postgres hook URI/);
    expect(() => hookFunctionName('pg-functions://postgres/public/x;drop')).toThrow();
  });
});

describe('off unless configured', () => {
  const base = {
    DATABASE_URL: 'postgresql://authenticator@127.0.0.1:5432/postgres',
    JWT_SECRET: 'x'.repeat(32),
  };

  it('the environment turns the routes on only with AUTH_ROUTES_ENABLED=true and their own database login', () => {
    expect(authRoutesFromEnv(readApiEnv(base))).toBeUndefined();
    const on = authRoutesFromEnv(
      readApiEnv({
        ...base,
        AUTH_ROUTES_ENABLED: 'true',
        AUTH_DATABASE_URL: 'postgresql://supabase_auth_admin:pw@127.0.0.1:5432/postgres',
        AUTH_REFRESH_TOKEN_REUSE_INTERVAL: '0',
        AUTH_HOOK_CUSTOM_ACCESS_TOKEN_URI: 'none',
      }),
    );
    expect(on?.databaseUrl).toMatch(/^postgresql:\/\/supabase_auth_admin:/);
    expect(on?.config).toMatchObject({
      jwtExpirySeconds: 3600,
      refreshTokenReuseIntervalSeconds: 0,
      customAccessTokenHook: undefined,
    });
    expect(() => readApiEnv({ ...base, AUTH_ROUTES_ENABLED: 'true' })).toThrow(/AUTH_DATABASE_URL/);
  });

  it('the API without auth settings serves no /auth/v1 route', async () => {
    const t = createTestApp(database.url);
    apps.push(t);
    const response = await t.app.request('/auth/v1/token?grant_type=password', {
      method: 'POST',
      headers: { apikey: anonKey, 'content-type': 'application/json' },
      body: JSON.stringify({ email: KARI, password: demoPassword(KARI) }),
    });
    expect(response.status).toBe(404);
  });
});
