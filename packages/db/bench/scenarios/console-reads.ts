/**
 * The web console's reads at scale (apps/admin), each as the coordinator of organization 1
 * under RLS against the table owner running the same statements (no RLS):
 *
 *   - a chapter's roster page: `chapter_roster` filtered by chapter, ordered by name, the first
 *     page of 25 with `count=exact` (apps/admin/src/features/chapters/queries.ts);
 *   - a mentor's timeline: the status log by mentor, newest first, and the mentor's notes (need
 *     to know: the coordinator reads them for mentors of a chapter she covers), two requests
 *     as the console sends them (apps/admin/src/features/mentors/mentor-page.tsx).
 *
 * The statements are the ones the API's read grammar builds for those requests
 * (packages/api/src/features/read/read-sql.ts: one statement, the page and the exact count
 * over one CTE), with the ids inlined as pgbench substitutes them.
 */
import {
  atMost,
  type ExplainCapture,
  explain,
  type Metric,
  metric,
  type ScenarioFigures,
} from '@peer-mentor/bench';
import type pg from 'pg';
import { withCaller } from '../../src/caller.js';
import { checkpoint, withClient } from '../connection.js';
import { benchId, benchIdSql, ID_KEY_OFFSET, pgbenchUuid } from '../ids.js';
import { chapterNumber, type LoadStep, type ReadRosterShape } from '../load.js';
import type { BenchContext } from './context.js';
import { coordinatorClaims, ORGANIZATION, organizationId } from './read-path.js';
import { compareRlsToOwner, rlsAndOwnerMetrics, rlsAndOwnerScripts } from './rls-vs-owner.js';

/** The console's target: RLS costs at most 30% over the same statements as the owner. */
const RATIO_TARGET = atMost(1.3);
/** Transitions in the history of each active mentor of organization 1 (5 pauses, 5 resumes). */
const HISTORY_TRANSITIONS = 10;
const ROSTER_PAGE_SIZE = 25;

const ROSTER_COLUMNS = [
  'peer_mentor_id',
  'display_name',
  'status',
  'reason_code',
  'paused_at',
  'expected_end',
  'paused_by_role',
  'certification_valid_until',
];
const TIMELINE_COLUMNS = [
  'id',
  'version',
  'from_status',
  'to_status',
  'reason_code',
  'expected_end',
  'actor_user_id',
  'actor_role',
  'created_at',
];

const q = (name: string) => `"${name}"`;
const selectList = (relation: string, columns: readonly string[]) =>
  columns.map((column) => `${q(relation)}.${q(column)} as ${q(column)}`).join(', ');

/**
 * What the API runs for `GET /rest/v1/<relation>?select=…&<key>=eq.<value>&order=…` (with
 * `limit` and `Prefer: count=exact` when given): `value` is a SQL expression ($1, a literal).
 */
function readGrammarStatement(options: {
  relation: string;
  columns: readonly string[];
  key: string;
  value: string;
  order?: string;
  limit?: number;
  countExact?: boolean;
}): string {
  const { relation } = options;
  const total = options.countExact
    ? '(select pg_catalog.count(*) from _pgrst_source)'
    : 'null::int8';
  return (
    `with _pgrst_source as (select ${q(relation)}.* from "public".${q(relation)} as ${q(relation)} ` +
    `where ${q(relation)}.${q(options.key)} = ${options.value}) ` +
    `select ${total} as total, pg_catalog.count(*)::int as rows, ` +
    `(coalesce(pg_catalog.json_agg(_pgrst_t.*), '[]'))::text as body ` +
    `from (select ${selectList(relation, options.columns)} from _pgrst_source as ${q(relation)}` +
    `${options.order ? ` order by ${options.order}` : ''}` +
    `${options.limit === undefined ? '' : ` limit ${options.limit}`}) as _pgrst_t`
  );
}

/** The roster page: `.eq('chapter_id', …).order('display_name', nullsFirst: false).order('peer_mentor_id').range(0, 24)`, count exact. */
export const rosterPageStatement = (chapter: string) =>
  readGrammarStatement({
    relation: 'chapter_roster',
    columns: ROSTER_COLUMNS,
    key: 'chapter_id',
    value: chapter,
    order: `"chapter_roster"."display_name" asc nulls last, "chapter_roster"."peer_mentor_id" asc`,
    limit: ROSTER_PAGE_SIZE,
    countExact: true,
  });

/** The timeline: `.eq('peer_mentor_id', …).order('created_at', desc).order('id', desc)`. */
export const timelineStatement = (mentor: string) =>
  readGrammarStatement({
    relation: 'peer_mentor_status_log',
    columns: TIMELINE_COLUMNS,
    key: 'peer_mentor_id',
    value: mentor,
    order: `"peer_mentor_status_log"."created_at" desc, "peer_mentor_status_log"."id" desc`,
  });

/** The timeline's notes: `.from('peer_mentor_status_notes').select('version, note').eq('peer_mentor_id', …)`. */
export const notesStatement = (mentor: string) =>
  readGrammarStatement({
    relation: 'peer_mentor_status_notes',
    columns: ['version', 'note'],
    key: 'peer_mentor_id',
    value: mentor,
  });

/**
 * Mentors of organization 1's first chapter (the one its coordinator covers): mentor n is in
 * organization ((n - 1) % O) + 1 and chapter ((n - 1) / O) % C + 1 of it (see load.ts), so
 * these are n = 1 + O·C·j.
 */
function coveredMentors(shape: ReadRosterShape) {
  const stride = shape.organizations * shape.chaptersPerOrganization;
  return { stride, count: Math.floor((shape.mentors - 1) / stride) + 1 };
}

/**
 * What the console shows beside statuses: a certification for every mentor (about one in
 * eight expired); for every active mentor of organization 1 a history of ten transitions by
 * its coordinator; a note on every pause in organization 1. Written by the owner directly, for speed.
 */
export async function loadConsoleData(
  context: BenchContext,
  url: string,
): Promise<ScenarioFigures> {
  const steps: LoadStep[] = [];
  await withClient(url, async (client) => {
    const timed = async (step: string, sql: string, params: unknown[] = []) => {
      const started = performance.now();
      const result = await client.query(sql, params);
      const seconds = (performance.now() - started) / 1000;
      steps.push({ step, rows: result.rowCount ?? 0, seconds });
      context.progress(
        `  ${step}: ${(result.rowCount ?? 0).toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s`,
      );
    };
    // The id's last group is 100000000000 + n (ids.ts).
    const mentorNumber = `(right(m.id::text, 12)::bigint - ${ID_KEY_OFFSET})`;
    await timed(
      'certifications',
      `insert into public.peer_mentor_certifications (peer_mentor_id, organization_id, valid_until)
       select m.id, m.organization_id, current_date - 100 + ((${mentorNumber} * 7919) % 800)::int
       from public.peer_mentors m`,
    );
    await client.query('begin');
    const history = `from public.peer_mentor_status s
       cross join generate_series(1, ${HISTORY_TRANSITIONS}) k
       where s.organization_id = $1 and s.status = 'active' and s.version = 0`;
    await timed(
      'status log history (organization 1, active mentors)',
      `insert into public.peer_mentor_status_log (
         peer_mentor_id, organization_id, from_status, to_status, reason_code, actor_user_id,
         actor_role, version, created_at)
       select s.peer_mentor_id, s.organization_id,
              case when k % 2 = 1 then 'active' else 'paused' end::public.pause_status,
              case when k % 2 = 1 then 'paused' else 'active' end::public.pause_status,
              case when k % 2 = 1
                then (array['personal', 'health', 'vacation', 'other', 'coordinator_decision'])[(k + 1) / 2]
              end::public.pause_reason_code,
              ${benchIdSql('coordinatorUser', String(ORGANIZATION))}, 'coordinator', k,
              now() - interval '400 days' + k * interval '30 days'
                + make_interval(secs => (right(s.peer_mentor_id::text, 12)::bigint % 86400)::int)
       ${history}`,
      [organizationId],
    );
    await timed(
      'status notes (every pause in organization 1)',
      `insert into public.peer_mentor_status_notes (peer_mentor_id, version, organization_id, note, created_at)
       select l.peer_mentor_id, l.version, l.organization_id, 'Benchmark note for pause ' || l.version, l.created_at
       from public.peer_mentor_status_log l
       where l.organization_id = $1 and l.to_status = 'paused'`,
      [organizationId],
    );
    await timed(
      'status versions of those mentors',
      `update public.peer_mentor_status s set version = ${HISTORY_TRANSITIONS}
       where s.organization_id = $1 and s.status = 'active' and s.version = 0`,
      [organizationId],
    );
    await client.query('commit');
    await timed(
      'vacuum (analyze) of the console tables',
      'vacuum (analyze) public.peer_mentor_certifications, public.peer_mentor_status_log, public.peer_mentor_status_notes, public.peer_mentor_status',
    );
  });
  const checkpointed = await checkpoint(url);
  const seconds = steps.reduce((sum, step) => sum + step.seconds, 0);
  return {
    metrics: [
      metric('total load time', seconds, 's'),
      metric('certifications', steps[0]?.rows ?? 0, 'count'),
      metric('status log history rows', steps[1]?.rows ?? 0, 'count'),
    ],
    details: { steps, historyTransitions: HISTORY_TRANSITIONS, checkpointAfterLoad: checkpointed },
  };
}

/**
 * Runs each statement once as the coordinator and once as the owner, checks that both see the
 * same result (the comparison is only fair if RLS hides nothing here), and captures each plan.
 * The first execution plans and warms the cache; the captured one is the second.
 */
async function sameResultAndPlans(
  client: pg.Client,
  statements: ReadonlyArray<{ label: string; sql: string; params: unknown[] }>,
) {
  const results: Array<{ label: string; total: string | null; rows: number }> = [];
  const explains: ExplainCapture[] = [];
  // The single plans beside the timed runs: where RLS time goes. The policies' helper calls
  // are InitPlans; so is the exact count (it reads the CTE), in the owner's plan as well.
  const metrics: Metric[] = [];
  for (const { label, sql, params } of statements) {
    type Row = { total: string | null; rows: number; body: string };
    const asCoordinator = await withCaller(
      client,
      coordinatorClaims,
      async (caller) => (await caller.query<Row>(sql, params)).rows[0]!,
      { readOnly: true },
    );
    const asOwner = (await client.query<Row>(sql, params)).rows[0]!;
    if (asCoordinator.body !== asOwner.body || asCoordinator.total !== asOwner.total) {
      throw new Error(
        `${label}: the coordinator sees ${asCoordinator.rows} rows (total ${asCoordinator.total}), the owner ${asOwner.rows} (total ${asOwner.total})`,
      );
    }
    if (asOwner.rows === 0) throw new Error(`${label}: no rows to read`);
    results.push({ label, total: asOwner.total, rows: asOwner.rows });
    const rlsPlan = await withCaller(
      client,
      coordinatorClaims,
      (caller) => explain(caller, sql, params, `${label}, as the coordinator (RLS)`),
      { readOnly: true },
    );
    const ownerPlan = await explain(client, sql, params, `${label}, as the owner (no RLS)`);
    explains.push(rlsPlan, ownerPlan);
    metrics.push(
      metric(`${label}: EXPLAIN ANALYZE, RLS`, rlsPlan.executionMs, 'ms'),
      metric(`${label}: of which InitPlans, RLS`, rlsPlan.initPlanMs, 'ms'),
      metric(`${label}: EXPLAIN ANALYZE, owner`, ownerPlan.executionMs, 'ms'),
      metric(`${label}: of which InitPlans, owner`, ownerPlan.initPlanMs, 'ms'),
    );
  }
  return { results, explains, metrics };
}

/** The roster page's pgbench scripts: a random chapter of organization 1 each transaction. */
export function rosterPageScripts(shape: ReadRosterShape) {
  const page = rosterPageStatement(pgbenchUuid('chapter', 'chapter_key'));
  const firstChapter = chapterNumber(shape, ORGANIZATION, 1);
  return rlsAndOwnerScripts(coordinatorClaims, { rls: [page], owner: [page] }, [
    `\\set chapter_key ${ID_KEY_OFFSET + firstChapter} + random(0, ${shape.chaptersPerOrganization - 1})`,
  ]);
}

/**
 * The timeline's pgbench scripts, a random mentor of the coordinator's chapter each time:
 * `requests` picks the log, the notes or (default) both, each request its own transaction.
 */
export function timelineScripts(
  shape: ReadRosterShape,
  requests: readonly ('log' | 'notes')[] = ['log', 'notes'],
) {
  const mentors = coveredMentors(shape);
  const mentor = pgbenchUuid('peerMentor', 'mentor_key');
  const statements = requests.map((request) =>
    request === 'log' ? timelineStatement(mentor) : notesStatement(mentor),
  );
  return rlsAndOwnerScripts(coordinatorClaims, { rls: statements, owner: statements }, [
    `\\set j random(0, ${mentors.count - 1})`,
    `\\set mentor_key ${ID_KEY_OFFSET + 1} + ${mentors.stride} * :j`,
  ]);
}

/** A chapter's roster page (25 of ~500 mentors, with the exact count), a random chapter of organization 1 each call. */
export async function runRosterPage(
  context: BenchContext,
  url: string,
  shape: ReadRosterShape,
  rounds: number,
): Promise<ScenarioFigures> {
  const firstChapter = chapterNumber(shape, ORGANIZATION, 1);
  const checked = await withClient(url, (client) =>
    sameResultAndPlans(client, [
      {
        label: 'roster page',
        sql: rosterPageStatement('$1'),
        params: [benchId('chapter', firstChapter)],
      },
    ]),
  );
  const scripts = rosterPageScripts(shape);
  const compared = await compareRlsToOwner(context, url, 'console roster page', scripts, rounds);
  const checkedPage = checked.results[0]!;
  return {
    metrics: [
      metric('mentors in the chapter (count=exact)', Number(checkedPage.total), 'count'),
      metric('rows per page', checkedPage.rows, 'count'),
      ...rlsAndOwnerMetrics(compared, RATIO_TARGET),
      ...checked.metrics,
    ],
    details: {
      organizationId,
      statement: rosterPageStatement('$1'),
      ...compared,
      scripts,
    },
    explains: checked.explains,
  };
}

/** A mentor's timeline (log and notes, two requests), a random mentor of the coordinator's chapter each call. */
export async function runTimeline(
  context: BenchContext,
  url: string,
  shape: ReadRosterShape,
  rounds: number,
): Promise<ScenarioFigures> {
  const mentors = coveredMentors(shape);
  // The second covered mentor: active, with the whole history (the first is paused).
  const firstMentor = benchId('peerMentor', 1 + mentors.stride);
  const checked = await withClient(url, (client) =>
    sameResultAndPlans(client, [
      { label: 'timeline: status log', sql: timelineStatement('$1'), params: [firstMentor] },
      { label: 'timeline: notes', sql: notesStatement('$1'), params: [firstMentor] },
    ]),
  );
  const scripts = timelineScripts(shape);
  const compared = await compareRlsToOwner(context, url, 'console timeline', scripts, rounds);
  const [log, notes] = checked.results;
  return {
    metrics: [
      metric('log rows of a mentor', log?.rows ?? 0, 'count'),
      metric('notes of a mentor', notes?.rows ?? 0, 'count'),
      ...rlsAndOwnerMetrics(compared, RATIO_TARGET),
      ...checked.metrics,
    ],
    details: {
      organizationId,
      mentorsRead: mentors.count,
      statements: { log: timelineStatement('$1'), notes: notesStatement('$1') },
      ...compared,
      scripts,
    },
    explains: checked.explains,
  };
}
