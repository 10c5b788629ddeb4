/**
 * `pnpm bench:sync`: outbox dispatch to Dataverse, as on the first switch-on after launch.
 *
 * 10,000 status changes (2,000 mentors × 5 transitions, written through the RPCs) wait in the
 * outbox; one dispatcher, built from the environment exactly as `dispatch` builds it, sends
 * them to the fake Dataverse server, which answers every Web API request after 50 ms. Only the
 * newest version of each mentor is sent (the older ones are superseded), so 2,000 writes.
 *
 * Two scenarios:
 *   limited    the strict fake with Dataverse's service protection limits (6,000 requests and
 *              1,200 s of execution per 5 minutes, 52 concurrent) and the default shared pace;
 *              targets: no 429, every mentor's record at its newest version, and the elapsed
 *              time within 1 / 0.8 of the least this process's concurrency cap allows;
 *   unlimited  no limits and no pacing (the earlier benchmark's setting), for comparison.
 * The least time the limits themselves allow (52 concurrent requests, the request and
 * execution budgets of the window) is reported beside it.
 *
 * Prints a table and writes <repo>/.bench-results/sync.json. A missed target is reported,
 * not fatal. Server: a throwaway cluster from the machine's binaries.
 */
import {
  atLeast,
  atMost,
  metric,
  postgresFacts,
  ratioMetric,
  type ScenarioFigures,
  startBench,
} from '@peer-mentor/bench';
import { createDb, type Db, serviceRoleClaims, withCaller } from '@peer-mentor/db';
import { createTemplateDatabase, dropDatabase, startTestServer } from '@peer-mentor/db/testing';
import {
  createDynamicsPortalClient,
  type DataverseWebApiClient,
  type DynamicsPortalClient,
  silentLogger,
} from '@peer-mentor/dynamics-client';
import {
  dataverseLimits,
  FakeDataverseServer,
  type ServiceProtectionLimits,
} from '@peer-mentor/dynamics-client/testing';
import { readSchedulerEnv } from '../src/env.js';
import { createDispatcher } from '../src/hosts/node/dispatch.js';

const MENTORS = 2_000;
const TRANSITIONS_PER_MENTOR = 5;
const EVENTS = MENTORS * TRANSITIONS_PER_MENTOR;
const LATENCY_MS = 50;
const TARGET_RATIO = 0.8;
const DATABASE = 'pm_bench_sync';
const bench = startBench({
  name: 'sync',
  title: `Sync benchmark: ${EVENTS} events over ${MENTORS} mentors → fake Dataverse, ${LATENCY_MS} ms per request`,
});
const { progress } = bench;

/** Counts answered pushes, for progress. */
function counted(client: DynamicsPortalClient, answered: { count: number }): DynamicsPortalClient {
  return {
    adapter: client.adapter,
    checkHealth: (options) => client.checkHealth(options),
    async pushStatusChange(change, options) {
      try {
        return await client.pushStatusChange(change, options);
      } finally {
        answered.count += 1;
      }
    },
  };
}

/** 2,000 mentors with 5 transitions each; their contacts exist in the CRM. */
async function writeChanges(db: Db, fake: FakeDataverseServer): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string }>(
    `insert into public.organizations (name) values ('Sync bench') returning id`,
  );
  const organizationId = rows[0]!.id;
  const mentors = await db.pool.query<{ id: string }>(
    `insert into public.peer_mentors (organization_id, display_name)
     select $1, 'Mentor ' || n from generate_series(1, $2) as n returning id`,
    [organizationId, MENTORS],
  );
  for (let round = 1; round <= TRANSITIONS_PER_MENTOR; round += 1) {
    const rpc =
      round % 2 === 1
        ? `public.activate_pause(m.id, $1, 'health')`
        : 'public.deactivate_pause(m.id, $1)';
    await withCaller(db.pool, serviceRoleClaims, (client) =>
      client.query(`select count(${rpc}) from public.peer_mentors m where m.organization_id = $1`, [
        organizationId,
      ]),
    );
  }
  const ids = mentors.rows.map((row) => row.id);
  for (const id of ids) fake.createRecord(id);
  return ids;
}

/** The least time `requests` requests of `latencyMs` take under the limits themselves. */
function leastTimeUnderLimits(requests: number, limits: ServiceProtectionLimits): number {
  const concurrency = (requests * LATENCY_MS) / limits.concurrent;
  const windows = (budget: number, need: number) =>
    need <= budget ? 0 : Math.ceil(need / budget - 1) * limits.windowMs;
  return Math.max(
    concurrency,
    windows(limits.requests, requests),
    windows(limits.executionMs, requests * LATENCY_MS),
  );
}

interface Scenario {
  name: 'limited' | 'unlimited';
  limits: ServiceProtectionLimits | false;
  env: Record<string, string>;
}

async function runScenario(url: string, scenario: Scenario): Promise<ScenarioFigures> {
  const fake = await FakeDataverseServer.start({
    latencyMs: LATENCY_MS,
    limits: scenario.limits === false ? false : scenario.limits,
  });
  try {
    const db = createDb(url, { maxConnections: 4 });
    let mentorIds: string[];
    try {
      await db.pool.query(
        `truncate private.status_change_outbox, private.dynamics_record_etags;
         update private.dynamics_send_pace set rate = null, tokens = null, refreshed_at = now(),
                                               slowed_until = '-infinity'`,
      );
      progress(
        `${scenario.name}: writing ${EVENTS} status changes (${MENTORS} × ${TRANSITIONS_PER_MENTOR})`,
      );
      mentorIds = await writeChanges(db, fake);
    } finally {
      await db.close();
    }

    // The dispatcher exactly as `dispatch` builds it from the environment.
    const env = readSchedulerEnv({ ...fake.env(), ...scenario.env, DATABASE_URL: url });
    const portal = createDynamicsPortalClient(env.dynamics, {
      logger: silentLogger,
    }) as DataverseWebApiClient;
    const answered = { count: 0 };
    const dispatchDb = createDb(url, { maxConnections: env.dispatch.concurrency + 2 });
    const dispatcher = createDispatcher(
      env,
      dispatchDb.pool,
      counted(portal, answered),
      silentLogger,
    );
    progress(
      `${scenario.name}: dispatching (concurrency ${env.dispatch.concurrency}, pace ${
        env.dispatch.pace
          ? `${env.dispatch.pace.maxRatePerSecond}/s, burst ${env.dispatch.pace.burst}`
          : 'off'
      }, ${LATENCY_MS} ms per request)`,
    );
    const ticker = setInterval(
      () => progress(`${scenario.name}: ${answered.count} pushes answered`),
      2_000,
    );
    const started = performance.now();
    let summary: Awaited<ReturnType<typeof dispatcher.runOnce>>;
    try {
      // Rounds until nothing is left to send (a pause for pacing or throttling ends a round).
      summary = await dispatcher.runOnce();
      for (;;) {
        const left = await dispatchDb.pool.query<{ n: number }>(
          `select count(*)::int as n from private.status_change_outbox
           where delivered_at is null and superseded_at is null and parked_at is null`,
        );
        if (left.rows[0]!.n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, Math.max(50, dispatcher.pausedForMs)));
        const round = await dispatcher.runOnce();
        for (const key of Object.keys(summary) as (keyof typeof summary)[])
          summary[key] += round[key];
      }
    } finally {
      clearInterval(ticker);
    }
    const seconds = (performance.now() - started) / 1000;

    const { rows } = await dispatchDb.pool.query<{
      delivered: number;
      superseded: number;
      other: number;
      newest: Array<{ peer_mentor_id: string; event_id: string; status: string }>;
    }>(
      `select count(*) filter (where delivered_at is not null)::int as delivered,
              count(*) filter (where superseded_at is not null)::int as superseded,
              count(*) filter (where delivered_at is null and superseded_at is null)::int as other,
              coalesce(jsonb_agg(jsonb_build_object('peer_mentor_id', peer_mentor_id,
                                                    'event_id', event_id,
                                                    'status', payload ->> 'status'))
                         filter (where status_version = ${TRANSITIONS_PER_MENTOR}), '[]') as newest
       from private.status_change_outbox`,
    );
    await dispatchDb.close();
    const { delivered, superseded, other, newest } = rows[0]!;
    const { fields } = fake.mapping;
    const correct = newest.filter((event) => {
      const record = fake.record(event.peer_mentor_id);
      return (
        record?.[fields.version] === TRANSITIONS_PER_MENTOR &&
        record[fields.eventId] === event.event_id &&
        record[fields.status] === event.status
      );
    }).length;
    const requests = fake.requests.length;
    const throttled = fake.requests.filter((request) => request.status === 429).length;
    const cap = portal.concurrency.effective;
    const leastAtCapSeconds = (requests * LATENCY_MS) / cap / 1000;
    const leastUnderLimitsSeconds =
      leastTimeUnderLimits(
        requests,
        scenario.limits === false ? dataverseLimits : scenario.limits,
      ) / 1000;
    const limited = scenario.name === 'limited';
    return {
      metrics: [
        metric('elapsed', seconds, 's'),
        metric('least at this cap', leastAtCapSeconds, 's'),
        metric('least under the limits', leastUnderLimitsSeconds, 's'),
        ratioMetric(
          'ratio least at cap ÷ elapsed',
          { label: `least time at the concurrency cap (${cap})`, value: leastAtCapSeconds },
          { label: 'elapsed', value: seconds },
          limited ? atLeast(TARGET_RATIO) : undefined,
        ),
        metric('requests', requests, 'count'),
        metric('429 answers', throttled, 'count', limited ? atMost(0) : undefined),
        metric('mentors at their newest version', correct, 'count', atLeast(MENTORS)),
        metric('events left unsent', other, 'count', atMost(0)),
        metric('superseded events', superseded, 'count'),
        metric('peak concurrent requests at the fake', fake.peakConcurrentRequests, 'count'),
      ],
      details: {
        mentors: mentorIds.length,
        events: EVENTS,
        delivered,
        tokenRequests: fake.tokenRequests,
        concurrencyCap: cap,
        pace: env.dispatch.pace ?? null,
        summary,
      },
    };
  } finally {
    await fake.close();
  }
}

async function main(): Promise<number> {
  progress('starting the database server');
  const server = await startTestServer();
  try {
    progress(`migrating ${DATABASE} (platform layer + supabase db push)`);
    const url = await createTemplateDatabase(server.adminUrl, DATABASE);
    const scenarios: Scenario[] = [
      { name: 'limited', limits: dataverseLimits, env: {} },
      { name: 'unlimited', limits: false, env: { DISPATCH_RATE_PER_SECOND: '0' } },
    ];
    for (const scenario of scenarios) {
      await bench.scenario(scenario.name, () => runScenario(url, scenario));
    }
    const db = createDb(url, { maxConnections: 1 });
    const postgres = await postgresFacts(db.pool).finally(() => db.close());
    const { exitCode } = bench.finish({
      settings: {
        mentors: MENTORS,
        transitionsPerMentor: TRANSITIONS_PER_MENTOR,
        latencyMs: LATENCY_MS,
        limits: dataverseLimits,
      },
      postgres,
      note: 'shared machine; the database, the dispatcher and the fake server run on it together',
    });
    await dropDatabase(server.adminUrl, DATABASE);
    return exitCode;
  } finally {
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
