import { PeerMentorStatusRow, rpcFunctions, rpcNames } from '@peer-mentor/contracts';
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
} from '../../../test/support/harness.js';
import { callRpc } from '../../../test/support/requests.js';
import { EXPOSED_SCHEMA, loadSchemaCache } from '../../schema-cache.js';

// The RPC endpoint in-process: function lookup, argument sets, methods and access modes,
// result shapes and the error bodies, as PostgREST gives them.

const database = useTestDatabase();
let t: TestApp;
let anonKey: string;
let kari: string;

beforeAll(async () => {
  await loadWorld(database.url);
  const owner = new pg.Client({ connectionString: database.url });
  await owner.connect();
  // A public function the database exposes to users but the contracts do not allow-list.
  await owner.query(`create function public.not_in_allow_list() returns integer language sql as 'select 1';
                     grant execute on function public.not_in_allow_list() to authenticated`);
  await owner.end();
  t = createTestApp(database.url);
  anonKey = await tokens.anonKey();
  kari = await tokens.user(people.kari);
});
afterAll(() => t.close());

const asKari = (options: Parameters<typeof callRpc>[3] = {}) => ({
  apikey: anonKey,
  token: kari,
  ...options,
});
const listOslo = { p_organization_id: ids.hlf, p_chapter_id: ids.oslo };

async function statusOf(mentorId: string) {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query(
      'select status, version from public.peer_mentor_status where peer_mentor_id = $1',
      [mentorId],
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

describe('function lookup', () => {
  it('answers 404 PGRST202 for a function that does not exist', async () => {
    const res = await callRpc(t, 'no_such_function', {}, asKari());
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      code: 'PGRST202',
      message:
        'Could not find the function public.no_such_function without parameters in the schema cache',
      details:
        'Searched for the function public.no_such_function without parameters or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
      hint: null,
    });
  });

  it('answers 404 PGRST202 for a database function the contracts do not allow-list', async () => {
    const res = await callRpc(t, 'not_in_allow_list', {}, asKari());
    expect(res.status).toBe(404);
    expect(res.json.code).toBe('PGRST202');
  });

  it('answers 404 PGRST202 when the argument names fit no signature, with a hint', async () => {
    const missing = await callRpc(t, 'activate_pause', { p_peer_mentor_id: ids.anna }, asKari());
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      code: 'PGRST202',
      message:
        'Could not find the function public.activate_pause(p_peer_mentor_id) in the schema cache',
      details:
        'Searched for the function public.activate_pause with parameter p_peer_mentor_id or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
      hint: 'Perhaps you meant to call the function public.activate_pause(p_expected_end, p_note, p_organization_id, p_peer_mentor_id, p_reason_code)',
    });
    const extra = await callRpc(
      t,
      'get_active_pauses_for_chapter',
      { ...listOslo, p_extra: 1 },
      asKari(),
    );
    expect([extra.status, extra.json.code]).toEqual([404, 'PGRST202']);
    expect(extra.json.message).toBe(
      'Could not find the function public.get_active_pauses_for_chapter(p_chapter_id, p_extra, p_organization_id) in the schema cache',
    );
  });

  it('agrees with the contracts on how each allow-listed function returns and whether it writes', async () => {
    const client = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      const cache = await loadSchemaCache(client, EXPOSED_SCHEMA, rpcNames);
      for (const name of rpcNames) {
        const [routine, ...others] = cache.routines.get(name) ?? [];
        expect(others, name).toEqual([]);
        expect({ returns: routine?.returns, volatility: routine?.volatility }, name).toEqual({
          returns: rpcFunctions[name].returns,
          volatility: rpcFunctions[name].volatility,
        });
        expect(routine?.params.map((param) => param.name).sort(), name).toEqual(
          Object.keys(rpcFunctions[name].args.shape).sort(),
        );
      }
    } finally {
      await client.end();
    }
  });
});

describe('arguments and results', () => {
  it('returns a composite as one object, exactly as PostgreSQL renders it', async () => {
    const res = await callRpc(
      t,
      'activate_pause',
      {
        p_peer_mentor_id: ids.anna,
        p_organization_id: ids.hlf,
        p_reason_code: 'vacation',
        p_note: 'Away',
      },
      asKari(),
    );
    expect(res.status, res.text).toBe(200);
    const row = PeerMentorStatusRow.parse(res.json);
    expect(row).toMatchObject({
      status: 'paused',
      reason_code: 'vacation',
      note: 'Away',
      paused_by: people.kari,
    });
    expect(res.text).toMatch(/"paused_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00"/);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-range')).toBeNull();
    const undo = await callRpc(
      t,
      'deactivate_pause',
      { p_peer_mentor_id: ids.anna, p_organization_id: ids.hlf },
      asKari(),
    );
    expect(undo.json.status).toBe('active');
  });

  it('returns setof as an array with a Content-Range, and counts when asked', async () => {
    const res = await callRpc(t, 'get_active_pauses_for_chapter', listOslo, asKari());
    expect(res.status).toBe(200);
    expect(Array.isArray(res.json)).toBe(true);
    expect(res.headers.get('content-range')).toBe('0-0/*');
    const counted = await callRpc(
      t,
      'get_active_pauses_for_chapter',
      listOslo,
      asKari({ headers: { prefer: 'count=exact' } }),
    );
    expect(counted.headers.get('content-range')).toBe('0-0/1');
    const trondheim = await callRpc(
      t,
      'get_active_pauses_for_chapter',
      { ...listOslo, p_chapter_id: ids.trondheim },
      asKari({ headers: { prefer: 'count=exact' } }),
    );
    expect(trondheim.json.map((row: { display_name: string }) => row.display_name)).toEqual([
      'Magnus Holm',
    ]);
    const bergen = await callRpc(
      t,
      'get_active_pauses_for_chapter',
      { p_organization_id: ids.hlf, p_chapter_id: ids.bergen },
      asKari({ headers: { prefer: 'count=exact' } }),
    );
    expect(bergen.headers.get('content-range')).toBe('0-1/2');
  });

  it('gives one object for Accept: application/vnd.pgrst.object+json, or 406 PGRST116', async () => {
    const one = await callRpc(
      t,
      'get_active_pauses_for_chapter',
      listOslo,
      asKari({ headers: { accept: 'application/vnd.pgrst.object+json' } }),
    );
    expect(one.status).toBe(200);
    expect(one.json.display_name).toBe('Jonas Dahl');
    const two = await callRpc(
      t,
      'get_active_pauses_for_chapter',
      { p_organization_id: ids.hlf, p_chapter_id: ids.bergen },
      asKari({ headers: { accept: 'application/vnd.pgrst.object+json' } }),
    );
    expect(two.status).toBe(406);
    expect(two.json).toEqual({
      code: 'PGRST116',
      message: 'JSON object requested, multiple (or no) rows returned',
      details: 'The result contains 2 rows',
      hint: null,
    });
    const csv = await callRpc(
      t,
      'get_active_pauses_for_chapter',
      listOslo,
      asKari({ headers: { accept: 'text/csv' } }),
    );
    expect([csv.status, csv.json.code]).toEqual([406, 'PGRST107']);
  });

  it('leaves argument values to the database: a bad reason code is PM422, a bad uuid 22P02', async () => {
    const reason = await callRpc(
      t,
      'activate_pause',
      { p_peer_mentor_id: ids.anna, p_organization_id: ids.hlf, p_reason_code: 'sabbatical' },
      asKari(),
    );
    expect(reason.status).toBe(400);
    expect(reason.json.code).toBe('PM422');
    expect(reason.json.details).toMatch(/p_reason_code must be one of/);
    const uuid = await callRpc(
      t,
      'activate_pause',
      { p_peer_mentor_id: 'anna', p_organization_id: ids.hlf, p_reason_code: 'health' },
      asKari(),
    );
    expect(uuid.status).toBe(400);
    expect(uuid.json).toMatchObject({
      code: '22P02',
      message: 'invalid input syntax for type uuid: "anna"',
    });
    expect(await statusOf(ids.anna)).toEqual({ status: 'active', version: 2 });
  });

  it('hands hostile argument text to the database exactly: quotes, backslashes, unicode, SQL', async () => {
    // A call travels as one message with its arguments inlined as literals: none of these may
    // end its literal early, lose a character, or run as SQL.
    const notes = [
      "O'Brien'); commit; drop table public.peer_mentor_status; --",
      "\\'); rollback; select pg_sleep(5); --",
      'C:\\temp\\new \\x41 \\u0041 \\\\',
      `$$ $tag$ "double" E'x' /* c */ -- l`,
      'Ærlig talt — 你好 🙂 \u202e\n\ttab',
      "'".repeat(100) + '\\'.repeat(99),
    ];
    for (const note of notes) {
      const res = await callRpc(
        t,
        'activate_pause',
        {
          p_peer_mentor_id: ids.anna,
          p_organization_id: ids.hlf,
          p_reason_code: 'health',
          p_note: note,
        },
        asKari(),
      );
      expect(res.status, res.text).toBe(200);
      expect(res.json.note).toBe(note);
      const undo = await callRpc(
        t,
        'deactivate_pause',
        { p_peer_mentor_id: ids.anna, p_organization_id: ids.hlf },
        asKari(),
      );
      expect(undo.status, undo.text).toBe(200);
    }
    expect((await statusOf(ids.anna))?.status).toBe('active');
  });

  it('refuses a NUL in an argument (no PostgreSQL text holds one) and changes nothing', async () => {
    const before = await statusOf(ids.anna);
    const res = await callRpc(
      t,
      'activate_pause',
      {
        p_peer_mentor_id: ids.anna,
        p_organization_id: ids.hlf,
        p_reason_code: 'health',
        p_note: 'before\u0000after',
      },
      asKari(),
    );
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('22P05');
    expect(await statusOf(ids.anna)).toEqual(before);
  });

  it('ends a failed call’s transaction: the next call on the same connection succeeds', async () => {
    const single = createTestApp(database.url, { pool: { max: 1 } });
    try {
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const failed = await callRpc(
          single,
          'activate_pause',
          { p_peer_mentor_id: ids.anna, p_organization_id: ids.hlf, p_reason_code: 'sabbatical' },
          asKari(),
        );
        expect(failed.json.code).toBe('PM422');
        const listed = await callRpc(single, 'get_active_pauses_for_chapter', listOslo, asKari());
        expect(listed.status, listed.text).toBe(200);
        const paused = await callRpc(
          single,
          'activate_pause',
          { p_peer_mentor_id: ids.anna, p_organization_id: ids.hlf, p_reason_code: 'health' },
          asKari(),
        );
        expect(paused.status, paused.text).toBe(200);
        const resumed = await callRpc(
          single,
          'deactivate_pause',
          { p_peer_mentor_id: ids.anna, p_organization_id: ids.hlf },
          asKari(),
        );
        expect(resumed.json.status).toBe('active');
      }
    } finally {
      await single.close();
    }
  });

  it('answers 400 PGRST102 for a body that is not a JSON object', async () => {
    for (const body of ['{"p_chapter_id":', '[1,2]', '"text"']) {
      const res = await callRpc(t, 'get_active_pauses_for_chapter', undefined, asKari({ body }));
      expect([res.status, res.json.code], body).toEqual([400, 'PGRST102']);
    }
  });

  it('refers to the exposed schema only (Content-Profile / Accept-Profile)', async () => {
    const ok = await callRpc(
      t,
      'get_active_pauses_for_chapter',
      listOslo,
      asKari({ headers: { 'content-profile': 'public' } }),
    );
    expect(ok.status).toBe(200);
    const other = await callRpc(
      t,
      'get_active_pauses_for_chapter',
      listOslo,
      asKari({ headers: { 'content-profile': 'private' } }),
    );
    expect(other.status).toBe(406);
    expect(other.json).toEqual({
      code: 'PGRST106',
      message: 'Invalid schema: private',
      details: null,
      hint: 'Only the following schemas are exposed: public',
    });
  });
});

describe('methods and access modes', () => {
  it('serves GET and HEAD for the stable function, arguments in the query string', async () => {
    const get = await callRpc(
      t,
      'get_active_pauses_for_chapter',
      listOslo,
      asKari({ method: 'GET' }),
    );
    expect(get.status).toBe(200);
    expect(get.json.map((row: { display_name: string }) => row.display_name)).toEqual([
      'Jonas Dahl',
    ]);
    const head = await callRpc(
      t,
      'get_active_pauses_for_chapter',
      listOslo,
      asKari({ method: 'HEAD' }),
    );
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers.get('content-range')).toBe('0-0/*');
  });

  it('runs GET read-only: a write function called with GET fails with 405 25006 and changes nothing', async () => {
    const before = await statusOf(ids.emma);
    const res = await callRpc(
      t,
      'activate_pause',
      { p_peer_mentor_id: ids.emma, p_organization_id: ids.hlf, p_reason_code: 'health' },
      asKari({ method: 'GET' }),
    );
    expect(res.status).toBe(405);
    expect(res.json.code).toBe('25006');
    expect(await statusOf(ids.emma)).toEqual(before);
  });

  it('answers 405 PGRST101 for other methods', async () => {
    const res = await callRpc(
      t,
      'get_active_pauses_for_chapter',
      listOslo,
      asKari({ method: 'PUT' }),
    );
    expect(res.status).toBe(405);
    expect(res.json).toMatchObject({
      code: 'PGRST101',
      message: 'Cannot use the PUT method on RPC',
    });
  });
});
