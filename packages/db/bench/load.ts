import type pg from 'pg';
import { benchIdSql } from './ids.js';

/** Where the write-path roster lives: one organization, mentors 1..n each with a login. */
export const WRITE_ORGANIZATION = 1;

/**
 * Write-path mentors `first`..`last` in one organization, each with a login user who is a
 * peer_mentor member, so every mentor can call the RPCs as themselves.
 */
export async function loadWriteRoster(
  client: pg.Client,
  first: number,
  last: number,
): Promise<void> {
  const org = benchIdSql('organization', String(WRITE_ORGANIZATION));
  const range = [first, last];
  await client.query('begin');
  await client.query(
    `insert into public.organizations (id, name) values (${org}, 'Benchmark write-path organization')
     on conflict (id) do nothing`,
  );
  await client.query(
    `insert into auth.users (id, email)
     select ${benchIdSql('mentorUser', 'n')}, 'mentor-' || n || '@bench.invalid'
     from generate_series($1::bigint, $2::bigint) n`,
    range,
  );
  await client.query(
    `insert into public.organization_members (organization_id, user_id, role)
     select ${org}, ${benchIdSql('mentorUser', 'n')}, 'peer_mentor'
     from generate_series($1::bigint, $2::bigint) n`,
    range,
  );
  await client.query(
    `insert into public.peer_mentors (id, organization_id, user_id, display_name)
     select ${benchIdSql('peerMentor', 'n')}, ${org}, ${benchIdSql('mentorUser', 'n')}, 'Mentor ' || n
     from generate_series($1::bigint, $2::bigint) n`,
    range,
  );
  await client.query('commit');
  await client.query('analyze');
}

export interface ReadRosterShape {
  mentors: number;
  organizations: number;
  chaptersPerOrganization: number;
  /** One mentor in this many is paused (100: 1%). */
  pausedOneIn: number;
  /** Mentors per INSERT ... SELECT statement. */
  batchSize: number;
}

export interface LoadStep {
  step: string;
  rows: number;
  seconds: number;
}

/*
 * Mentor n (1-based) belongs to organization ((n - 1) % O) + 1, so the organizations' rows are
 * interleaved in the heap as they would be after years of sign-ups. Its index within the
 * organization is i = (n - 1) / O; it serves in chapter i % C of that organization, and it is
 * paused when (i / P + i) % P = 0: exactly one mentor in every P consecutive ones, rotating
 * through the chapters.
 */
function rosterSql(shape: ReadRosterShape) {
  const { organizations: o, chaptersPerOrganization: c, pausedOneIn: p } = shape;
  const indexInOrg = `((n - 1) / ${o})`;
  return {
    organizationOf: benchIdSql('organization', `(n - 1) % ${o} + 1`),
    chapterOf: benchIdSql('chapter', `((n - 1) % ${o}) * ${c} + ${indexInOrg} % ${c} + 1`),
    isPaused: `(${indexInOrg} / ${p} + ${indexInOrg}) % ${p} = 0`,
  };
}

/** Chapter number of chapter `c` (1-based) of organization `o`, as benchId('chapter', …) takes it. */
export function chapterNumber(shape: ReadRosterShape, organization: number, chapter: number) {
  return (organization - 1) * shape.chaptersPerOrganization + chapter;
}

/**
 * The read-path roster: organizations with chapters and one coordinator each, `mentors` peer
 * mentors (no login: imported from the CRM) each serving in one chapter, and one in
 * `pausedOneIn` paused by their coordinator. Mentors go in with a few large INSERT ... SELECT
 * statements, so the trigger that creates each status row runs as it would in production.
 * Pauses are set by the owner directly (with matching log rows), not through the RPC, for speed.
 */
export async function loadReadRoster(
  client: pg.Client,
  shape: ReadRosterShape,
  progress: (line: string) => void,
): Promise<LoadStep[]> {
  const steps: LoadStep[] = [];
  const timed = async (step: string, run: () => Promise<number>) => {
    const started = performance.now();
    const rows = await run();
    const seconds = (performance.now() - started) / 1000;
    steps.push({ step, rows, seconds });
    progress(`  ${step}: ${rows.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s`);
  };
  const sql = rosterSql(shape);
  const org = benchIdSql('organization', 'o');
  const coordinator = benchIdSql('coordinatorUser', 'o');
  const rowCount = (result: pg.QueryResult) => result.rowCount ?? 0;

  await timed('organizations, chapters, coordinators', async () => {
    let rows = 0;
    const orgs = [shape.organizations];
    rows += rowCount(
      await client.query(
        `insert into public.organizations (id, name)
         select ${org}, 'Benchmark organization ' || o from generate_series(1, $1::bigint) o`,
        orgs,
      ),
    );
    rows += rowCount(
      await client.query(
        `insert into public.chapters (id, organization_id, name)
         select ${benchIdSql('chapter', `(o - 1) * ${shape.chaptersPerOrganization} + c`)}, ${org},
                'Chapter ' || c
         from generate_series(1, $1::bigint) o, generate_series(1, $2::bigint) c`,
        [shape.organizations, shape.chaptersPerOrganization],
      ),
    );
    rows += rowCount(
      await client.query(
        `insert into auth.users (id, email)
         select ${coordinator}, 'coordinator-' || o || '@bench.invalid'
         from generate_series(1, $1::bigint) o`,
        orgs,
      ),
    );
    rows += rowCount(
      await client.query(
        `insert into public.organization_members (organization_id, user_id, role)
         select ${org}, ${coordinator}, 'coordinator' from generate_series(1, $1::bigint) o`,
        orgs,
      ),
    );
    // Each coordinator covers their organization's first chapter (and may list any chapter).
    rows += rowCount(
      await client.query(
        `insert into public.coordinator_chapters (user_id, chapter_id)
         select ${coordinator}, ${benchIdSql('chapter', `(o - 1) * ${shape.chaptersPerOrganization} + 1`)}
         from generate_series(1, $1::bigint) o`,
        orgs,
      ),
    );
    return rows;
  });

  const batches: Array<[number, number]> = [];
  for (let first = 1; first <= shape.mentors; first += shape.batchSize) {
    batches.push([first, Math.min(shape.mentors, first + shape.batchSize - 1)]);
  }
  for (const [first, last] of batches) {
    await timed(`peer mentors ${first}–${last} (status rows by trigger)`, async () =>
      rowCount(
        await client.query(
          `insert into public.peer_mentors (id, organization_id, display_name)
           select ${benchIdSql('peerMentor', 'n')}, ${sql.organizationOf}, 'Mentor ' || n
           from generate_series($1::bigint, $2::bigint) n`,
          [first, last],
        ),
      ),
    );
  }
  for (const [first, last] of batches) {
    await timed(`mentor chapters ${first}–${last}`, async () =>
      rowCount(
        await client.query(
          `insert into public.peer_mentor_chapters (peer_mentor_id, chapter_id)
           select ${benchIdSql('peerMentor', 'n')}, ${sql.chapterOf}
           from generate_series($1::bigint, $2::bigint) n`,
          [first, last],
        ),
      ),
    );
  }

  await timed('pauses (owner update of peer_mentor_status + log rows)', async () => {
    await client.query('begin');
    const paused = await client.query(
      `update public.peer_mentor_status s
       set status = 'paused',
           reason_code = 'coordinator_decision',
           paused_at = now() - make_interval(days => (n % 90)::int, secs => (n % 86400)::int),
           paused_by = ${benchIdSql('coordinatorUser', `(n - 1) % ${shape.organizations} + 1`)},
           paused_by_role = 'coordinator',
           version = 1,
           updated_at = now()
       from generate_series(1, $1::bigint) n
       where ${sql.isPaused}
         and s.peer_mentor_id = ${benchIdSql('peerMentor', 'n')}`,
      [shape.mentors],
    );
    await client.query(
      `insert into public.peer_mentor_status_log (
         peer_mentor_id, organization_id, from_status, to_status, reason_code, actor_user_id,
         actor_role, version, created_at)
       select peer_mentor_id, organization_id, 'active', 'paused', reason_code, paused_by,
              'coordinator', version, paused_at
       from public.peer_mentor_status
       where status = 'paused'`,
    );
    await client.query('commit');
    return rowCount(paused);
  });

  // The steady state autovacuum would reach: no dead rows from the update, fresh statistics.
  await timed('vacuum (analyze)', async () => {
    await client.query('vacuum (analyze)');
    return 0;
  });
  return steps;
}
