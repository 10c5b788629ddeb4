import { atMost, latencyMetrics, metric, type ScenarioFigures } from '@peer-mentor/bench';
import type pg from 'pg';
import { withCaller } from '../../src/caller.js';
import { checkpoint, withClient } from '../connection.js';
import { benchId, ID_KEY_OFFSET, pgbenchUuid } from '../ids.js';
import { chapterNumber, type LoadStep, loadReadRoster, type ReadRosterShape } from '../load.js';
import { runPgbench } from '../pgbench.js';
import { benchClaims, pgbenchScript, postgrestTransaction, sqlLiteral } from '../scripts.js';
import { type BenchContext, pgbenchRun } from './context.js';
import { compareRlsToOwner, rlsAndOwnerMetrics, rlsAndOwnerScripts } from './rls-vs-owner.js';

/** The reads (here and in console-reads.ts) run as the coordinator of organization 1. */
export const ORGANIZATION = 1;
export const organizationId = benchId('organization', ORGANIZATION);
/** The claims every bench read sends: organization 1's coordinator (console-reads.ts too). */
export const coordinatorClaims = benchClaims(
  benchId('coordinatorUser', ORGANIZATION),
  organizationId,
);

/** A pgbench script: `prelude`, then `statement` in a PostgREST read transaction as the coordinator. */
export function coordinatorReadScript(statement: string, prelude: readonly string[] = []): string {
  return pgbenchScript([
    ...prelude,
    ...postgrestTransaction(coordinatorClaims, [`${statement};`], { readOnly: true }),
  ]);
}

const PAUSED_STATUSES_UNDER_RLS =
  "select peer_mentor_id, reason_code, paused_at from public.peer_mentor_status where status = 'paused'";
const PAUSED_STATUSES_AS_OWNER = `select peer_mentor_id, reason_code, paused_at from public.peer_mentor_status where organization_id = ${sqlLiteral(organizationId)} and status = 'paused'`;

const explainSql = (query: string) => `explain (analyze, buffers, format text) ${query}`;
const planLines = (result: pg.QueryResult) =>
  result.rows.map((row: Record<string, string>) => row['QUERY PLAN'] ?? '');

/** EXPLAIN (ANALYZE, BUFFERS) as the coordinator, in a PostgREST-style transaction. */
function explainAsCoordinator(client: pg.Client, query: string): Promise<string[]> {
  return withCaller(client, coordinatorClaims, async (caller) =>
    planLines(await caller.query(explainSql(query))),
  );
}

async function rowCountAsCoordinator(client: pg.Client, query: string): Promise<number> {
  return withCaller(
    client,
    coordinatorClaims,
    async (caller) => (await caller.query(query)).rowCount ?? 0,
  );
}

/**
 * The plans of the statements inside a PL/pgSQL function call that match `wanted`, as the
 * coordinator. EXPLAIN of the call shows only a Function Scan, so this uses auto_explain, whose
 * LOG lines `client_min_messages = log` sends to this client. Loading it needs a superuser;
 * returns null where that is not allowed (e.g. a hosted DATABASE_URL).
 */
async function explainInsideFunction(
  client: pg.Client,
  call: string,
  wanted: (queryText: string) => boolean,
): Promise<string[] | null> {
  try {
    await client.query("load 'auto_explain'");
  } catch {
    return null;
  }
  const settings = {
    'auto_explain.log_min_duration': '0',
    'auto_explain.log_analyze': 'on',
    'auto_explain.log_buffers': 'on',
    'auto_explain.log_nested_statements': 'on',
    client_min_messages: 'log',
  };
  for (const [name, value] of Object.entries(settings)) {
    await client.query('select set_config($1, $2, false)', [name, value]);
  }
  const plans: string[] = [];
  const collect = (message: { message?: string | undefined }) => {
    if (message.message && /Query Text:/.test(message.message) && wanted(message.message)) {
      plans.push(message.message);
    }
  };
  client.on('notice', collect);
  try {
    await withCaller(client, coordinatorClaims, (caller) => caller.query(call));
  } finally {
    client.off('notice', collect);
    for (const name of Object.keys(settings)) await client.query(`reset ${name}`);
  }
  return plans.flatMap((plan) => plan.split('\n'));
}

/** Loads the read-path roster; its load time is a figure of its own. */
export async function loadReadPath(
  context: BenchContext,
  url: string,
  shape: ReadRosterShape,
): Promise<ScenarioFigures> {
  context.progress(
    `read path: loading ${shape.mentors.toLocaleString('en-US')} mentors in ${shape.organizations} organizations`,
  );
  const steps: LoadStep[] = await withClient(url, (client) =>
    loadReadRoster(client, shape, context.progress),
  );
  const checkpointed = await checkpoint(url);
  const seconds = (filter: (step: LoadStep) => boolean) =>
    steps.filter(filter).reduce((sum, step) => sum + step.seconds, 0);
  const totalSeconds = seconds(() => true);
  const mentorSeconds = seconds((step) => step.step.startsWith('peer mentors'));
  const paused = steps.find((step) => step.step.startsWith('pauses'))?.rows ?? 0;
  return {
    metrics: [
      metric('total load time', totalSeconds, 's'),
      metric('peer_mentors insert (status trigger per row)', mentorSeconds, 's'),
      metric('mentors inserted/s (with status rows)', shape.mentors / mentorSeconds, 'rows/s'),
      metric('paused mentors', paused, 'count'),
    ],
    details: { shape, steps, checkpointAfterLoad: checkpointed },
  };
}

/** The paused-status read's pgbench scripts: the coordinator under RLS, the owner without. */
export const statusReadScripts = () =>
  rlsAndOwnerScripts(coordinatorClaims, {
    rls: [PAUSED_STATUSES_UNDER_RLS],
    owner: [PAUSED_STATUSES_AS_OWNER],
  });

/**
 * A coordinator reading their organization's paused statuses under RLS, against the table owner
 * running the same filter with the organization spelled out (no RLS). Both transactions have the
 * same shape (begin read only, set the claims, the query, commit); only the role differs. The
 * two alternate in rounds (comparePgbench), so neither gets the quieter half of the run.
 */
export async function runStatusReads(
  context: BenchContext,
  url: string,
  rounds: number,
): Promise<ScenarioFigures> {
  // Also warms the cache before either timed run.
  const plans = await withClient(url, async (client) => {
    const rlsRows = await rowCountAsCoordinator(client, PAUSED_STATUSES_UNDER_RLS);
    const ownerRows = (await client.query(PAUSED_STATUSES_AS_OWNER)).rowCount ?? 0;
    if (rlsRows !== ownerRows || rlsRows === 0) {
      throw new Error(`the coordinator sees ${rlsRows} paused statuses, the owner ${ownerRows}`);
    }
    return {
      rowsPerRead: rlsRows,
      rls: await explainAsCoordinator(client, PAUSED_STATUSES_UNDER_RLS),
      owner: planLines(await client.query(explainSql(PAUSED_STATUSES_AS_OWNER))),
    };
  });

  const scripts = statusReadScripts();
  const compared = await compareRlsToOwner(
    context,
    url,
    'read path: paused statuses',
    scripts,
    rounds,
  );

  return {
    metrics: [
      metric('rows per read', plans.rowsPerRead, 'count'),
      ...rlsAndOwnerMetrics(compared, atMost(1.2)),
    ],
    details: {
      organizationId,
      queries: { rls: PAUSED_STATUSES_UNDER_RLS, owner: PAUSED_STATUSES_AS_OWNER },
      plans: { rls: plans.rls, owner: plans.owner },
      ...compared,
      scripts,
    },
  };
}

/** The call for a chapter: `chapter` is a SQL expression (a literal, or pgbenchUuid). */
const chapterCall = (chapter: string) =>
  `select * from public.get_active_pauses_for_chapter(p_organization_id => ${sqlLiteral(organizationId)}, p_chapter_id => ${chapter})`;

/** The chapter list's pgbench script: the coordinator, a random chapter of her organization each call. */
export function chapterPausesScript(shape: ReadRosterShape): string {
  const firstChapterKey = ID_KEY_OFFSET + chapterNumber(shape, ORGANIZATION, 1);
  return coordinatorReadScript(chapterCall(pgbenchUuid('chapter', 'chapter_key')), [
    `\\set chapter_key ${firstChapterKey} + random(0, ${shape.chaptersPerOrganization - 1})`,
  ]);
}

/** get_active_pauses_for_chapter as the coordinator, a random chapter of the organization each call. */
export async function runChapterPauses(
  context: BenchContext,
  url: string,
  shape: ReadRosterShape,
): Promise<ScenarioFigures> {
  const firstChapterId = benchId('chapter', chapterNumber(shape, ORGANIZATION, 1));
  const explained = await withClient(url, async (client) => {
    const perChapter = await client.query<{ min: number; avg: number; max: number }>(
      `select min(n)::int as min, avg(n)::float8 as avg, max(n)::int as max
       from (select c.id, count(s.peer_mentor_id) as n
             from public.chapters c
             left join public.peer_mentor_chapters pmc on pmc.chapter_id = c.id
             left join public.peer_mentor_status s
               on s.peer_mentor_id = pmc.peer_mentor_id and s.status = 'paused'
             where c.organization_id = $1
             group by c.id) per_chapter`,
      [organizationId],
    );
    // The first call in a session also plans; the second shows the steady state.
    await explainInsideFunction(client, chapterCall(sqlLiteral(firstChapterId)), () => false);
    return {
      pausedPerChapter: perChapter.rows[0],
      listQueryPlan: await explainInsideFunction(
        client,
        chapterCall(sqlLiteral(firstChapterId)),
        (queryText) =>
          /from (public\.peer_mentor_chapters|private\.paused_mentor_chapters)/i.test(queryText),
      ),
    };
  });

  const script = chapterPausesScript(shape);
  context.progress(
    `read path: get_active_pauses_for_chapter as the coordinator, ${context.durationSeconds} s`,
  );
  const run = await runPgbench({
    ...pgbenchRun(context),
    databaseUrl: url,
    workload: { kind: 'script', name: 'chapter-pauses', text: script },
  });
  return {
    metrics: [
      metric('transactions/s', run.summary.tps, 'tx/s'),
      ...latencyMetrics('', run.latency, { comparison: '<=', limit: 2 }),
      metric('latency p99', run.latency.p99Ms, 'ms'),
    ],
    details: {
      organizationId,
      pausedPerChapter: explained.pausedPerChapter,
      plans: {
        note: 'The list query inside the function, as the coordinator, first chapter, second call in the session (auto_explain; null when it cannot be loaded).',
        listQuery: explained.listQueryPlan,
      },
      run,
      script,
    },
  };
}
