/**
 * `pnpm bench:scheduler`: the nightly jobs at 1,000,000 mentors.
 *
 * Rosters (one organization, Europe/Oslo; every mentor has a status row and a certification):
 *   - 1,000,000 mentors: 1% whose certification expired (due tonight), 2% expired long ago and
 *     already paused for it (handled: the job must not look at them again), 0.5% on a vacation
 *     that ended yesterday, the rest valid for another year or more; plus two slices that
 *     expire later (1% for the Edge Function's night, 100 mentors for a small night);
 *   - 10,000 mentors with the same shares.
 * Scenarios, each a real run through the Node host (batches of 500, one transaction each):
 *   - certification expiry, 1M roster, 10,000 due; the same with the 10k roster (100 due); and
 *     the 1M roster on a night when only 100 are due: the cost follows the mentors that
 *     change, not the roster;
 *   - scheduled resume, 1M roster, 5,000 due;
 *   - certification expiry, 1M roster, 10,000 due, through the Edge Function under Deno, the
 *     caller re-invoking with the cursor until done: each invocation's wall time.
 * Targets (2-core machine): the 1M expiry run ≤ 60 s, no batch over 1 s, each Edge Function
 * invocation under 10 s. A missed target is reported, not fatal.
 *
 * Prints a table and writes <repo>/.bench-results/scheduler.json. Server: DATABASE_URL when set
 * (a superuser connection: the roster is loaded with triggers off; databases pm_bench_sched_*
 * are created and dropped on it), otherwise a throwaway cluster from the machine's binaries
 * (fsync off: the figures leave out disk flushes, about one per batch here).
 */
import { randomUUID } from 'node:crypto';
import {
  atMost,
  type ExplainCapture,
  explain,
  metric,
  postgresFacts,
  type ScenarioFigures,
  startBench,
} from '@peer-mentor/bench';
import { createDb, type Db, readEnv, startLocalCluster } from '@peer-mentor/db';
import { createTemplateDatabase, dropDatabase } from '@peer-mentor/db/testing';
import { readSchedulerEnv } from '../src/env.js';
import { serveNightlyFunctionLocally } from '../src/hosts/edge-function/serve-locally.js';
import {
  type BatchReport,
  type NightlyJob,
  type NightlyResponse,
  runNightlyJobs,
} from '../src/index.js';

const BIG = 1_000_000;
const SMALL = 10_000;
const BATCH_SIZE = 500;
const TARGET_TOTAL_S = 60;
const TARGET_BATCH_MS = 1_000;
const TARGET_INVOCATION_MS = 10_000;
const bench = startBench({
  name: 'scheduler',
  title: 'Scheduler benchmark (Node host unless noted; batches of 500, one transaction each)',
});
const { progress } = bench;
const count = (value: number) => Math.round(value).toLocaleString('en-US');

interface Roster {
  db: Db;
  url: string;
  organizationId: string;
  today: string;
  mentors: number;
}

/*
 * Mentor n (1..N) gets, by n % 10000:
 *   0..99      certification expired 1..30 days ago: due tonight (1%)
 *   100..299   expired 100..399 days ago, already handled, paused for it (2%)
 *   300..349   a vacation pause whose expected end was yesterday (0.5%)
 *   350..449   expires in 5..14 days: due on the Edge Function's night, today + 30 (1%)
 *   everything else: valid until 400..1099 days from now
 * and on the big roster mentors 5,001..5,100 (from the last band) expire in 45 days: the 100
 * due on the quiet night, today + 60.
 */
async function loadRoster(url: string, mentors: number): Promise<Roster> {
  const db = createDb(url, { maxConnections: 4 });
  const client = await db.pool.connect();
  const organizationId = randomUUID();
  try {
    const { rows } = await client.query<{ today: string }>(
      `select (now() at time zone 'Europe/Oslo')::date::text as today`,
    );
    const today = rows[0]!.today;
    const timed = async (what: string, sql: string, params: unknown[]) => {
      const started = performance.now();
      const result = await client.query(sql, params);
      progress(
        `  ${what}: ${count(result.rowCount ?? 0)} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    };
    await client.query('begin');
    // Seed data goes in with triggers and foreign-key checks off (superuser): the status rows
    // and organization ids the triggers would write are written here directly.
    await client.query(`set local session_replication_role = replica`);
    await client.query(
      `insert into public.organizations (id, name) values ($1, 'Scheduler benchmark')`,
      [organizationId],
    );
    await timed(
      'peer_mentors',
      `insert into public.peer_mentors (id, organization_id, display_name)
       select md5('bench-mentor:' || n)::uuid, $1, 'Mentor ' || n from generate_series(1, $2::int) n`,
      [organizationId, mentors],
    );
    await timed(
      'peer_mentor_status',
      `insert into public.peer_mentor_status
         (peer_mentor_id, organization_id, status, reason_code, paused_at, paused_by_role, expected_end, version)
       select md5('bench-mentor:' || n)::uuid, $1,
              case when n % 10000 between 100 and 349 then 'paused' else 'active' end::public.pause_status,
              case when n % 10000 between 100 and 299 then 'certification_expired'
                   when n % 10000 between 300 and 349 then 'vacation' end::public.pause_reason_code,
              case when n % 10000 between 100 and 349 then now() - interval '20 days' end,
              case when n % 10000 between 100 and 299 then 'system'
                   when n % 10000 between 300 and 349 then 'org_admin' end::public.status_actor_role,
              case when n % 10000 between 300 and 349 then $3::date - 1 end,
              case when n % 10000 between 100 and 349 then 1 else 0 end
       from generate_series(1, $2::int) n`,
      [organizationId, mentors, today],
    );
    await timed(
      'peer_mentor_status_log (the seeded pauses)',
      `insert into public.peer_mentor_status_log
         (peer_mentor_id, organization_id, from_status, to_status, reason_code, actor_role, actor_user_id,
          version, created_at)
       select s.peer_mentor_id, s.organization_id, 'active', 'paused', s.reason_code, s.paused_by_role,
              case when s.paused_by_role <> 'system' then md5('bench-admin')::uuid end, 1, s.paused_at
       from public.peer_mentor_status s where s.status = 'paused'`,
      [],
    );
    await timed(
      'peer_mentor_certifications',
      `insert into public.peer_mentor_certifications
         (peer_mentor_id, organization_id, valid_until, expiry_handled_for, expiry_handled_on, expiry_outcome)
       select md5('bench-mentor:' || n)::uuid, $1, d.valid_until,
              case when handled then d.valid_until end,
              case when handled then d.valid_until + 1 end,
              case when handled then 'paused' end
       from generate_series(1, $2::int) n
       cross join lateral (
         select n % 10000 between 100 and 299 as handled,
                case
                  when n between 5001 and 5100 and $2::int >= 100000 then $3::date + 45
                  when n % 10000 < 100 then $3::date - 1 - (n % 30)
                  when n % 10000 between 100 and 299 then $3::date - 100 - (n % 300)
                  when n % 10000 between 350 and 449 then $3::date + 5 + (n % 10)
                  else $3::date + 400 + (n % 700)
                end as valid_until) d`,
      [organizationId, mentors, today],
    );
    await client.query('commit');
    const started = performance.now();
    await client.query(
      'vacuum analyze public.peer_mentors, public.peer_mentor_status, public.peer_mentor_certifications, public.peer_mentor_status_log',
    );
    progress(`  vacuum analyze in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return { db, url, organizationId, today, mentors };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const addDays = (date: string, days: number) => {
  const value = new Date(`${date}T00:00:00Z`);
  value.setUTCDate(value.getUTCDate() + days);
  return value.toISOString().slice(0, 10);
};

async function nodeScenario(
  roster: Roster,
  job: NightlyJob,
  runDate: string,
  totalTarget?: number,
): Promise<ScenarioFigures> {
  progress(`${job} on ${runDate}, ${count(roster.mentors)} mentors`);
  const batches: BatchReport[] = [];
  const started = performance.now();
  const result = await runNightlyJobs(
    roster.db.pool,
    readSchedulerEnv({}).nightly,
    { jobs: [job], runDate, host: 'bench', batchSize: BATCH_SIZE, rerun: true },
    {
      onBatch: (batch) => {
        batches.push(batch);
        if (batches.length % 10 === 0)
          progress(`  ${batches.length} batches, ${count(batch.run.mentorsChanged)} changed`);
      },
    },
  );
  const totalSeconds = (performance.now() - started) / 1000;
  // Without a time budget the run goes to the end; one that did not is no figure.
  if (!result.done) throw new Error(`${job} on ${runDate} stopped before the end`);
  const slowestBatchMs = Math.max(0, ...batches.map((batch) => batch.wallMs));
  progress(
    `  ${count(result.mentorsChanged)} changed in ${totalSeconds.toFixed(2)} s, slowest batch ${slowestBatchMs.toFixed(0)} ms`,
  );
  return {
    metrics: [
      metric('mentors changed', result.mentorsChanged, 'count'),
      metric('batches', result.batches, 'count'),
      metric('total time', totalSeconds, 's', totalTarget ? atMost(totalTarget) : undefined),
      metric('mentors changed/s', result.mentorsChanged / totalSeconds, 'rows/s'),
      metric('slowest batch', slowestBatchMs, 'ms', atMost(TARGET_BATCH_MS)),
      metric(
        'slowest batch in the database',
        Math.max(0, ...batches.map((batch) => batch.run.lastBatch.ms)),
        'ms',
      ),
      metric(
        'mean batch',
        batches.reduce((sum, batch) => sum + batch.wallMs, 0) / Math.max(1, batches.length),
        'ms',
      ),
      metric('errors', result.errors, 'count', atMost(0)),
    ],
    details: { roster: roster.mentors, job, runDate, result },
  };
}

/** The candidate scan of one batch at 1M, with its plan: which index, how many buffers. */
function candidatePlan(roster: Roster, runDate: string, label: string): Promise<ExplainCapture> {
  return explain(
    roster.db.pool,
    `select c.valid_until, c.peer_mentor_id
     from public.peer_mentor_certifications c
     where c.organization_id = $1
       and c.expiry_handled_for is distinct from c.valid_until
       and c.valid_until < $2::date
       and (c.valid_until, c.peer_mentor_id) > ('-infinity'::date, '00000000-0000-0000-0000-000000000000'::uuid)
     order by c.valid_until, c.peer_mentor_id
     limit ${BATCH_SIZE}`,
    [roster.organizationId, runDate],
    `${label} (${runDate})`,
  );
}

async function edgeScenario(roster: Roster, runDate: string): Promise<ScenarioFigures> {
  progress(`Edge Function (Deno): certification-expiry on ${runDate}, re-invoked with its cursor`);
  const key = randomUUID();
  const edge = await serveNightlyFunctionLocally({
    SUPABASE_DB_URL: roster.url,
    SUPABASE_SERVICE_ROLE_KEY: key,
  });
  const invocations: Array<{
    wallMs: number;
    batches: number;
    changed: number;
    elapsedMs: number;
  }> = [];
  const started = performance.now();
  let done = false;
  try {
    let body: Record<string, unknown> = {
      jobs: ['certification-expiry'],
      date: runDate,
      rerun: true,
    };
    for (let call = 0; call < 200 && !done; call += 1) {
      const callStarted = performance.now();
      const response = await fetch(edge.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response.status !== 200)
        throw new Error(`HTTP ${response.status}: ${await response.text()}`);
      const answer = (await response.json()) as NightlyResponse;
      const wallMs = performance.now() - callStarted;
      invocations.push({
        wallMs,
        batches: answer.batches,
        changed: answer.mentorsChanged,
        elapsedMs: answer.elapsedMs,
      });
      progress(
        `  invocation ${invocations.length}: ${answer.batches} batches, ${count(answer.mentorsChanged)} changed, ${wallMs.toFixed(0)} ms`,
      );
      done = answer.done;
      if (done) break;
      body = { cursor: answer.cursor };
    }
  } finally {
    await edge.stop();
  }
  if (!done) throw new Error(`not done after ${invocations.length} invocations`);
  const totalSeconds = (performance.now() - started) / 1000;
  const slowest = Math.max(...invocations.map((invocation) => invocation.wallMs));
  const changed = invocations.reduce((sum, invocation) => sum + invocation.changed, 0);
  return {
    metrics: [
      metric('invocations', invocations.length, 'count'),
      metric('mentors changed', changed, 'count'),
      metric('total time', totalSeconds, 's'),
      metric('mentors changed/s', changed / totalSeconds, 'rows/s'),
      metric('slowest invocation', slowest, 'ms', atMost(TARGET_INVOCATION_MS)),
    ],
    details: {
      roster: roster.mentors,
      runDate,
      invocations,
      settings: { batchSize: 500, maxBatchesPerCall: 20, timeBudgetMs: 5_000 },
    },
  };
}

async function main(): Promise<number> {
  const env = readEnv();
  progress('starting the database server');
  const cluster = env.DATABASE_URL ? undefined : await startLocalCluster({ binDir: env.PG_BINDIR });
  const adminUrl = env.DATABASE_URL ?? cluster!.url;
  const rosters: Roster[] = [];
  try {
    progress(
      'migrating pm_bench_sched_big and pm_bench_sched_small (platform layer + supabase db push)',
    );
    const bigUrl = await createTemplateDatabase(adminUrl, 'pm_bench_sched_big');
    const smallUrl = await createTemplateDatabase(adminUrl, 'pm_bench_sched_small');
    progress(`loading the ${count(BIG)}-mentor roster`);
    const big = await loadRoster(bigUrl, BIG);
    rosters.push(big);
    progress(`loading the ${count(SMALL)}-mentor roster`);
    const small = await loadRoster(smallUrl, SMALL);
    rosters.push(small);

    const plans: ExplainCapture[] = [];
    plans.push(await candidatePlan(big, big.today, 'tonight (10,000 due), before the run'));
    await bench.scenario('expiry, 1M roster, 1% due', () =>
      nodeScenario(big, 'certification-expiry', big.today, TARGET_TOTAL_S),
    );
    await bench.scenario('expiry, 10k roster, 1% due', () =>
      nodeScenario(small, 'certification-expiry', small.today),
    );
    await bench.scenario('resume, 1M roster, 0.5% due', () =>
      nodeScenario(big, 'scheduled-resume', big.today),
    );
    // Later nights on the same roster: 30 days on (the Edge Function), 60 days on (quiet).
    await bench.scenario('expiry via Edge Function (Deno), 1M roster', () =>
      edgeScenario(big, addDays(big.today, 30)),
    );
    const quietNight = addDays(big.today, 60);
    plans.push(
      await candidatePlan(big, quietNight, 'quiet night (100 due), right after two nights'),
    );
    // The nights above ran back to back: the 20,000 certifications they marked left dead
    // entries in the partial index, which autovacuum removes between real nights.
    await big.db.pool.query('vacuum analyze public.peer_mentor_certifications');
    plans.push(await candidatePlan(big, quietNight, 'quiet night (100 due), after vacuum'));
    await bench.scenario('expiry, 1M roster, 100 due', () =>
      nodeScenario(big, 'certification-expiry', quietNight),
    );
    await bench.scenario('candidate scan of one batch at 1M', async () => ({
      metrics: plans.map((plan) => metric(plan.label, plan.executionMs, 'ms')),
      details: {},
      explains: plans,
    }));

    const edge = bench.scenarios.find((scenario) => scenario.scenario.includes('Edge Function'));
    const invocations = (edge?.details.invocations ?? []) as Array<{
      wallMs: number;
      batches: number;
      changed: number;
    }>;
    const { exitCode } = bench.finish({
      settings: {
        batchSize: BATCH_SIZE,
        rosters: [BIG, SMALL],
        durability: env.DATABASE_URL ? 'server default' : 'fsync off (throwaway cluster)',
      },
      postgres: await postgresFacts(big.db.pool),
      note: 'shared machine; the database, the host and Deno run on it together',
      notes: [
        '',
        'Edge Function invocations (wall ms as the caller saw them):',
        ...invocations.map(
          (invocation, index) =>
            `  #${index + 1}: ${invocation.wallMs.toFixed(0)} ms, ${invocation.batches} batches, ${count(invocation.changed)} changed`,
        ),
        '',
        'candidate scan of one batch at 1M (EXPLAIN ANALYZE, BUFFERS):',
        ...plans.flatMap((plan) => [
          `  ${plan.label}: ${plan.rows} rows, ${plan.sharedHitBlocks + plan.sharedReadBlocks} buffers, ${plan.executionMs.toFixed(2)} ms`,
          ...plan.summary.map((line) => `    ${line}`),
        ]),
      ],
    });
    return exitCode;
  } finally {
    for (const roster of rosters) await roster.db.close();
    await dropDatabase(adminUrl, 'pm_bench_sched_big').catch(() => {});
    await dropDatabase(adminUrl, 'pm_bench_sched_small').catch(() => {});
    await cluster?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
