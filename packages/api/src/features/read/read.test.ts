import { rpcNames } from '@peer-mentor/contracts';
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
import type { Json } from '../../../test/support/requests.js';
import { READ_GRAMMAR } from './read-request.js';
import { PREPARED_PER_CONNECTION } from './run.js';

// The read grammar in-process, on what the demo schema lacks (JSON, arrays, ranges, booleans,
// functions returning a scalar or void), the smaller PostgREST behaviours, and the proof that
// nothing the grammar reads is silently ignored.

const database = useTestDatabase();
let t: TestApp;
let headers: Record<string, string>;

beforeAll(async () => {
  await loadWorld(database.url);
  const owner = new pg.Client({ connectionString: database.url });
  await owner.connect();
  await owner.query(`
    create table public.conformance_documents (
      id int primary key, data jsonb, tags text[], during int4range, active boolean, label text);
    grant select on public.conformance_documents to authenticated;
    insert into public.conformance_documents values
      (1, '{"name": "one", "rank": 2, "tags": ["a", "b"], "nested": {"k": "x"}}', '{a,b}', '[1,5)', true, 'first'),
      (2, '{"name": "two", "rank": 1, "tags": ["c"], "nested": {"k": "y"}}', '{c}', '[5,9)', false, null),
      (3, null, '{}', '[20,30)', null, 'third');
    create function public.conformance_touch() returns void language sql as 'select';
    create function public.conformance_answer() returns integer language sql stable as 'select 42';
    grant execute on function public.conformance_touch(), public.conformance_answer() to authenticated;`);
  await owner.end();
  t = createTestApp(database.url, {
    servedFunctions: [...rpcNames, 'conformance_touch', 'conformance_answer'],
  });
  headers = {
    apikey: await tokens.anonKey(),
    authorization: `Bearer ${await tokens.user(people.admin)}`,
  };
});
afterAll(async () => {
  await t?.close();
});

async function get(path: string, extra: Record<string, string> = {}, init: RequestInit = {}) {
  const response = await t.app.request(`/rest/v1${path}`, {
    ...init,
    headers: { ...headers, ...extra },
  });
  const text = await response.text();
  let json: Json;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

const documents = (query: string, extra: Record<string, string> = {}) =>
  get(`/conformance_documents?${query}`, extra);
const idsOf = (json: { id: number }[]) => json.map((row) => row.id);

describe('JSON paths, arrays, ranges and booleans', () => {
  it('selects JSON paths (->, ->>, array index), named by their last key, and casts them', async () => {
    const res = await documents(
      'select=id,data->>name,first_tag:data->tags->>0,data->nested->k,rank:data->rank::int,r:data->>rank::double precision&id=lt.3&order=id',
    );
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual([
      { id: 1, name: 'one', first_tag: 'a', k: 'x', rank: 2, r: 2 },
      { id: 2, name: 'two', first_tag: 'c', k: 'y', rank: 1, r: 1 },
    ]);
  });

  it('filters and orders on JSON paths', async () => {
    expect(idsOf((await documents('select=id&data->>name=eq.two')).json)).toEqual([2]);
    expect(idsOf((await documents('select=id&data->tags->>0=eq.a')).json)).toEqual([1]);
    expect(idsOf((await documents('select=id&data->rank=gt.1')).json)).toEqual([1]);
    expect(
      idsOf((await documents('select=id&data=not.is.null&order=data->rank.asc')).json),
    ).toEqual([2, 1]);
  });

  it('serves the array and range operators (cs, cd, ov, sl, sr, nxr, nxl, adj)', async () => {
    const cases: [string, number[]][] = [
      ['tags=cs.{a}', [1]],
      ['tags=cd.{a,b,c}', [1, 2, 3]],
      ['tags=ov.{b,c}', [1, 2]],
      ['during=sl.[10,11)', [1, 2]],
      ['during=sr.[10,11)', [3]],
      ['during=nxr.[1,6)', [1]],
      ['during=nxl.[5,6)', [2, 3]],
      ['during=adj.[9,20)', [2, 3]],
    ];
    for (const [filter, expected] of cases) {
      const res = await documents(`select=id&order=id&${filter}`);
      expect([res.status, idsOf(res.json ?? [])], filter).toEqual([200, expected]);
    }
  });

  it('serves is.true, is.false and is.unknown, and isdistinct on booleans', async () => {
    expect(idsOf((await documents('select=id&active=is.true')).json)).toEqual([1]);
    expect(idsOf((await documents('select=id&active=is.false')).json)).toEqual([2]);
    expect(idsOf((await documents('select=id&active=is.unknown')).json)).toEqual([3]);
    expect(idsOf((await documents('select=id&active=isdistinct.true&order=id')).json)).toEqual([
      2, 3,
    ]);
  });

  it('strips nulls for Accept: …;nulls=stripped, in SQL', async () => {
    const res = await documents('select=id,label&order=id', {
      accept: 'application/vnd.pgrst.array+json;nulls=stripped',
    });
    expect(res.text).toBe('[{"id":1,"label":"first"},{"id":2},{"id":3,"label":"third"}]');
    const one = await documents('select=id,label&id=eq.2', {
      accept: 'application/vnd.pgrst.object+json;nulls=stripped',
    });
    expect(one.text).toBe('{"id":2}');
    expect(one.headers.get('content-type')).toBe(
      'application/vnd.pgrst.object+json; charset=utf-8',
    );
  });

  it('refuses a cast to a type the schema cache does not know (42704), and nulls=stripped on plain JSON (406)', async () => {
    const cast = await documents('select=id::nosuchtype');
    expect([cast.status, cast.json.code]).toEqual([400, '42704']);
    const hostile = await documents(`select=${encodeURIComponent('id::int4);drop table x;--')}`);
    expect([hostile.status, hostile.json.code]).toEqual([400, 'PGRST100']);
    const media = await documents('select=id', { accept: 'application/json;nulls=stripped' });
    expect([media.status, media.json.code]).toEqual([406, 'PGRST107']);
  });
});

describe('functions returning a value or nothing; request bodies', () => {
  it('answers 204 without a body for a function returning void', async () => {
    const res = await get(
      '/rpc/conformance_touch',
      { 'content-type': 'application/json' },
      {
        method: 'POST',
        body: '{}',
      },
    );
    expect([res.status, res.text]).toEqual([204, '']);
  });

  it('returns a scalar as its JSON value, and refuses shaping it', async () => {
    const res = await get('/rpc/conformance_answer');
    expect([res.status, res.text]).toEqual([200, '42']);
    const shaped = await get('/rpc/conformance_answer?select=x');
    expect([shaped.status, shaped.json.code]).toEqual([400, 'PGRST100']);
  });

  it('takes arguments as application/x-www-form-urlencoded', async () => {
    const res = await get(
      '/rpc/get_active_pauses_for_chapter?select=display_name&order=display_name',
      { 'content-type': 'application/x-www-form-urlencoded' },
      {
        method: 'POST',
        body: new URLSearchParams({
          p_organization_id: ids.hlf,
          p_chapter_id: ids.bergen,
        }).toString(),
      },
    );
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual([{ display_name: 'Jonas Dahl' }, { display_name: 'Sofie Lie' }]);
  });
});

describe('the smaller PostgREST behaviours', () => {
  it('answers GET /rest/v1/ with the OpenAPI document', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.json.openapi).toBe('3.0.3');
    expect(Object.keys(res.json.paths)).toContain('/rest/v1/rpc/get_active_pauses_for_chapter');
  });

  it('gives error responses a charset, and a table read its Content-Location', async () => {
    const error = await get('/peer_mentors?nickname=eq.x');
    expect(error.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const ok = await get('/peer_mentors?select=display_name&order=display_name&limit=1');
    expect(ok.headers.get('content-location')).toBe(
      '/peer_mentors?limit=1&order=display_name&select=display_name',
    );
  });

  it('allows any header a browser preflight asks for, exposes the range headers and caches the preflight', async () => {
    const res = await t.app.request('/rest/v1/peer_mentors', {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'GET',
        'access-control-request-headers':
          'apikey, authorization, traceparent, tracestate, baggage, x-app-version',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')?.split(',')).toEqual(
      expect.arrayContaining(['traceparent', 'tracestate', 'baggage', 'x-app-version']),
    );
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    const read = await get('/peer_mentors?select=display_name', {
      origin: 'http://localhost:5173',
    });
    expect(read.headers.get('access-control-expose-headers')?.split(',')).toEqual(
      expect.arrayContaining([
        'Content-Range',
        'Content-Location',
        'Preference-Applied',
        'X-Request-Id',
      ]),
    );
  });
});

describe('configured CORS origins', () => {
  it('answers an allowed origin with itself and another origin with no grant', async () => {
    const restricted = createTestApp(database.url, {
      config: { corsOrigins: ['http://admin.example'] },
    });
    try {
      const preflight = (origin: string) =>
        restricted.app.request('/rest/v1/peer_mentors', {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'apikey, traceparent',
          },
        });
      const allowed = await preflight('http://admin.example');
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://admin.example');
      expect(allowed.headers.get('access-control-allow-headers')).toBe('apikey,traceparent');
      const other = await preflight('http://elsewhere.example');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await restricted.close();
    }
  });
});

describe('prepared statements', () => {
  it('keeps a bounded number prepared per connection and answers right after evicting one', async () => {
    const single = createTestApp(database.url, { pool: { max: 1 } });
    const read = async (offset: number) => {
      const response = await single.app.request(
        `/rest/v1/conformance_documents?select=id,label&label=neq.none&order=id&offset=${offset}`,
        { headers },
      );
      return (await response.json()) as { id: number }[];
    };
    try {
      // Each offset is a statement text of its own; more of them than one connection keeps.
      const forms = PREPARED_PER_CONNECTION + 6;
      for (let offset = 0; offset < forms; offset += 1) {
        expect(idsOf(await read(offset)), `offset ${offset}`).toEqual([1, 3].slice(offset));
      }
      // The first ones were evicted (deallocated) and come back prepared anew.
      expect(idsOf(await read(0))).toEqual([1, 3]);
      expect(idsOf(await read(1))).toEqual([3]);
      // pool max 1: the same connection the reads used.
      const { rows } = await single.pool.query(
        "select count(*)::int as n from pg_catalog.pg_prepared_statements where name like 'pm_stmt_%'",
      );
      expect(rows[0].n).toBe(PREPARED_PER_CONNECTION);
    } finally {
      await single.close();
    }
  });

  it('answers a filter PostgreSQL refuses while preparing with its error, and keeps serving', async () => {
    const single = createTestApp(database.url, { pool: { max: 1 } });
    try {
      const refused = await single.app.request(
        '/rest/v1/conformance_documents?select=id&label=cs.{a}',
        { headers },
      );
      expect(refused.status).toBe(404);
      expect(await refused.json()).toMatchObject({ code: '42883' });
      const fine = await single.app.request('/rest/v1/conformance_documents?select=id&order=id', {
        headers,
      });
      expect(idsOf((await fine.json()) as { id: number }[])).toEqual([1, 2, 3]);
    } finally {
      await single.close();
    }
  });
});

describe('nothing the grammar reads is silently ignored', () => {
  interface Answer {
    status: number;
    text: string;
    headers: Headers;
  }
  /** A request with the item, and the same request without it. */
  interface Probe {
    with: () => Promise<Answer>;
    without?: () => Promise<Answer>;
  }
  const base = '/peer_mentors?select=display_name,organization_id&order=display_name';
  const rpcPost = (query: string, extra: Record<string, string> = {}) =>
    get(
      `/rpc/get_active_pauses_for_chapter${query}`,
      { 'content-type': 'application/json', ...extra },
      {
        method: 'POST',
        body: JSON.stringify({ p_organization_id: ids.hlf, p_chapter_id: ids.bergen }),
      },
    );
  const table = (query: string, extra: Record<string, string> = {}) =>
    get(`/peer_mentors?${query}`, extra);
  const fromBase = (suffix: string, extra: Record<string, string> = {}) =>
    get(`${base}${suffix}`, extra);

  const probes: Record<string, Probe> = {
    select: { with: () => table('select=display_name'), without: () => table('') },
    order: { with: () => table('order=display_name.desc'), without: () => table('') },
    limit: { with: () => fromBase('&limit=2'), without: () => fromBase('') },
    offset: { with: () => fromBase('&offset=2'), without: () => fromBase('') },
    and: {
      with: () => fromBase('&and=(display_name.like.*a*,display_name.like.*s*)'),
      without: () => fromBase(''),
    },
    or: {
      with: () => fromBase('&or=(display_name.eq.Anna Berg,display_name.eq.Sofie Lie)'),
      without: () => fromBase(''),
    },
    'not.and': {
      with: () => fromBase('&not.and=(display_name.like.*a*,display_name.like.*s*)'),
      without: () => fromBase(''),
    },
    'not.or': {
      with: () => fromBase('&not.or=(display_name.eq.Anna Berg)'),
      without: () => fromBase(''),
    },
    '<column>': { with: () => fromBase('&display_name=eq.Anna Berg'), without: () => fromBase('') },
    columns: { with: () => fromBase('&columns=display_name') },
    on_conflict: { with: () => fromBase('&on_conflict=id') },
    '<resource>.<column>': { with: () => fromBase('&chapters.name=eq.Oslo') },
    '<resource>.order': { with: () => fromBase('&chapters.order=name') },
    accept: {
      with: () => fromBase('&limit=1', { accept: 'application/vnd.pgrst.object+json' }),
      without: () => fromBase('&limit=1'),
    },
    'accept-profile': { with: () => fromBase('', { 'accept-profile': 'private' }) },
    'content-profile': { with: () => rpcPost('', { 'content-profile': 'private' }) },
    prefer: { with: () => fromBase('', { prefer: 'count=exact' }), without: () => fromBase('') },
    range: { with: () => fromBase('', { range: '0-1' }), without: () => fromBase('') },
    'range-unit': { with: () => fromBase('', { range: '0-1', 'range-unit': 'bytes' }) },
    'count=exact': {
      with: () => fromBase('', { prefer: 'count=exact' }),
      without: () => fromBase(''),
    },
    'count=planned': {
      with: () => fromBase('', { prefer: 'count=planned' }),
      without: () => fromBase(''),
    },
    'count=estimated': {
      with: () => fromBase('', { prefer: 'count=estimated' }),
      without: () => fromBase(''),
    },
    'handling=strict': { with: () => fromBase('', { prefer: 'handling=strict, tx=rollback' }) },
    'handling=lenient': {
      with: () => fromBase('', { prefer: 'handling=lenient' }),
      without: () => fromBase(''),
    },
    'timezone=<zone>': {
      with: () =>
        get(`/peer_mentor_status?select=paused_at&peer_mentor_id=eq.${ids.sofie}`, {
          prefer: 'timezone=Asia/Kolkata',
        }),
      without: () => get(`/peer_mentor_status?select=paused_at&peer_mentor_id=eq.${ids.sofie}`),
    },
  };

  const everyEntry = [
    ...READ_GRAMMAR.queryParameters,
    ...READ_GRAMMAR.refusedQueryParameters,
    ...READ_GRAMMAR.headers,
    ...READ_GRAMMAR.preferences,
  ];

  it('has a probe for every parameter, header and preference the grammar lists', () => {
    expect(Object.keys(probes).sort()).toEqual([...everyEntry].sort());
  });

  const visible = (answer: Answer) =>
    JSON.stringify([
      answer.status,
      answer.text,
      answer.headers.get('content-range'),
      answer.headers.get('preference-applied'),
      answer.headers.get('content-type'),
    ]);

  for (const entry of everyEntry) {
    it(`${entry} changes the answer or is refused`, async () => {
      const probe = probes[entry] as Probe;
      const answer = await probe.with();
      if (!probe.without) {
        expect(answer.status, answer.text).toBeGreaterThanOrEqual(400);
        expect(answer.status, answer.text).toBeLessThan(500);
        return;
      }
      expect(answer.status, answer.text).toBeLessThan(400);
      expect(visible(answer)).not.toBe(visible(await probe.without()));
    });
  }

  it('on RPC: filters, order and range on POST change the result; unknown GET parameters are refused', async () => {
    const all = await rpcPost('');
    const filtered = await rpcPost('?reason_code=eq.health');
    expect(all.json).toHaveLength(2);
    expect(filtered.json).toHaveLength(1);
    const unknown = await get(
      `/rpc/get_active_pauses_for_chapter?p_organization_id=${ids.hlf}&p_chapter_id=${ids.bergen}&reason_code=health`,
    );
    expect([unknown.status, unknown.json.code]).toEqual([404, 'PGRST202']);
  });
});
