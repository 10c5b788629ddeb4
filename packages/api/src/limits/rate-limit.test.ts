import { useTestDatabase } from '@peer-mentor/db/testing';
import { createClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  ids,
  JWT_SECRET,
  loadWorld,
  people,
  type TestApp,
  tokens,
} from '../../test/support/harness.js';
import { callRpc } from '../../test/support/requests.js';
import { readApiEnv } from '../env.js';
import { listen } from '../server.js';
import { DEFAULT_RATE_LIMITS } from './rate-limit.js';

// Request rate limits as a client meets them: 429 in PostgREST's error shape with Retry-After,
// per user (in-process, on a clock the test moves) and per client address (over a socket).

const database = useTestDatabase();
const apps: TestApp[] = [];
let anonKey: string;
let kari: string;
let per: string;

function app(rateLimits: Partial<typeof DEFAULT_RATE_LIMITS>, clock?: { now(): Date }) {
  const created = createTestApp(database.url, {
    config: { rateLimits: { ...DEFAULT_RATE_LIMITS, ...rateLimits } },
    ...(clock ? { clock } : {}),
  });
  apps.push(created);
  return created;
}

beforeAll(async () => {
  await loadWorld(database.url);
  anonKey = await tokens.anonKey();
  kari = await tokens.user(people.kari);
  per = await tokens.user(people.per);
});
afterAll(async () => {
  for (const created of apps) await created.close();
});

const listOslo = { p_organization_id: ids.hlf, p_chapter_id: ids.oslo };

describe('rate limits per user', () => {
  it('answers 429 PT429 with Retry-After once a user is over the limit; others go on; it refills', async () => {
    let now = new Date();
    const t = app({ perUserPerMinute: 3 }, { now: () => now });
    const asKari = () =>
      callRpc(t, 'get_active_pauses_for_chapter', listOslo, { apikey: anonKey, token: kari });
    for (let call = 1; call <= 3; call += 1) expect((await asKari()).status).toBe(200);

    const refused = await asKari();
    expect(refused.status).toBe(429);
    // Three a minute: one more after 20 s.
    expect(refused.headers.get('retry-after')).toBe('20');
    expect(refused.json).toEqual({
      code: 'PT429',
      message: 'Too many requests',
      details: 'more than 3 requests a minute from this user',
      hint: 'Retry after 20 s',
    });
    // Another coordinator is not held back by Kari.
    const asPer = await callRpc(t, 'get_active_pauses_for_chapter', listOslo, {
      apikey: anonKey,
      token: per,
    });
    expect(asPer.status).toBe(200);

    now = new Date(now.getTime() + 19_000);
    expect((await asKari()).status).toBe(429);
    now = new Date(now.getTime() + 1_000);
    expect((await asKari()).status).toBe(200);
  });

  it('limits a user, not a token: a fresh token for the same user meets the same bucket', async () => {
    const t = app({ perUserPerMinute: 2 });
    const fresh = await tokens.user(people.kari, ids.hlf, { expiresInSeconds: 600 });
    for (const token of [kari, fresh]) {
      const res = await callRpc(t, 'get_active_pauses_for_chapter', listOslo, {
        apikey: anonKey,
        token,
      });
      expect(res.status).toBe(200);
    }
    const third = await callRpc(t, 'get_active_pauses_for_chapter', listOslo, {
      apikey: anonKey,
      token: fresh,
    });
    expect(third.status).toBe(429);
  });

  it('refuses nothing when the limits are configured off', async () => {
    const t = app({ enabled: false, perUserPerMinute: 1 });
    for (let call = 1; call <= 5; call += 1) {
      const res = await callRpc(t, 'get_active_pauses_for_chapter', listOslo, {
        apikey: anonKey,
        token: kari,
      });
      expect(res.status).toBe(200);
    }
  });
});

describe('rate limits per client address', () => {
  it('answers supabase-js with 429 once one address is over the limit, whoever signs in', async () => {
    const t = app({ perAddressPerMinute: 2 });
    const server = await listen(t.app, { port: 0 });
    try {
      const client = (token: string) =>
        createClient(server.url, anonKey, {
          auth: { persistSession: false, autoRefreshToken: false },
          accessToken: async () => token,
        });
      expect((await client(kari).rpc('get_active_pauses_for_chapter', listOslo)).error).toBeNull();
      expect((await client(per).rpc('get_active_pauses_for_chapter', listOslo)).error).toBeNull();

      const third = await client(per).rpc('get_active_pauses_for_chapter', listOslo);
      expect(third.status).toBe(429);
      expect(third.error).toMatchObject({
        code: 'PT429',
        message: 'Too many requests',
        details: 'more than 2 requests a minute from this address',
      });
      // Even a request with a bad token is refused before its token is looked at.
      const raw = await fetch(`${server.url}/rest/v1/rpc/get_active_pauses_for_chapter`, {
        method: 'POST',
        headers: {
          apikey: anonKey,
          authorization: 'Bearer not-a-token',
          'content-type': 'application/json',
        },
        body: JSON.stringify(listOslo),
      });
      expect(raw.status).toBe(429);
      expect(Number(raw.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Health checks are not API calls and are never limited.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('configuration', () => {
  const base = { DATABASE_URL: 'postgresql://authenticator@127.0.0.1:5432/postgres', JWT_SECRET };

  it('is on by default with the documented limits', () => {
    const { RATE_LIMITS, RATE_LIMIT_PER_USER_PER_MINUTE, RATE_LIMIT_PER_ADDRESS_PER_MINUTE } =
      readApiEnv(base);
    expect({
      RATE_LIMITS,
      RATE_LIMIT_PER_USER_PER_MINUTE,
      RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
    }).toEqual({
      RATE_LIMITS: 'on',
      RATE_LIMIT_PER_USER_PER_MINUTE: 600,
      RATE_LIMIT_PER_ADDRESS_PER_MINUTE: 1200,
    });
  });

  it('is off only when RATE_LIMITS=off says so, and refuses a value it does not know', () => {
    expect(readApiEnv({ ...base, RATE_LIMITS: 'off' }).RATE_LIMITS).toBe('off');
    expect(() => readApiEnv({ ...base, RATE_LIMITS: 'false' })).toThrow(/RATE_LIMITS/);
    expect(() => readApiEnv({ ...base, RATE_LIMIT_PER_USER_PER_MINUTE: '0' })).toThrow(
      /RATE_LIMIT_PER_USER_PER_MINUTE/,
    );
  });
});
