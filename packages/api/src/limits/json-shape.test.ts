import { useTestDatabase } from '@peer-mentor/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  ids,
  loadWorld,
  people,
  type TestApp,
  tokens,
} from '../../test/support/harness.js';
import { callRpc } from '../../test/support/requests.js';
import { JSON_LIMITS } from './json-shape.js';

// Bodies shaped to break what runs after the parser: refused with PostgREST's 400 before any
// connection is taken, and the service keeps answering.

const database = useTestDatabase();
let t: TestApp;
let anonKey: string;
let anna: string;

beforeAll(async () => {
  await loadWorld(database.url);
  t = createTestApp(database.url);
  anonKey = await tokens.anonKey();
  anna = await tokens.user(people.anna);
});
afterAll(() => t.close());

async function annaStatus() {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query(
      'select status, version from public.peer_mentor_status where peer_mentor_id = $1',
      [ids.anna],
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

/** Anna pausing herself, with `note` as the note argument, sent as raw JSON text. */
const pauseWithNote = (note: string) =>
  callRpc(t, 'activate_pause', undefined, {
    apikey: anonKey,
    token: anna,
    body: `{"p_peer_mentor_id":"${ids.anna}","p_organization_id":"${ids.hlf}","p_reason_code":"personal","p_note":${note}}`,
  });

describe('JSON shape limits', () => {
  it('answers 400 PGRST102 for a 45,000-deep argument, changes nothing, and keeps serving', async () => {
    const before = await annaStatus();
    // The first RPC request loads the schema cache (one catalog read); do that first, so what
    // is counted below is the refused request alone.
    const warmUp = await callRpc(
      t,
      'get_active_pauses_for_chapter',
      { p_organization_id: ids.hlf, p_chapter_id: ids.oslo },
      { apikey: anonKey, token: anna },
    );
    expect(warmUp.status).toBe(400);
    let acquired = 0;
    const countAcquire = () => {
      acquired += 1;
    };
    t.pool.on('acquire', countAcquire);
    const deep = `${'['.repeat(45_000)}${']'.repeat(45_000)}`;
    const res = await pauseWithNote(deep);
    t.pool.off('acquire', countAcquire);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      code: 'PGRST102',
      message: 'The JSON body is nested too deeply',
      details: `more than ${JSON_LIMITS.maxDepth} levels of objects and arrays`,
      hint: 'Send the named arguments as a flat JSON object',
    });
    expect(await annaStatus()).toEqual(before);
    // It never reached the database: no connection was taken from the pool, let alone discarded.
    expect(acquired).toBe(0);

    const ordinary = await pauseWithNote('"a week off"');
    expect(ordinary.status, ordinary.text).toBe(200);
    expect(ordinary.json.status).toBe('paused');
  });

  it('answers 400 PGRST102 for an array argument wider than the limit', async () => {
    const wide = `[${Array.from({ length: JSON_LIMITS.maxWidth + 1 }, () => '1').join(',')}]`;
    const res = await pauseWithNote(wide);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      code: 'PGRST102',
      message: 'The JSON body has too many members',
      details: `an object or array has ${JSON_LIMITS.maxWidth + 1} members; the limit is ${JSON_LIMITS.maxWidth}`,
    });
  });

  it('lets an argument at the limits through to the database, which decides on its value', async () => {
    // maxDepth - 1 arrays inside the body object: exactly the deepest allowed.
    const depth = JSON_LIMITS.maxDepth - 1;
    const res = await pauseWithNote(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    // Whatever the database answers (the note as text, or PM409 when Anna is already paused),
    // it is the database's answer, not the shape check's.
    expect(res.status, res.text).not.toBe(500);
    expect(res.json?.code).not.toBe('PGRST102');
    expect(t.pool.totalCount).toBeGreaterThan(0);
  });
});
