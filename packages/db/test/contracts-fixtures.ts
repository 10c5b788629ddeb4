/**
 * Shared by the contracts tests (contracts-drift, contracts-package): a small world inserted as
 * the owner, and RPC calls made the way PostgREST makes them, so results and error bodies are
 * exactly what a client receives.
 */
import { randomUUID } from 'node:crypto';
import { type PostgrestErrorBody, type RpcName, rpcFunctions } from '@peer-mentor/contracts';
import type pg from 'pg';

type Queryable = pg.Pool | pg.PoolClient | pg.Client;

export interface ContractsWorld {
  organizationId: string;
  chapterId: string;
  adminUserId: string;
  coordinatorUserId: string;
  /** Mentors with a login, serving in the chapter the coordinator covers. */
  mentors: { id: string; userId: string; displayName: string }[];
}

/**
 * One organization with a chapter, an org admin, a coordinator of the chapter and `count`
 * mentors. Every other mentor id is made with `md5(...)::uuid`, which PostgreSQL accepts but
 * which has no RFC 9562 version or variant bits, as imported ids often do.
 */
export async function createContractsWorld(
  owner: Queryable,
  options: { mentors?: number; timeZone?: string; name?: string } = {},
): Promise<ContractsWorld> {
  const organizationId = randomUUID();
  const chapterId = randomUUID();
  const adminUserId = randomUUID();
  const coordinatorUserId = randomUUID();
  const { rows: mentorIds } = await owner.query<{ id: string }>(
    `select case when n % 2 = 0 then gen_random_uuid() else md5(gen_random_uuid()::text)::uuid end as id
     from generate_series(1, $1) as n`,
    [options.mentors ?? 3],
  );
  const mentors = mentorIds.map(({ id }, index) => ({
    id,
    userId: randomUUID(),
    displayName: `Mentor ${index + 1}`,
  }));
  const userIds = [adminUserId, coordinatorUserId, ...mentors.map((mentor) => mentor.userId)];
  await owner.query(
    `insert into auth.users (id, email)
     select u, 'user-' || u || '@contracts.test' from unnest($1::uuid[]) as u`,
    [userIds],
  );
  await owner.query('insert into public.organizations (id, name, time_zone) values ($1, $2, $3)', [
    organizationId,
    options.name ?? 'Contracts Org',
    options.timeZone ?? 'Europe/Oslo',
  ]);
  await owner.query(
    `insert into public.organization_members (organization_id, user_id, role)
     values ($1, $2, 'org_admin'), ($1, $3, 'coordinator')`,
    [organizationId, adminUserId, coordinatorUserId],
  );
  await owner.query(
    `insert into public.chapters (id, organization_id, name) values ($1, $2, 'Chapter One')`,
    [chapterId, organizationId],
  );
  await owner.query(
    'insert into public.coordinator_chapters (user_id, chapter_id) values ($1, $2)',
    [coordinatorUserId, chapterId],
  );
  for (const mentor of mentors) {
    await owner.query(
      `insert into public.organization_members (organization_id, user_id, role)
       values ($1, $2, 'peer_mentor')`,
      [organizationId, mentor.userId],
    );
    await owner.query(
      'insert into public.peer_mentors (id, organization_id, user_id, display_name) values ($1, $2, $3, $4)',
      [mentor.id, organizationId, mentor.userId, mentor.displayName],
    );
    await owner.query(
      'insert into public.peer_mentor_chapters (peer_mentor_id, chapter_id) values ($1, $2)',
      [mentor.id, chapterId],
    );
  }
  return { organizationId, chapterId, adminUserId, coordinatorUserId, mentors };
}

/** The argument names and SQL types of a public function, from pg_proc. */
async function argumentTypes(client: Queryable, name: string): Promise<Map<string, string>> {
  const { rows } = await client.query<{ name: string; type: string }>(
    `select a.name, format_type(a.type, null) as type
     from pg_proc p
     join pg_namespace n on n.oid = p.pronamespace
     cross join lateral unnest(p.proargnames[1:p.pronargs], p.proargtypes::oid[]) as a (name, type)
     where n.nspname = 'public' and p.proname = $1`,
    [name],
  );
  return new Map(rows.map((row) => [row.name, row.type]));
}

/** An error from an RPC call, with the body PostgREST would send. */
export class RpcCallError extends Error {
  constructor(readonly body: PostgrestErrorBody) {
    super(`${body.code}: ${body.message}`);
  }
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/**
 * Calls `public.<name>` with a JSON body the way PostgREST does: the body's keys become named
 * arguments, converted from JSON by `json_to_record` with the function's own argument types;
 * arguments absent from the body take their defaults. The result is the JSON PostgREST sends:
 * one object for a function returning a row, an array for a set. A database error rejects
 * with `RpcCallError` carrying `{code, message, details, hint}`.
 *
 * Run it inside `withCaller` so the role and claims are the caller's.
 */
export async function callRpc(
  client: Queryable,
  name: RpcName,
  body: Record<string, unknown>,
): Promise<unknown> {
  const types = await argumentTypes(client, name);
  const keys = Object.keys(body);
  for (const key of keys) {
    if (!types.has(key)) throw new Error(`${name} has no argument ${key} (PostgREST: PGRST202)`);
  }
  const columns = keys.map((key) => `${quote(key)} ${types.get(key)}`).join(', ');
  const call = `public.${quote(name)}(${keys.map((key) => `${quote(key)} := _.${quote(key)}`).join(', ')})`;
  const source = keys.length
    ? `json_to_record($1::json) as _ (${columns}), lateral ${call} as r`
    : `${call} as r`;
  const select =
    rpcFunctions[name].returns === 'set' ? `coalesce(json_agg(r), '[]'::json)` : `to_json(r)`;
  try {
    const { rows } = await client.query<{ body: unknown }>(
      `select ${select} as body from ${source}`,
      keys.length ? [JSON.stringify(body)] : [],
    );
    return rows[0]?.body ?? null;
  } catch (error) {
    const failure = error as pg.DatabaseError;
    if (typeof failure.code !== 'string') throw error;
    throw new RpcCallError({
      code: failure.code,
      message: failure.message,
      details: failure.detail ?? null,
      hint: failure.hint ?? null,
    });
  }
}

/** The error body a call fails with; fails the test when the call succeeds. */
export async function rpcErrorBody(call: Promise<unknown>): Promise<PostgrestErrorBody> {
  try {
    const result = await call;
    throw new Error(`expected the call to fail, but it returned ${JSON.stringify(result)}`);
  } catch (error) {
    if (error instanceof RpcCallError) return error.body;
    throw error;
  }
}
