/**
 * The Supabase Edge Function `nightly` under the real Deno runtime (npm package `deno`),
 * served on 127.0.0.1 against the test database: only the service key gets in, each call
 * runs a bounded number of batches and answers with a cursor, and calling again with the
 * cursor continues the same runs until the answer says done.
 */
import { createDb, type Db } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LocalNightlyFunction,
  serveNightlyFunctionLocally,
} from '../src/hosts/edge-function/serve-locally.js';
import type { NightlyResponse } from '../src/index.js';
import {
  addDays,
  addMentors,
  createOrganization,
  mentorStates,
  runsOf,
  todayIn,
} from './support/roster.js';

const database = useTestDatabase();
const SERVICE_KEY = 'legacy-service-role-key-for-tests';
const SECRET_KEY = 'sb_secret_key_for_tests';
let db: Db;
let edge: LocalNightlyFunction;

beforeAll(async () => {
  db = createDb(database.url, { maxConnections: 4 });
  edge = await serveNightlyFunctionLocally({
    SUPABASE_DB_URL: database.url,
    SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY,
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: SECRET_KEY }),
    NIGHTLY_MAX_BATCHES_PER_CALL: '3',
  });
}, 60_000);
afterAll(async () => {
  await edge?.stop();
  await db.close();
});

function call(body: unknown, headers: Record<string, string> = {}, method = 'POST') {
  return fetch(edge.url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
}
const withKey = (key = SERVICE_KEY) => ({ authorization: `Bearer ${key}` });

describe('the nightly Edge Function (Deno)', () => {
  it('answers 401 to anything but the service key, before looking at the request', async () => {
    const anonLooking = `${btoa('{"alg":"HS256"}')}.${btoa('{"role":"anon"}')}.signature`;
    const refused: Record<string, string>[] = [
      {},
      withKey('wrong-key'),
      withKey(`${SERVICE_KEY}x`),
      withKey(anonLooking),
      { authorization: SERVICE_KEY },
      { apikey: SERVICE_KEY },
    ];
    for (const headers of refused) {
      const response = await call({ jobs: ['certification-expiry'] }, headers);
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'unauthorized' });
    }
    expect((await call(undefined, withKey(), 'GET')).status).toBe(405);
    expect(await runsOf(db.pool, null)).toEqual([]);
  });

  it('refuses a body it cannot run, saying why', async () => {
    const cases: Array<[unknown, string]> = [
      ['{not json', 'JSON object'],
      [{ jobs: ['payroll'] }, 'jobs must be'],
      [{ date: '2026-02-30' }, 'date must be'],
      [{ batchSize: 0 }, 'batchSize must be'],
      [{ cursor: 'eyJ2IjoyfQ' }, 'cursor'],
    ];
    for (const [body, message] of cases) {
      const response = await call(body, withKey());
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { message: string }).message).toContain(message);
    }
  });

  it('runs a bounded number of batches per call and continues from its cursor until done', async () => {
    const today = await todayIn(db.pool, 'Europe/Oslo');
    const organization = await createOrganization(db.pool);
    const mentors = await addMentors(
      db.pool,
      organization,
      Array.from({ length: 23 }, () => ({ validUntil: addDays(today, -1) })),
    );

    const answers: NightlyResponse[] = [];
    let body: Record<string, unknown> = {
      jobs: ['certification-expiry'],
      date: today,
      batchSize: 4,
    };
    for (let calls = 0; calls < 20; calls += 1) {
      const response = await call(body, withKey(calls % 2 === 0 ? SERVICE_KEY : SECRET_KEY));
      expect(response.status).toBe(200);
      const answer = (await response.json()) as NightlyResponse;
      answers.push(answer);
      if (answer.done) break;
      body = { cursor: answer.cursor };
    }

    // 23 mentors in batches of 4 make 6 batches (the last, short one ends the run), at most 3
    // per call; the third call finds nothing left and says done.
    expect(answers.map((answer) => answer.batches)).toEqual([3, 3, 0]);
    expect(answers.map((answer) => answer.done)).toEqual([false, false, true]);
    expect(answers.at(-1)!.cursor).toBeNull();
    expect(answers.slice(0, -1).every((answer) => typeof answer.cursor === 'string')).toBe(true);
    expect(answers.reduce((sum, answer) => sum + answer.mentorsChanged, 0)).toBe(23);
    for (const answer of answers) expect(answer.elapsedMs).toBeLessThan(10_000);

    const states = await mentorStates(db.pool, mentors);
    expect(
      states.every((state) => state.reasonCode === 'certification_expired' && state.logRows === 1),
    ).toBe(true);
    // One run, continued by every call through the cursor, on the date of the first call.
    expect(await runsOf(db.pool, organization.id)).toEqual([
      expect.objectContaining({
        runDate: today,
        host: 'edge-function',
        outcome: 'completed',
        examined: 23,
        mentorsChanged: 23,
        batches: 6,
      }),
    ]);
    expect(edge.output()).toContain('"message":"nightly batch"');
  });

  it('answers 500 without internal details when the database is unreachable', async () => {
    const broken = await serveNightlyFunctionLocally({
      SUPABASE_DB_URL: 'postgresql://postgres@127.0.0.1:9/postgres',
      SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY,
    });
    try {
      const response = await fetch(broken.url, {
        method: 'POST',
        headers: withKey(),
        body: '{}',
      });
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({
        error: 'internal_error',
        message: 'the nightly jobs failed; see the function log',
      });
      expect(text).not.toContain('127.0.0.1');
      expect(broken.output()).toContain('"message":"nightly call failed"');
    } finally {
      await broken.stop();
    }
  });
});
