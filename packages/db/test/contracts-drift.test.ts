/**
 * Drift between packages/contracts and the live database: every RPC called as real users and
 * its result parsed with the contract schema; signatures, result columns and error lists
 * compared with pg_proc; and bad input rejected alike by the contract schemas and by the SQL.
 * (Enum values and the error catalog: contracts-parity.test.ts.)
 */
import {
  ActivatePauseArgs,
  ActivePauseRows,
  activatePauseArgsSchema,
  CoordinatorChapterRow,
  calendarDateIn,
  DeactivatePauseArgs,
  DomainError,
  type DomainErrorCode,
  domainErrorCatalog,
  GetActivePausesForChapterArgs,
  NOTE_MAX_LENGTH,
  OrganizationMemberRow,
  OrganizationSwitchRows,
  PeerMentorChapterRow,
  PeerMentorStatusRow,
  parsePostgrestError,
  type RpcName,
  rpcFunctions,
  rpcNames,
} from '@peer-mentor/contracts';
import {
  anonClaims,
  createDb,
  type Db,
  type JwtClaims,
  serviceRoleClaims,
  userClaims,
  withCaller,
} from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type ContractsWorld,
  callRpc,
  createContractsWorld,
  rpcErrorBody,
} from './contracts-fixtures.js';

const database = useTestDatabase();
let db: Db;
let world: ContractsWorld;

beforeAll(async () => {
  db = createDb(database.url, { maxConnections: 3 });
  world = await createContractsWorld(db.pool, { mentors: 6 });
});
afterAll(() => db.close());

const mentor = (index: number) => world.mentors[index]!;
const asMentor = (index: number) => userClaims(mentor(index).userId, world.organizationId);
const asCoordinator = () => userClaims(world.coordinatorUserId, world.organizationId);
const asAdmin = () => userClaims(world.adminUserId, world.organizationId);

function call(claims: JwtClaims, name: RpcName, body: Record<string, unknown>) {
  return withCaller(db.pool, claims, (client) => callRpc(client, name, body));
}
function failure(claims: JwtClaims, name: RpcName, body: Record<string, unknown>) {
  return withCaller(db.pool, claims, (client) => rpcErrorBody(callRpc(client, name, body)));
}

/** Today in the organization's time zone, as the database computes it. */
async function databaseToday(organizationId: string): Promise<string> {
  const { rows } = await db.pool.query<{ today: string }>(
    `select to_char((now() at time zone time_zone)::date, 'YYYY-MM-DD') as today
     from public.organizations where id = $1`,
    [organizationId],
  );
  return rows[0]!.today;
}

/** The SQL type a contract property stands for, from its JSON Schema. */
function sqlTypeOf(schema: z.ZodType): { type: string; nullable: boolean; labels?: string[] } {
  const json = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  const branches = (json.anyOf as Record<string, unknown>[] | undefined) ?? [json];
  const nullable =
    branches.some((branch) => branch.type === 'null') ||
    (Array.isArray(json.type) && json.type.includes('null'));
  const [value] = branches.filter((branch) => branch.type !== 'null');
  const baseType = Array.isArray(value?.type) ? value.type[0] : value?.type;
  if (value?.enum) return { type: 'enum', nullable, labels: value.enum as string[] };
  if (baseType === 'integer' && value?.maximum === 2 ** 31 - 1)
    return { type: 'integer', nullable };
  const byFormat: Record<string, string> = {
    uuid: 'uuid',
    date: 'date',
    'date-time': 'timestamp with time zone',
  };
  if (baseType === 'string') return { type: byFormat[value?.format as string] ?? 'text', nullable };
  // An array of strings (requeue_parked_events' p_event_ids): the element's type with [].
  const items = value?.items as Record<string, unknown> | undefined;
  if (baseType === 'array' && items?.type === 'string')
    return { type: `${byFormat[items.format as string] ?? 'text'}[]`, nullable };
  throw new Error(`no SQL type for ${JSON.stringify(json)}`);
}

interface ProcInfo {
  oid: number;
  argNames: string[];
  argTypes: string[];
  defaults: number;
  volatility: string;
  returnsSet: boolean;
  comment: string | null;
}

async function procInfo(name: string): Promise<ProcInfo> {
  const { rows } = await db.pool.query<ProcInfo>(
    `select p.oid::int as oid,
            coalesce(p.proargnames[1:p.pronargs], '{}') as "argNames",
            array(select format_type(t, null) from unnest(p.proargtypes::oid[]) with ordinality as a (t, i) order by i) as "argTypes",
            p.pronargdefaults as defaults,
            p.provolatile as volatility,
            p.proretset as "returnsSet",
            obj_description(p.oid, 'pg_proc') as comment
     from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'public' and p.proname = $1`,
    [name],
  );
  expect(rows, `exactly one public.${name}`).toHaveLength(1);
  return rows[0]!;
}

/**
 * Result columns: a composite's attributes, or a RETURNS TABLE's output arguments. Only a
 * table's row type knows NOT NULL; a standalone composite type (CREATE TYPE … AS) does not.
 */
async function resultColumns(oid: number) {
  const { rows } = await db.pool.query<{ name: string; type: string; notNull: boolean | null }>(
    `select a.attname as name, format_type(a.atttypid, null) as type,
            case when c.relkind = 'c' then null else a.attnotnull end as "notNull"
     from pg_proc p join pg_type t on t.oid = p.prorettype
     join pg_class c on c.oid = t.typrelid
     join pg_attribute a on a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped
     where p.oid = $1 and p.proargmodes is null
     union all
     select o.name, format_type(o.type, null), null
     from pg_proc p
     cross join lateral unnest(p.proargnames, p.proallargtypes, p.proargmodes)
       with ordinality as o (name, type, mode, position)
     where p.oid = $1 and o.mode = 't'`,
    [oid],
  );
  return rows;
}

async function enumLabels(sqlType: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ label: string }>(
    'select enumlabel as label from pg_enum where enumtypid = $1::regtype order by enumsortorder',
    [sqlType],
  );
  return rows.map((row) => row.label);
}

describe('RPC signatures in contracts equal pg_proc', () => {
  it('lists exactly the public functions a signed-in user may execute', async () => {
    const { rows } = await db.pool.query<{ name: string }>(
      `select p.proname as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'public' and has_function_privilege('authenticated', p.oid, 'execute')
       order by 1`,
    );
    expect(rows.map((row) => row.name)).toEqual([...rpcNames].sort());
  });

  it.each(rpcNames)('%s: argument names, order, defaults and types', async (name) => {
    const proc = await procInfo(name);
    const shape = rpcFunctions[name].args.shape as Record<string, z.ZodType>;
    expect(Object.keys(shape)).toEqual(proc.argNames);
    // PostgREST may leave out exactly the trailing arguments that have defaults.
    const optional = Object.entries(shape)
      .filter(([, schema]) => schema.safeParse(undefined).success)
      .map(([key]) => key);
    expect(optional).toEqual(proc.argNames.slice(proc.argNames.length - proc.defaults));
    for (const [index, key] of proc.argNames.entries()) {
      const expected = sqlTypeOf(shape[key]!);
      const actual = proc.argTypes[index]!;
      if (expected.type === 'enum') {
        // Reason codes travel as text and are checked by the function (PM422), or as the enum.
        const labels =
          actual === 'text'
            ? await enumLabels('public.pause_reason_code')
            : await enumLabels(actual);
        expect(expected.labels, key).toEqual(labels);
      } else {
        expect(expected.type, key).toBe(actual);
      }
    }
  });

  it.each(rpcNames)(
    '%s: volatility, set or single row, and the domain errors it documents',
    async (name) => {
      const proc = await procInfo(name);
      const fn = rpcFunctions[name];
      expect({ v: 'volatile', s: 'stable', i: 'immutable' }[proc.volatility]).toBe(fn.volatility);
      expect(proc.returnsSet).toBe(fn.returns === 'set');
      const documented = /Errors: ((?:PM\d{3}(?:, )?)+)\./
        .exec(proc.comment ?? '')?.[1]
        ?.split(', ');
      expect(documented).toEqual([...fn.errors]);
    },
  );

  it.each(rpcNames)('%s: result columns, their order, types and nullability', async (name) => {
    const proc = await procInfo(name);
    const columns = await resultColumns(proc.oid);
    const shape = rpcFunctions[name].result.shape as Record<string, z.ZodType>;
    expect(Object.keys(shape)).toEqual(columns.map((column) => column.name));
    for (const column of columns) {
      const expected = sqlTypeOf(shape[column.name]!);
      if (expected.type === 'enum')
        expect(expected.labels, column.name).toEqual(await enumLabels(column.type));
      else expect(expected.type, column.name).toBe(column.type);
      // Only a table's row type knows NOT NULL; composite types and RETURNS TABLE columns do not.
      if (column.notNull !== null) expect(expected.nullable, column.name).toBe(!column.notNull);
    }
  });
});

describe('real calls, parsed with the contract schemas', () => {
  it('activate_pause by the mentor, with note and expected end, returns a PeerMentorStatusRow', async () => {
    const expectedEnd = await databaseToday(world.organizationId);
    const args = {
      p_peer_mentor_id: mentor(0).id,
      p_organization_id: world.organizationId,
      p_reason_code: 'health',
      p_note: 'Back after surgery',
      p_expected_end: expectedEnd,
    };
    expect(activatePauseArgsSchema().parse(args)).toEqual(args);
    const row = PeerMentorStatusRow.parse(await call(asMentor(0), 'activate_pause', args));
    expect(row).toMatchObject({
      peer_mentor_id: mentor(0).id,
      status: 'paused',
      reason_code: 'health',
      note: 'Back after surgery',
      paused_by: mentor(0).userId,
      paused_by_role: 'peer_mentor',
      expected_end: expectedEnd,
      version: 1,
    });
  });

  it('activate_pause by the coordinator (a non-RFC mentor id) and by the system parse too', async () => {
    const byCoordinator = PeerMentorStatusRow.parse(
      await call(asCoordinator(), 'activate_pause', {
        p_peer_mentor_id: mentor(1).id,
        p_organization_id: world.organizationId,
        p_reason_code: 'coordinator_decision',
      }),
    );
    expect(byCoordinator).toMatchObject({
      paused_by_role: 'coordinator',
      note: null,
      expected_end: null,
    });
    expect(mentor(1).id).not.toMatch(/^.{14}[1-8].{3}[89ab]/); // md5-made: not RFC 9562
    const bySystem = PeerMentorStatusRow.parse(
      await call(serviceRoleClaims, 'activate_pause', {
        p_peer_mentor_id: mentor(2).id,
        p_organization_id: world.organizationId,
        p_reason_code: 'certification_expired',
        p_note: null,
      }),
    );
    expect(bySystem).toMatchObject({ paused_by: null, paused_by_role: 'system' });
  });

  it('get_active_pauses_for_chapter returns ActivePauseRows, oldest pause first', async () => {
    const args = { p_organization_id: world.organizationId, p_chapter_id: world.chapterId };
    expect(GetActivePausesForChapterArgs.parse(args)).toEqual(args);
    const rows = ActivePauseRows.parse(
      await call(asAdmin(), 'get_active_pauses_for_chapter', args),
    );
    expect(rows.map((row) => [row.peer_mentor_id, row.display_name, row.paused_by_role])).toEqual([
      [mentor(0).id, mentor(0).displayName, 'peer_mentor'],
      [mentor(1).id, mentor(1).displayName, 'coordinator'],
      [mentor(2).id, mentor(2).displayName, 'system'],
    ]);
  });

  it('deactivate_pause returns the active row, with every pause field null', async () => {
    const args = {
      p_peer_mentor_id: mentor(1).id,
      p_organization_id: world.organizationId,
      p_note: 'welcome back',
    };
    expect(DeactivatePauseArgs.parse(args)).toEqual(args);
    const row = PeerMentorStatusRow.parse(await call(asCoordinator(), 'deactivate_pause', args));
    expect(row).toMatchObject({
      status: 'active',
      reason_code: null,
      note: null,
      paused_at: null,
      paused_by: null,
      paused_by_role: null,
      expected_end: null,
      version: 2,
    });
  });

  it('switch_organization and the membership administration RPCs return rows their schemas parse', async () => {
    const org = world.organizationId;
    const { rows } = await db.pool.query<{ id: string }>(
      `insert into public.chapters (organization_id, name) values ($1, 'Drift Annex') returning id`,
      [org],
    );
    const annex = rows[0]!.id;
    const [switched] = OrganizationSwitchRows.parse(
      await call(asAdmin(), 'switch_organization', { p_organization_id: org }),
    );
    expect(switched).toMatchObject({ organization_id: org, role: 'org_admin' });
    const coverage = CoordinatorChapterRow.parse(
      await call(asAdmin(), 'assign_coordinator_chapter', {
        p_organization_id: org,
        p_user_id: world.coordinatorUserId,
        p_chapter_id: annex,
      }),
    );
    expect(coverage).toMatchObject({ user_id: world.coordinatorUserId, chapter_id: annex });
    const link = PeerMentorChapterRow.parse(
      await call(asAdmin(), 'add_mentor_chapter', {
        p_organization_id: org,
        p_peer_mentor_id: mentor(5).id,
        p_chapter_id: annex,
      }),
    );
    expect(link).toMatchObject({ peer_mentor_id: mentor(5).id, organization_id: org });
    PeerMentorChapterRow.parse(
      await call(asAdmin(), 'remove_mentor_chapter', {
        p_organization_id: org,
        p_peer_mentor_id: mentor(5).id,
        p_chapter_id: annex,
      }),
    );
    CoordinatorChapterRow.parse(
      await call(asAdmin(), 'unassign_coordinator_chapter', {
        p_organization_id: org,
        p_user_id: world.coordinatorUserId,
        p_chapter_id: annex,
      }),
    );
    const member = OrganizationMemberRow.parse(
      await call(asAdmin(), 'change_member_role', {
        p_organization_id: org,
        p_user_id: mentor(5).userId,
        p_role: 'peer_mentor',
      }),
    );
    expect(member).toMatchObject({ user_id: mentor(5).userId, role: 'peer_mentor' });
  });

  it('every domain error the SQL raises parses into its catalog entry', async () => {
    const org = world.organizationId;
    // PM429: with the per-mentor limit lowered to one transition, mentor 5's second is refused.
    await db.pool.query('update private.status_transition_limit set max_transitions = 1');
    await call(asMentor(5), 'activate_pause', {
      p_peer_mentor_id: mentor(5).id,
      p_organization_id: org,
      p_reason_code: 'personal',
    });
    const scenarios: [DomainErrorCode, JwtClaims, RpcName, Record<string, unknown>][] = [
      [
        'PM401',
        { role: 'authenticated', app_metadata: { organization_id: org } },
        'deactivate_pause',
        { p_peer_mentor_id: mentor(0).id, p_organization_id: org },
      ],
      [
        'PM403',
        asMentor(3),
        'get_active_pauses_for_chapter',
        { p_organization_id: org, p_chapter_id: world.chapterId },
      ],
      [
        'PM404',
        asMentor(3),
        'activate_pause',
        { p_peer_mentor_id: mentor(4).id, p_organization_id: org, p_reason_code: 'other' },
      ],
      [
        'PM409',
        asMentor(0),
        'activate_pause',
        { p_peer_mentor_id: mentor(0).id, p_organization_id: org, p_reason_code: 'other' },
      ],
      [
        'PM410',
        asMentor(3),
        'deactivate_pause',
        { p_peer_mentor_id: mentor(3).id, p_organization_id: org },
      ],
      [
        'PM412',
        userClaims(mentor(3).userId, null),
        'deactivate_pause',
        { p_peer_mentor_id: mentor(3).id, p_organization_id: org },
      ],
      [
        'PM422',
        asMentor(3),
        'deactivate_pause',
        { p_peer_mentor_id: null, p_organization_id: org },
      ],
      [
        'PM423',
        asMentor(2),
        'deactivate_pause',
        { p_peer_mentor_id: mentor(2).id, p_organization_id: org },
      ],
      [
        'PM429',
        asMentor(5),
        'deactivate_pause',
        { p_peer_mentor_id: mentor(5).id, p_organization_id: org },
      ],
    ];
    expect(scenarios.map(([code]) => code)).toEqual(domainErrorCatalog.map((entry) => entry.code));
    for (const [code, claims, name, body] of scenarios) {
      const error = parsePostgrestError(await failure(claims, name, body));
      const entry = domainErrorCatalog.find((candidate) => candidate.code === code)!;
      expect(error, code).toBeInstanceOf(DomainError);
      expect(error, code).toMatchObject({
        code,
        name: entry.name,
        message: entry.message,
        httpStatus: 400,
        retryable: false,
      });
      expect(rpcFunctions[name].errors, `${name} documents ${code}`).toContain(code);
    }
    await db.pool.query('update private.status_transition_limit set max_transitions = 20');
  });

  it('an anonymous call fails with the grant layer’s 42501, which parses as a platform error', async () => {
    const body = await failure(anonClaims, 'get_active_pauses_for_chapter', {
      p_organization_id: world.organizationId,
      p_chapter_id: world.chapterId,
    });
    const error = parsePostgrestError(body, { httpStatus: 401 });
    expect(error).toMatchObject({
      kind: 'platform',
      name: 'insufficient_privilege',
      code: '42501',
      httpStatus: 401,
    });
    expect(error.message).toMatch(/permission denied for function get_active_pauses_for_chapter/);
  });
});

describe('bad input: the contract schemas and the SQL reject the same calls', () => {
  const org = () => world.organizationId;
  const activateArgs = (extra: Record<string, unknown>) => ({
    p_peer_mentor_id: mentor(3).id,
    p_organization_id: org(),
    p_reason_code: 'personal',
    ...extra,
  });

  /** Rejected by the schema with this message, and by the SQL with PM422 and this detail. */
  async function expectBothReject(
    schema: z.ZodType,
    name: RpcName,
    body: Record<string, unknown>,
    messages: { contract: RegExp; sql: RegExp },
  ) {
    const parsed = schema.safeParse(body);
    expect(parsed.success, 'the contract rejects it').toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message).join('; ')).toMatch(
      messages.contract,
    );
    const error = parsePostgrestError(await failure(asMentor(3), name, body));
    expect(error, 'the SQL rejects it').toMatchObject({ code: 'PM422', name: 'invalid_argument' });
    expect(error.details).toMatch(messages.sql);
  }

  it('an unknown reason code', async () => {
    await expectBothReject(
      ActivatePauseArgs,
      'activate_pause',
      activateArgs({ p_reason_code: 'burnout' }),
      {
        contract: /expected one of "personal"\|"health"/,
        sql: /p_reason_code must be one of: personal, health, vacation, other, coordinator_decision, certification_expired/,
      },
    );
  });

  it('a missing (null) reason code and a null id', async () => {
    await expectBothReject(
      ActivatePauseArgs,
      'activate_pause',
      activateArgs({ p_reason_code: null }),
      {
        contract: /expected one of/,
        sql: /p_reason_code must be one of/,
      },
    );
    await expectBothReject(
      DeactivatePauseArgs,
      'deactivate_pause',
      { p_peer_mentor_id: null, p_organization_id: org() },
      {
        contract: /expected string, received null/,
        sql: /p_peer_mentor_id is required/,
      },
    );
    await expectBothReject(
      GetActivePausesForChapterArgs,
      'get_active_pauses_for_chapter',
      { p_organization_id: org(), p_chapter_id: null },
      { contract: /expected string, received null/, sql: /p_chapter_id is required/ },
    );
  });

  it('a note one character too long, on both write RPCs', async () => {
    const note = 'x'.repeat(NOTE_MAX_LENGTH + 1);
    await expectBothReject(ActivatePauseArgs, 'activate_pause', activateArgs({ p_note: note }), {
      contract: /at most 1000 characters/,
      sql: /p_note has 1001 characters; at most 1000 are allowed/,
    });
    await expectBothReject(
      DeactivatePauseArgs,
      'deactivate_pause',
      { p_peer_mentor_id: mentor(3).id, p_organization_id: org(), p_note: note },
      { contract: /at most 1000 characters/, sql: /p_note has 1001 characters/ },
    );
  });

  it('an expected end before today in the organization’s calendar', async () => {
    const today = await databaseToday(org());
    expect(calendarDateIn('Europe/Oslo')).toBe(today);
    const yesterday = new Date(Date.parse(`${today}T12:00:00Z`) - 86_400_000)
      .toISOString()
      .slice(0, 10);
    await expectBothReject(
      activatePauseArgsSchema(),
      'activate_pause',
      activateArgs({ p_expected_end: yesterday }),
      {
        contract: new RegExp(
          `p_expected_end ${yesterday} is in the past: today is ${today} in Europe/Oslo`,
        ),
        sql: new RegExp(`p_expected_end ${yesterday} is in the past \\(today is ${today}`),
      },
    );
  });

  it('and both accept the boundaries: a note of 1000 emoji, an expected end of today', async () => {
    const args = activateArgs({
      p_note: '😀'.repeat(NOTE_MAX_LENGTH),
      p_expected_end: await databaseToday(org()),
    });
    expect(activatePauseArgsSchema().safeParse(args).success).toBe(true);
    const row = PeerMentorStatusRow.parse(await call(asMentor(3), 'activate_pause', args));
    expect([...(row.note ?? '')]).toHaveLength(NOTE_MAX_LENGTH);
  });

  it('reads "today" in the organization’s own time zone, as the SQL does', async () => {
    // Kiritimati (UTC+14) is always a day or two ahead of Pago Pago (UTC-11).
    const ahead = await createContractsWorld(db.pool, {
      mentors: 1,
      timeZone: 'Pacific/Kiritimati',
      name: 'Ahead',
    });
    const todayAhead = await databaseToday(ahead.organizationId);
    expect(calendarDateIn('Pacific/Kiritimati')).toBe(todayAhead);
    const behindDate = calendarDateIn('Pacific/Pago_Pago');
    expect(behindDate < todayAhead).toBe(true);
    const args = {
      p_peer_mentor_id: ahead.mentors[0]!.id,
      p_organization_id: ahead.organizationId,
      p_reason_code: 'vacation',
      p_expected_end: behindDate,
    };
    // Judged in the wrong zone, the date looks fine; in the organization's zone it is past.
    expect(activatePauseArgsSchema({ timeZone: 'Pacific/Pago_Pago' }).safeParse(args).success).toBe(
      true,
    );
    expect(
      activatePauseArgsSchema({ timeZone: 'Pacific/Kiritimati' }).safeParse(args).success,
    ).toBe(false);
    const error = parsePostgrestError(
      await failure(
        userClaims(ahead.mentors[0]!.userId, ahead.organizationId),
        'activate_pause',
        args,
      ),
    );
    expect(error).toMatchObject({ code: 'PM422' });
    expect(error.details).toContain(`today is ${todayAhead}`);
  });

  it('wrong types: the schema rejects them, and PostgreSQL cannot even read them as arguments', async () => {
    // These fail while PostgREST turns the JSON body into typed arguments, before our function
    // runs: a class 22 data exception (HTTP 400), not PM422.
    const cases: [z.ZodType, RpcName, Record<string, unknown>, RegExp, string][] = [
      [
        ActivatePauseArgs,
        'activate_pause',
        activateArgs({ p_peer_mentor_id: 42 }),
        /expected string, received number/,
        '22P02',
      ],
      [
        ActivatePauseArgs,
        'activate_pause',
        activateArgs({ p_peer_mentor_id: 'anna' }),
        /expected a uuid/,
        '22P02',
      ],
      [
        DeactivatePauseArgs,
        'deactivate_pause',
        { p_peer_mentor_id: mentor(3).id, p_organization_id: true },
        /expected string, received boolean/,
        '22P02',
      ],
      [
        ActivatePauseArgs,
        'activate_pause',
        activateArgs({ p_expected_end: 'soon' }),
        /calendar date as YYYY-MM-DD/,
        '22007',
      ],
      [
        ActivatePauseArgs,
        'activate_pause',
        activateArgs({ p_expected_end: '2027-02-30' }),
        /calendar date as YYYY-MM-DD/,
        '22008',
      ],
      [
        ActivatePauseArgs,
        'activate_pause',
        activateArgs({ p_note: 'a\u0000b' }),
        /without the NUL character/,
        '22P05',
      ],
    ];
    for (const [schema, name, body, contract, sqlState] of cases) {
      const parsed = schema.safeParse(body);
      expect(parsed.success, JSON.stringify(body)).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(contract);
      const error = parsePostgrestError(await failure(asMentor(3), name, body));
      expect(error.code, JSON.stringify(body)).toBe(sqlState);
      expect(error.httpStatus).toBe(400);
      expect(error).not.toBeInstanceOf(DomainError);
    }
  });
});
