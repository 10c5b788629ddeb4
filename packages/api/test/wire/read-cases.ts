import type { SupabaseClient } from '@supabase/supabase-js';
import { ids } from '../support/harness.js';

// PostgREST's read grammar, case by case: each a supabase-js chain (or, where supabase-js
// cannot say it, a raw HTTP request) with the answer PostgREST documents. The demo world
// (see @peer-mentor/db demo data) is the fixture: in HLF, Jonas (coordinator_decision,
// expected end in 30 days), Sofie (health, 14 days) and Magnus (certification_expired, no
// expected end) are paused; Anna, Emma and Lars are active. Nothing here reads pause notes.

/** What a case gets back, the same for supabase-js and raw HTTP. */
export interface ReadAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by assertions, not types
  data: any;
  error: { code: string; message: string; details?: string | null } | null;
  count: number | null;
  headers: Headers | undefined;
}

export type Who = 'admin' | 'kari' | 'anna' | 'siri' | 'anon';

export interface ReadCase {
  name: string;
  as: Who;
  /** A supabase-js chain … */
  query?: (db: SupabaseClient) => PromiseLike<unknown>;
  /** … or a raw request: path under /rest/v1, query string included. */
  raw?: { path: string; method?: string; headers?: Record<string, string>; body?: string };
  /** The answer: status, and data or error code (and count, headers) as PostgREST gives them. */
  status: number;
  data?: unknown;
  code?: string;
  count?: number | null;
  headers?: Record<string, string>;
  /** Anything else the answer must satisfy. */
  check?: (answer: ReadAnswer) => void;
  /**
   * Not run against a real project: a deliberate difference (README), or stricter than
   * PostgREST v12 where it would ignore trailing text, parse without bound, or (is.not_null)
   * where only PostgREST 13 has the operator.
   */
  localOnly?: true;
}

const names = [
  'Anna Berg',
  'Emma Strand',
  'Jonas Dahl',
  'Lars Vik (no login yet)',
  'Magnus Holm',
  'Sofie Lie',
];
const named = (...list: string[]) => list.map((display_name) => ({ display_name }));
const mentors = (...list: string[]) =>
  list.map((key) => ({ peer_mentor_id: ids[key as keyof typeof ids] }));
const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const listBergen = { p_organization_id: ids.hlf, p_chapter_id: ids.bergen };
const bergenQuery = `p_organization_id=${ids.hlf}&p_chapter_id=${ids.bergen}`;

const status = (db: SupabaseClient) => db.from('peer_mentor_status').select('peer_mentor_id');
const people = (db: SupabaseClient) => db.from('peer_mentors').select('display_name');

export const readCases: ReadCase[] = [
  // select
  {
    name: 'select a column list, ordered',
    as: 'admin',
    query: (db) => people(db).order('display_name'),
    status: 200,
    data: named(...names),
  },
  {
    name: 'select with an alias',
    as: 'admin',
    query: (db) =>
      db.from('peer_mentors').select('name:display_name').eq('display_name', 'Anna Berg'),
    status: 200,
    data: [{ name: 'Anna Berg' }],
  },
  {
    name: 'select with a cast (version::text is a string)',
    as: 'admin',
    query: (db) =>
      db.from('peer_mentor_status').select('status, version::text').eq('peer_mentor_id', ids.sofie),
    status: 200,
    check: ({ data }) => {
      if (data[0].status !== 'paused' || typeof data[0].version !== 'string')
        throw new Error(JSON.stringify(data));
    },
  },
  {
    name: 'select * gives every column',
    as: 'admin',
    query: (db) => db.from('chapters').select('*').eq('id', ids.oslo),
    status: 200,
    check: ({ data }) => {
      if (data[0].name !== 'Oslo' || data[0].organization_id !== ids.hlf)
        throw new Error(JSON.stringify(data));
    },
  },
  {
    name: 'embedding is refused, never ignored (PGRST200)',
    as: 'admin',
    query: (db) => db.from('peer_mentors').select('display_name, chapters(name)'),
    status: 400,
    code: 'PGRST200',
    localOnly: true,
  },
  {
    name: 'aggregates are refused (PGRST123)',
    as: 'admin',
    raw: { path: '/peer_mentors?select=count()' },
    status: 400,
    code: 'PGRST123',
  },
  {
    name: 'an unknown column in select is 42703',
    as: 'admin',
    query: (db) => db.from('peer_mentors').select('display_name, nickname'),
    status: 400,
    code: '42703',
  },

  // every operator
  {
    name: 'eq',
    as: 'admin',
    query: (db) => status(db).eq('reason_code', 'health'),
    status: 200,
    data: mentors('sofie'),
  },
  {
    name: 'neq',
    as: 'admin',
    query: (db) => status(db).neq('status', 'active').order('peer_mentor_id'),
    status: 200,
    check: ({ data }) => expectIds(data, ['jonas', 'sofie', 'magnus']),
  },
  {
    name: 'gt (date)',
    as: 'admin',
    query: (db) => status(db).gt('expected_end', day(20)),
    status: 200,
    data: mentors('jonas'),
  },
  {
    name: 'gte (date)',
    as: 'admin',
    query: (db) => status(db).gte('expected_end', day(20)),
    status: 200,
    data: mentors('jonas'),
  },
  {
    name: 'lt (date)',
    as: 'admin',
    query: (db) => status(db).lt('expected_end', day(20)),
    status: 200,
    data: mentors('sofie'),
  },
  {
    name: 'lte (date)',
    as: 'admin',
    query: (db) => status(db).lte('expected_end', day(20)),
    status: 200,
    data: mentors('sofie'),
  },
  {
    name: 'like with %',
    as: 'admin',
    query: (db) => people(db).like('display_name', '%Dahl'),
    status: 200,
    data: named('Jonas Dahl'),
  },
  {
    name: 'like with PostgREST’s *',
    as: 'admin',
    raw: { path: '/peer_mentors?select=display_name&display_name=like.*Lie' },
    status: 200,
    data: named('Sofie Lie'),
  },
  {
    name: 'ilike',
    as: 'admin',
    query: (db) => people(db).ilike('display_name', '%BERG%'),
    status: 200,
    data: named('Anna Berg'),
  },
  {
    name: 'match (regular expression)',
    as: 'admin',
    query: (db) => people(db).filter('display_name', 'match', '^S'),
    status: 200,
    data: named('Sofie Lie'),
  },
  {
    name: 'imatch (case-insensitive)',
    as: 'admin',
    query: (db) => people(db).filter('display_name', 'imatch', '^s'),
    status: 200,
    data: named('Sofie Lie'),
  },
  {
    name: 'in',
    as: 'admin',
    query: (db) => status(db).in('reason_code', ['health', 'vacation']),
    status: 200,
    data: mentors('sofie'),
  },
  {
    name: 'in with quoted values holding , and ()',
    as: 'admin',
    query: (db) =>
      people(db).in('display_name', ['Lars Vik (no login yet)', 'Anna Berg']).order('display_name'),
    status: 200,
    data: named('Anna Berg', 'Lars Vik (no login yet)'),
  },
  {
    name: 'in.() is the empty list: nothing matches',
    as: 'admin',
    raw: { path: '/peer_mentor_status?select=peer_mentor_id&reason_code=in.()' },
    status: 200,
    data: [],
  },
  {
    name: 'not.in.() matches every row',
    as: 'admin',
    raw: { path: '/peer_mentors?select=display_name&display_name=not.in.()&order=display_name' },
    status: 200,
    data: named(...names),
  },
  {
    name: 'is null',
    as: 'admin',
    query: (db) => status(db).is('reason_code', null),
    status: 200,
    check: ({ data }) => expectIds(data, ['anna', 'emma', 'lars']),
  },
  {
    name: 'is.not_null',
    as: 'admin',
    raw: { path: '/peer_mentor_status?select=peer_mentor_id&reason_code=is.not_null' },
    status: 200,
    check: ({ data }) => expectIds(data, ['jonas', 'sofie', 'magnus']),
    localOnly: true,
  },
  {
    name: 'is.true on a non-boolean is PostgreSQL’s 42804',
    as: 'admin',
    raw: { path: '/peer_mentor_status?status=is.true' },
    status: 400,
    code: '42804',
  },
  {
    name: 'isdistinct keeps nulls',
    as: 'admin',
    query: (db) => status(db).filter('reason_code', 'isdistinct', 'health'),
    status: 200,
    check: ({ data }) => expectIds(data, ['anna', 'emma', 'lars', 'jonas', 'magnus']),
  },
  {
    name: 'not. negation',
    as: 'admin',
    query: (db) => status(db).not('status', 'eq', 'paused'),
    status: 200,
    check: ({ data }) => expectIds(data, ['anna', 'emma', 'lars']),
  },
  {
    name: 'not.is.null',
    as: 'admin',
    query: (db) => status(db).not('expected_end', 'is', null),
    status: 200,
    check: ({ data }) => expectIds(data, ['jonas', 'sofie']),
  },
  {
    name: 'eq(any)',
    as: 'admin',
    query: (db) => status(db).filter('reason_code', 'eq(any)', '{health,certification_expired}'),
    status: 200,
    check: ({ data }) => expectIds(data, ['sofie', 'magnus']),
  },
  {
    name: 'like(any) (likeAnyOf)',
    as: 'admin',
    query: (db) => people(db).likeAnyOf('display_name', ['Anna%', 'Sofie%']).order('display_name'),
    status: 200,
    data: named('Anna Berg', 'Sofie Lie'),
  },
  {
    name: 'like(all) (likeAllOf)',
    as: 'admin',
    query: (db) => people(db).likeAllOf('display_name', ['%a%', '%s%']).order('display_name'),
    status: 200,
    data: named('Jonas Dahl', 'Lars Vik (no login yet)', 'Magnus Holm'),
  },
  {
    name: 'several filters all hold',
    as: 'admin',
    query: (db) => status(db).eq('status', 'paused').is('expected_end', null),
    status: 200,
    data: mentors('magnus'),
  },

  // logic trees
  {
    name: 'or',
    as: 'admin',
    query: (db) => status(db).or('reason_code.eq.health,reason_code.eq.certification_expired'),
    status: 200,
    check: ({ data }) => expectIds(data, ['sofie', 'magnus']),
  },
  {
    name: 'or with a nested and',
    as: 'admin',
    query: (db) =>
      status(db).or('reason_code.eq.health,and(status.eq.paused,expected_end.is.null)'),
    status: 200,
    check: ({ data }) => expectIds(data, ['sofie', 'magnus']),
  },
  {
    name: 'and with a nested or and not.',
    as: 'admin',
    raw: {
      path: '/peer_mentor_status?select=peer_mentor_id&and=(status.eq.paused,or(reason_code.not.eq.health,expected_end.gt.2000-01-01))',
    },
    status: 200,
    check: ({ data }) => expectIds(data, ['jonas', 'sofie', 'magnus']),
  },
  {
    name: 'not.or',
    as: 'admin',
    raw: {
      path: '/peer_mentor_status?select=peer_mentor_id&not.or=(status.eq.active,reason_code.eq.health)',
    },
    status: 200,
    check: ({ data }) => expectIds(data, ['jonas', 'magnus']),
  },
  {
    name: 'or with quoted values (commas, parentheses, escaped quote)',
    as: 'admin',
    query: (db) =>
      people(db)
        .or(
          'display_name.eq."Lars Vik (no login yet)",display_name.eq."Anna \\"A\\" Berg",display_name.eq.Anna Berg',
        )
        .order('display_name'),
    status: 200,
    data: named('Anna Berg', 'Lars Vik (no login yet)'),
  },
  {
    name: 'or with in inside',
    as: 'admin',
    query: (db) => status(db).or('reason_code.in.(health,vacation),expected_end.gt.2100-01-01'),
    status: 200,
    data: mentors('sofie'),
  },
  {
    name: 'an unclosed logic tree is PGRST100',
    as: 'admin',
    raw: { path: '/peer_mentor_status?or=(status.eq.active' },
    status: 400,
    code: 'PGRST100',
  },

  // order
  {
    name: 'order desc, nulls last',
    as: 'admin',
    query: (db) =>
      status(db)
        .eq('status', 'paused')
        .order('expected_end', { ascending: false, nullsFirst: false }),
    status: 200,
    data: mentors('jonas', 'sofie', 'magnus'),
  },
  {
    name: 'order asc, nulls first',
    as: 'admin',
    query: (db) =>
      status(db)
        .eq('status', 'paused')
        .order('expected_end', { ascending: true, nullsFirst: true }),
    status: 200,
    data: mentors('magnus', 'sofie', 'jonas'),
  },
  {
    name: 'order by several terms',
    as: 'admin',
    raw: {
      path: '/peer_mentor_status?select=peer_mentor_id&status=eq.paused&order=paused_by_role.desc,expected_end.desc.nullsfirst',
    },
    status: 200,
    check: ({ data }) => {
      if (data.length !== 3 || data[0].peer_mentor_id !== ids.magnus)
        throw new Error(JSON.stringify(data));
    },
  },
  {
    name: 'order on an unknown column is 42703',
    as: 'admin',
    query: (db) => people(db).order('nickname'),
    status: 400,
    code: '42703',
  },
  {
    name: 'order on a related resource is refused (PGRST200)',
    as: 'admin',
    raw: { path: '/peer_mentors?order=chapters(name)' },
    status: 400,
    code: 'PGRST200',
    localOnly: true,
  },

  // ranges and counts
  {
    name: 'range without count: 200 and Content-Range 0-1/*',
    as: 'admin',
    query: (db) => people(db).order('display_name').range(0, 1),
    status: 200,
    data: named('Anna Berg', 'Emma Strand'),
    headers: { 'content-range': '0-1/*' },
  },
  {
    name: 'range with count=exact: 206 and the total',
    as: 'admin',
    query: (db) =>
      db
        .from('peer_mentors')
        .select('display_name', { count: 'exact' })
        .order('display_name')
        .range(2, 3),
    status: 206,
    count: 6,
    data: named('Jonas Dahl', 'Lars Vik (no login yet)'),
    headers: { 'content-range': '2-3/6' },
  },
  {
    name: 'every row with count=exact: 200',
    as: 'admin',
    query: (db) => db.from('peer_mentors').select('display_name', { count: 'exact' }),
    status: 200,
    count: 6,
    headers: { 'content-range': '0-5/6' },
  },
  {
    name: 'a range past the end with a count: 416 PGRST103',
    as: 'admin',
    query: (db) => db.from('peer_mentors').select('display_name', { count: 'exact' }).range(10, 12),
    status: 416,
    code: 'PGRST103',
  },
  {
    name: 'a range past the end without a count: 200, empty',
    as: 'admin',
    query: (db) => people(db).range(10, 12),
    status: 200,
    data: [],
    headers: { 'content-range': '*/*' },
  },
  {
    name: 'limit',
    as: 'admin',
    query: (db) => people(db).order('display_name').limit(1),
    status: 200,
    data: named('Anna Berg'),
  },
  {
    name: 'limit=0',
    as: 'admin',
    raw: { path: '/peer_mentors?select=display_name&limit=0' },
    status: 200,
    data: [],
  },
  {
    name: 'offset',
    as: 'admin',
    raw: { path: '/peer_mentors?select=display_name&order=display_name&offset=4' },
    status: 200,
    data: named('Magnus Holm', 'Sofie Lie'),
  },
  {
    name: 'a negative limit is 416 PGRST103',
    as: 'admin',
    raw: { path: '/peer_mentors?limit=-1' },
    status: 416,
    code: 'PGRST103',
  },
  {
    name: 'Range header',
    as: 'admin',
    raw: {
      path: '/peer_mentors?select=display_name&order=display_name',
      headers: { range: '1-2', 'range-unit': 'items' },
    },
    status: 200,
    data: named('Emma Strand', 'Jonas Dahl'),
    headers: { 'content-range': '1-2/*' },
  },
  {
    name: 'Range header with a count: 206',
    as: 'admin',
    raw: {
      path: '/peer_mentors?select=display_name&order=display_name',
      headers: { range: '5-', prefer: 'count=exact' },
    },
    status: 206,
    data: named('Sofie Lie'),
    headers: { 'content-range': '5-5/6' },
  },
  {
    name: 'Range with first > last: 416',
    as: 'admin',
    raw: { path: '/peer_mentors', headers: { range: '3-1' } },
    status: 416,
    code: 'PGRST103',
  },
  {
    name: 'head with count=exact',
    as: 'admin',
    query: (db) => db.from('peer_mentors').select('*', { count: 'exact', head: true }),
    status: 200,
    count: 6,
    data: null,
  },
  {
    name: 'count=planned gives the planner’s estimate',
    as: 'admin',
    query: (db) => db.from('peer_mentors').select('display_name', { count: 'planned' }),
    status: 200,
    check: ({ count }) => {
      if (typeof count !== 'number' || count < 0) throw new Error(`count ${count}`);
    },
  },
  {
    name: 'count=estimated',
    as: 'admin',
    query: (db) => db.from('peer_mentors').select('display_name', { count: 'estimated' }),
    status: 200,
    count: 6,
  },

  // one object
  {
    name: '.single() with one row',
    as: 'admin',
    query: (db) => people(db).eq('display_name', 'Anna Berg').single(),
    status: 200,
    data: { display_name: 'Anna Berg' },
  },
  {
    name: '.single() with no row: 406 PGRST116',
    as: 'admin',
    query: (db) => people(db).eq('display_name', 'Nobody').single(),
    status: 406,
    code: 'PGRST116',
  },
  {
    name: '.single() with two rows: 406 PGRST116',
    as: 'admin',
    query: (db) => people(db).like('display_name', '%a%').single(),
    status: 406,
    code: 'PGRST116',
  },
  {
    name: '.maybeSingle() with no row: null',
    as: 'admin',
    query: (db) => people(db).eq('display_name', 'Nobody').maybeSingle(),
    status: 200,
    data: null,
  },
  {
    name: '.maybeSingle() with one row',
    as: 'admin',
    query: (db) => people(db).eq('display_name', 'Sofie Lie').maybeSingle(),
    status: 200,
    data: { display_name: 'Sofie Lie' },
  },
  {
    name: '.maybeSingle() with two rows: PGRST116',
    as: 'admin',
    query: (db) => people(db).like('display_name', '%a%').maybeSingle(),
    status: 406,
    code: 'PGRST116',
  },

  // RPC results (POST: shaping in the query string)
  {
    name: 'rpc + eq',
    as: 'kari',
    query: (db) => db.rpc('get_active_pauses_for_chapter', listBergen).eq('reason_code', 'health'),
    status: 200,
    check: ({ data }) => expectIds(data, ['sofie']),
  },
  {
    name: 'rpc + select',
    as: 'kari',
    query: (db) =>
      db
        .rpc('get_active_pauses_for_chapter', listBergen)
        .select('display_name')
        .eq('reason_code', 'health'),
    status: 200,
    data: named('Sofie Lie'),
  },
  {
    name: 'rpc + order',
    as: 'kari',
    query: (db) =>
      db
        .rpc('get_active_pauses_for_chapter', listBergen)
        .select('display_name')
        .order('display_name', { ascending: false }),
    status: 200,
    data: named('Sofie Lie', 'Jonas Dahl'),
  },
  {
    name: 'rpc + limit',
    as: 'kari',
    query: (db) =>
      db
        .rpc('get_active_pauses_for_chapter', listBergen)
        .select('display_name')
        .order('display_name')
        .limit(1),
    status: 200,
    data: named('Jonas Dahl'),
  },
  {
    name: 'rpc + range(1, 1)',
    as: 'kari',
    query: (db) =>
      db
        .rpc('get_active_pauses_for_chapter', listBergen)
        .select('display_name')
        .order('display_name')
        .range(1, 1),
    status: 200,
    data: named('Sofie Lie'),
  },
  {
    name: 'rpc + count=exact + limit: 206 with the total',
    as: 'kari',
    query: (db) =>
      db
        .rpc('get_active_pauses_for_chapter', listBergen, { count: 'exact' })
        .select('display_name')
        .order('display_name')
        .limit(1),
    status: 206,
    count: 2,
    data: named('Jonas Dahl'),
  },
  {
    name: 'rpc + eq + maybeSingle (match)',
    as: 'kari',
    query: (db) =>
      db
        .rpc('get_active_pauses_for_chapter', listBergen)
        .select('display_name')
        .eq('reason_code', 'coordinator_decision')
        .maybeSingle(),
    status: 200,
    data: { display_name: 'Jonas Dahl' },
  },
  {
    name: 'rpc + eq + maybeSingle (no match)',
    as: 'kari',
    query: (db) =>
      db
        .rpc('get_active_pauses_for_chapter', listBergen)
        .eq('reason_code', 'vacation')
        .maybeSingle(),
    status: 200,
    data: null,
  },
  {
    name: 'rpc + single with two rows: 406',
    as: 'kari',
    query: (db) => db.rpc('get_active_pauses_for_chapter', listBergen).single(),
    status: 406,
    code: 'PGRST116',
  },
  {
    name: 'rpc + unknown column: 42703',
    as: 'kari',
    query: (db) => db.rpc('get_active_pauses_for_chapter', listBergen).eq('nickname', 'x'),
    status: 400,
    code: '42703',
  },
  // RPC with GET: arguments and filters in the query string
  {
    name: 'rpc GET + eq',
    as: 'kari',
    query: (db) =>
      db
        .rpc('get_active_pauses_for_chapter', listBergen, { get: true })
        .select('display_name')
        .eq('reason_code', 'health'),
    status: 200,
    data: named('Sofie Lie'),
  },
  {
    name: 'rpc HEAD + count',
    as: 'kari',
    query: (db) =>
      db.rpc('get_active_pauses_for_chapter', listBergen, { head: true, count: 'exact' }),
    status: 200,
    count: 2,
    data: null,
  },
  {
    name: 'rpc GET with an unknown parameter: 404 PGRST202',
    as: 'kari',
    raw: { path: `/rpc/get_active_pauses_for_chapter?${bergenQuery}&p_nickname=x` },
    status: 404,
    code: 'PGRST202',
  },
  {
    name: 'rpc GET with a filter, order and range',
    as: 'kari',
    raw: {
      path: `/rpc/get_active_pauses_for_chapter?${bergenQuery}&select=display_name&paused_by_role=neq.system&order=display_name.desc&limit=1`,
      headers: { prefer: 'count=exact' },
    },
    status: 206,
    data: named('Sofie Lie'),
    headers: { 'content-range': '0-0/2' },
  },

  // preferences
  {
    name: 'Prefer: handling=strict with an unknown preference: 400 PGRST122',
    as: 'admin',
    raw: { path: '/peer_mentors', headers: { prefer: 'handling=strict, frobnicate=yes' } },
    status: 400,
    code: 'PGRST122',
  },
  {
    name: 'Prefer: handling=strict, count=exact: Preference-Applied',
    as: 'admin',
    raw: {
      path: '/peer_mentors?select=display_name',
      headers: { prefer: 'handling=strict, count=exact' },
    },
    status: 200,
    headers: { 'preference-applied': 'count=exact, handling=strict', 'content-range': '0-5/6' },
  },
  {
    name: 'Prefer: timezone renders timestamps in that zone',
    as: 'admin',
    raw: {
      path: `/peer_mentor_status?select=paused_at&peer_mentor_id=eq.${ids.sofie}`,
      headers: { prefer: 'timezone=Asia/Kolkata' },
    },
    status: 200,
    headers: { 'preference-applied': 'timezone=Asia/Kolkata' },
    check: ({ data }) => {
      if (!/\+05:30$/.test(data[0].paused_at)) throw new Error(JSON.stringify(data));
    },
  },

  // unknowns and hostile input: a 400 (or an empty answer), never a 500, never an injection
  {
    name: 'an unknown operator is PGRST100',
    as: 'admin',
    raw: { path: '/peer_mentors?display_name=frob.x' },
    status: 400,
    code: 'PGRST100',
  },
  {
    name: 'text after an in-list is PGRST100, not ignored',
    as: 'admin',
    raw: { path: '/peer_mentors?display_name=in.(Anna Berg)or.true' },
    status: 400,
    code: 'PGRST100',
    localOnly: true,
  },
  {
    name: 'a filter without an operator is PGRST100',
    as: 'admin',
    raw: { path: '/peer_mentors?display_name=Anna' },
    status: 400,
    code: 'PGRST100',
  },
  {
    name: 'an unknown column in a filter is 42703',
    as: 'admin',
    query: (db) => people(db).eq('nickname', 'x'),
    status: 400,
    code: '42703',
  },
  {
    name: 'a filter on an embedded resource is PGRST108',
    as: 'admin',
    raw: { path: '/peer_mentors?chapters.name=eq.Oslo' },
    status: 400,
    code: 'PGRST108',
  },
  {
    name: 'full-text search is refused',
    as: 'admin',
    raw: { path: '/peer_mentors?display_name=fts.anna' },
    status: 400,
    code: 'PGRST127',
    localOnly: true,
  },
  {
    name: 'hostile column name',
    as: 'admin',
    raw: {
      path: `/peer_mentors?select=${encodeURIComponent('display_name"; drop table public.peer_mentors; --')}`,
    },
    status: 400,
    code: 'PGRST100',
  },
  {
    name: 'hostile quoted column name',
    as: 'admin',
    raw: {
      path: `/peer_mentors?select=${encodeURIComponent('"display_name\\" from public.peer_mentors; --"')}`,
    },
    status: 400,
    code: '42703',
  },
  {
    name: 'hostile alias is only a key',
    as: 'admin',
    raw: {
      path: `/peer_mentors?display_name=eq.Anna%20Berg&select=${encodeURIComponent('"x\\"); drop table t; --":display_name')}`,
    },
    status: 200,
    data: [{ 'x"); drop table t; --': 'Anna Berg' }],
  },
  {
    name: 'hostile JSON path',
    as: 'admin',
    raw: {
      path: `/peer_mentors?select=${encodeURIComponent("display_name->>'a');drop table t;--")}`,
    },
    status: 400,
    code: 'PGRST100',
    localOnly: true,
  },
  {
    name: 'hostile JSON path key is a value',
    as: 'admin',
    raw: {
      path: `/peer_mentors?select=${encodeURIComponent('display_name->>"a\'); drop table t; --"')}`,
    },
    status: 404,
    code: '42883',
  },
  {
    name: 'hostile order term',
    as: 'admin',
    raw: { path: `/peer_mentors?order=${encodeURIComponent('display_name; drop table t')}` },
    status: 400,
    code: 'PGRST100',
  },
  {
    name: 'hostile value is only a value',
    as: 'admin',
    query: (db) => people(db).eq('display_name', "x'); drop table public.peer_mentors; --"),
    status: 200,
    data: [],
  },
  {
    name: 'hostile in-list',
    as: 'admin',
    raw: {
      path: `/peer_mentors?select=display_name&display_name=in.(${encodeURIComponent('"a\') or true --",Anna Berg')})`,
    },
    status: 200,
    data: named('Anna Berg'),
  },
  {
    name: 'hostile value in a logic tree',
    as: 'admin',
    query: (db) => people(db).or("display_name.eq.x') or (1=1"),
    status: 400,
    code: 'PGRST100',
    localOnly: true,
  },
  {
    name: 'hostile quoted value in a logic tree is only a value',
    as: 'admin',
    query: (db) => people(db).or('display_name.eq."x\') or (1=1) --"'),
    status: 200,
    data: [],
  },
  {
    name: 'a deep logic tree is PGRST100, not a crash',
    as: 'admin',
    raw: { path: `/peer_mentors?or=(${'or('.repeat(2000)}display_name.eq.x${')'.repeat(2001)}` },
    status: 400,
    code: 'PGRST100',
    localOnly: true,
  },
  {
    name: 'a malformed percent-encoding is PGRST100',
    as: 'admin',
    raw: { path: '/peer_mentors?display_name=eq.%E0%A4%A' },
    status: 400,
    code: 'PGRST100',
    localOnly: true,
  },
  {
    name: 'a NUL byte in a value is PostgreSQL’s 22021, not a crash',
    as: 'admin',
    raw: { path: '/peer_mentors?display_name=eq.a%00b' },
    status: 400,
    code: '22021',
    localOnly: true,
  },
  {
    name: 'a bad value for the column type is 22P02',
    as: 'admin',
    query: (db) => status(db).eq('peer_mentor_id', 'not-a-uuid'),
    status: 400,
    code: '22P02',
  },
  {
    name: 'an invalid regular expression is 2201B',
    as: 'admin',
    query: (db) => people(db).filter('display_name', 'match', '('),
    status: 400,
    code: '2201B',
  },
  {
    name: 'a huge limit is PGRST100',
    as: 'admin',
    raw: { path: '/peer_mentors?limit=99999999999999999999999' },
    status: 400,
    code: 'PGRST100',
    localOnly: true,
  },

  // tables: writes go through the RPCs
  {
    name: 'a table update is refused (writes go through RPCs)',
    as: 'admin',
    query: (db) =>
      db.from('peer_mentor_status').update({ status: 'active' }).eq('peer_mentor_id', ids.sofie),
    status: 405,
    code: 'PGRST127',
    localOnly: true,
  },
  {
    name: 'a table insert is refused',
    as: 'admin',
    query: (db) => db.from('peer_mentor_status_log').insert({ peer_mentor_id: ids.sofie }),
    status: 405,
    code: 'PGRST127',
    localOnly: true,
  },
  {
    name: 'a table delete is refused',
    as: 'admin',
    query: (db) => db.from('peer_mentor_status_log').delete().eq('peer_mentor_id', ids.sofie),
    status: 405,
    code: 'PGRST127',
    localOnly: true,
  },
  {
    name: 'an unknown table is 404 PGRST205',
    as: 'admin',
    query: (db) => db.from('no_such_table').select(),
    status: 404,
    code: 'PGRST205',
  },

  // the seed's read cases: RLS is the only fence, and counts cannot leak totals
  {
    name: 'a mentor reads only their own status row',
    as: 'anna',
    query: (db) =>
      db.from('peer_mentor_status').select('peer_mentor_id, status', { count: 'exact' }),
    status: 200,
    count: 1,
    data: [{ peer_mentor_id: ids.anna, status: 'active' }],
  },
  {
    name: 'a mentor asking for another’s row gets nothing, and a zero count',
    as: 'anna',
    query: (db) =>
      db
        .from('peer_mentor_status')
        .select('peer_mentor_id', { count: 'exact' })
        .eq('peer_mentor_id', ids.sofie),
    status: 200,
    count: 0,
    data: [],
  },
  {
    name: 'a mentor’s .single() on another’s row is 406',
    as: 'anna',
    query: (db) =>
      db.from('peer_mentor_status').select('status').eq('peer_mentor_id', ids.sofie).single(),
    status: 406,
    code: 'PGRST116',
  },
  {
    name: 'a mentor’s HEAD count sees one row',
    as: 'anna',
    query: (db) => db.from('peer_mentor_status').select('*', { count: 'exact', head: true }),
    status: 200,
    count: 1,
  },
  {
    name: 'a mentor’s log holds only their own transitions',
    as: 'anna',
    query: (db) => db.from('peer_mentor_status_log').select('peer_mentor_id'),
    status: 200,
    check: ({ data }) => {
      if (data.some((row: { peer_mentor_id: string }) => row.peer_mentor_id !== ids.anna))
        throw new Error(JSON.stringify(data));
    },
  },
  {
    name: 'a coordinator reads the organization’s statuses',
    as: 'kari',
    query: (db) =>
      db.from('peer_mentor_status').select('peer_mentor_id, organization_id', { count: 'exact' }),
    status: 200,
    count: 6,
    check: ({ data }) => {
      if (data.some((row: { organization_id: string }) => row.organization_id !== ids.hlf))
        throw new Error('another organization leaked');
    },
  },
  {
    name: 'a coordinator filtering on another organization gets nothing',
    as: 'kari',
    query: (db) =>
      db
        .from('peer_mentor_status')
        .select('peer_mentor_id', { count: 'exact' })
        .eq('organization_id', ids.north),
    status: 200,
    count: 0,
    data: [],
  },
  {
    name: 'another organization’s coordinator never sees HLF',
    as: 'siri',
    query: (db) =>
      db
        .from('peer_mentor_status')
        .select('organization_id', { count: 'exact' })
        .or(`organization_id.eq.${ids.hlf},status.eq.paused`),
    status: 200,
    count: 1,
    data: [{ organization_id: ids.north }],
  },
  {
    name: 'another organization’s coordinator counts only their own',
    as: 'siri',
    query: (db) => db.from('peer_mentors').select('*', { count: 'exact', head: true }),
    status: 200,
    count: 2,
  },
  {
    name: 'anon reads nothing: 401 42501',
    as: 'anon',
    query: (db) => db.from('peer_mentor_status').select(),
    status: 401,
    code: '42501',
  },
];

function expectIds(data: { peer_mentor_id: string }[], keys: string[]) {
  const got = data.map((row) => row.peer_mentor_id).sort();
  const want = keys.map((key) => ids[key as keyof typeof ids]).sort();
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`expected ${keys.join(', ')}; got ${JSON.stringify(data)}`);
  }
}
