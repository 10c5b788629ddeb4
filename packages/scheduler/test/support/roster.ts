import { randomUUID } from 'node:crypto';
import { type JwtClaims, serviceRoleClaims, userClaims, withCaller } from '@peer-mentor/db';
import type pg from 'pg';

/** A calendar date `days` after `date` (YYYY-MM-DD). */
export function addDays(date: string, days: number): string {
  const value = new Date(`${date}T00:00:00Z`);
  value.setUTCDate(value.getUTCDate() + days);
  return value.toISOString().slice(0, 10);
}

/** Today's date in a time zone, as the database computes an organization's run date. */
export async function todayIn(pool: pg.Pool, timeZone: string): Promise<string> {
  const { rows } = await pool.query<{ today: string }>(
    'select (now() at time zone $1)::date::text as today',
    [timeZone],
  );
  return rows[0]!.today;
}

export interface Organization {
  id: string;
  chapters: string[];
  /** An org admin's user id (a member, for the RPCs). */
  adminUserId: string;
}

/** An organization with chapters and an org admin, in the given time zone. */
export async function createOrganization(
  pool: pg.Pool,
  options: { timeZone?: string; chapters?: number } = {},
): Promise<Organization> {
  const id = randomUUID();
  const adminUserId = randomUUID();
  await pool.query('insert into public.organizations (id, name, time_zone) values ($1, $2, $3)', [
    id,
    `Organization ${id.slice(0, 8)}`,
    options.timeZone ?? 'Europe/Oslo',
  ]);
  const { rows } = await pool.query<{ id: string }>(
    `insert into public.chapters (organization_id, name)
     select $1, 'Chapter ' || n from generate_series(1, $2) n returning id`,
    [id, options.chapters ?? 3],
  );
  await pool.query(`insert into auth.users (id, email) values ($1, $2)`, [
    adminUserId,
    `admin-${adminUserId}@example.test`,
  ]);
  await pool.query(
    `insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'org_admin')`,
    [id, adminUserId],
  );
  return { id, chapters: rows.map((row) => row.id), adminUserId };
}

export interface MentorSpec {
  /** The certification's last valid day; none when absent. */
  validUntil?: string;
  /** Indexes into the organization's chapters (default: the first). */
  chapters?: number[];
}

/** Mentors (no login) with their chapters and certifications; returns their ids in order. */
export async function addMentors(
  pool: pg.Pool,
  organization: Organization,
  specs: readonly MentorSpec[],
): Promise<string[]> {
  const ids: string[] = specs.map(() => randomUUID());
  await pool.query(
    `insert into public.peer_mentors (id, organization_id, display_name)
     select id, $1, 'Mentor ' || n from unnest($2::uuid[]) with ordinality as m (id, n)`,
    [organization.id, ids],
  );
  const links = specs.flatMap((spec, index) =>
    (spec.chapters ?? [0]).map((chapter) => [ids[index]!, organization.chapters[chapter]!]),
  );
  await pool.query(
    `insert into public.peer_mentor_chapters (peer_mentor_id, chapter_id)
     select * from unnest($1::uuid[], $2::uuid[])`,
    [links.map((link) => link[0]), links.map((link) => link[1])],
  );
  const certified = specs
    .map((spec, index) => [ids[index]!, spec.validUntil] as const)
    .filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
  await pool.query(
    `insert into public.peer_mentor_certifications (peer_mentor_id, valid_until)
     select * from unnest($1::uuid[], $2::date[])`,
    [certified.map((entry) => entry[0]), certified.map((entry) => entry[1])],
  );
  return ids;
}

/** activate_pause as whoever the claims describe. */
function pauseAs(
  pool: pg.Pool,
  claims: JwtClaims,
  organization: Organization,
  mentorId: string,
  reason: string,
  expectedEnd: string | null,
): Promise<void> {
  return withCaller(pool, claims, async (client) => {
    await client.query('select public.activate_pause($1, $2, $3, null, $4)', [
      mentorId,
      organization.id,
      reason,
      expectedEnd,
    ]);
  });
}

/** activate_pause as the organization's admin (a user with a JWT, through the RPC). */
export function pauseAsAdmin(
  pool: pg.Pool,
  organization: Organization,
  mentorId: string,
  reason: string,
  expectedEnd: string | null = null,
): Promise<void> {
  const admin = userClaims(organization.adminUserId, organization.id);
  return pauseAs(pool, admin, organization, mentorId, reason, expectedEnd);
}

export async function resumeAsAdmin(
  pool: pg.Pool,
  organization: Organization,
  mentorId: string,
): Promise<void> {
  await withCaller(pool, userClaims(organization.adminUserId, organization.id), (client) =>
    client.query('select public.deactivate_pause($1, $2)', [mentorId, organization.id]),
  );
}

/** activate_pause as the system (certification_expired is the system's alone). */
export function pauseAsSystem(
  pool: pg.Pool,
  organization: Organization,
  mentorId: string,
  reason: string,
  expectedEnd: string | null = null,
): Promise<void> {
  return pauseAs(pool, serviceRoleClaims, organization, mentorId, reason, expectedEnd);
}

export interface MentorState {
  id: string;
  status: 'active' | 'paused';
  reasonCode: string | null;
  version: number;
  logRows: number;
  outboxEvents: number;
  expiryOutcome: string | null;
  lastLog: { toStatus: string; actorRole: string; note: string | null } | null;
}

/** Status, log, outbox and certification marker of each mentor, read as the owner. */
export async function mentorStates(pool: pg.Pool, ids: readonly string[]): Promise<MentorState[]> {
  const { rows } = await pool.query<MentorState>(
    `select s.peer_mentor_id as id, s.status, s.reason_code as "reasonCode", s.version,
            (select count(*)::int from public.peer_mentor_status_log l where l.peer_mentor_id = s.peer_mentor_id) as "logRows",
            (select count(*)::int from private.status_change_outbox o where o.peer_mentor_id = s.peer_mentor_id) as "outboxEvents",
            c.expiry_outcome as "expiryOutcome",
            (select json_build_object('toStatus', l.to_status, 'actorRole', l.actor_role,
                                      'note', (select n.note from public.peer_mentor_status_notes n
                                               where n.peer_mentor_id = l.peer_mentor_id and n.version = l.version))
             from public.peer_mentor_status_log l where l.peer_mentor_id = s.peer_mentor_id
             order by l.version desc limit 1) as "lastLog"
     from unnest($1::uuid[]) with ordinality as m (id, n)
     join public.peer_mentor_status s on s.peer_mentor_id = m.id
     left join public.peer_mentor_certifications c on c.peer_mentor_id = m.id
     order by m.n`,
    [ids],
  );
  return rows;
}

/** Digest of every status, log row and outbox event: equal digests, nothing changed. */
export async function fingerprint(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ digest: string }>(
    `select md5(
       coalesce((select string_agg(s::text, ',' order by s.peer_mentor_id) from public.peer_mentor_status s), '') || '|' ||
       coalesce((select string_agg(l::text, ',' order by l.id) from public.peer_mentor_status_log l), '') || '|' ||
       coalesce((select string_agg(o.event_id::text, ',' order by o.event_id) from private.status_change_outbox o), '')
     ) as digest`,
  );
  return rows[0]!.digest;
}

export interface RunRow {
  id: string;
  job: string;
  organizationId: string | null;
  runDate: string;
  invocationId: string;
  host: string;
  outcome: string | null;
  batches: number;
  examined: number;
  mentorsChanged: number;
  recorded: number;
  skipped: number;
  errors: number;
}

/** Run summaries for an organization (or the purge: null), oldest first. */
export async function runsOf(pool: pg.Pool, organizationId: string | null): Promise<RunRow[]> {
  const { rows } = await pool.query<RunRow>(
    `select r.id::text as id, r.job, r.organization_id as "organizationId", r.run_date::text as "runDate",
            r.invocation_id as "invocationId", r.host, r.outcome, r.batches, r.examined,
            r.mentors_changed as "mentorsChanged", r.recorded, r.skipped, r.errors
     from private.scheduler_runs r where r.organization_id is not distinct from $1 order by r.id`,
    [organizationId],
  );
  return rows;
}
