/**
 * `pnpm bench:sync`: outbox dispatch throughput to Dataverse.
 *
 * 10,000 status changes (2,000 mentors × 5 transitions, written through the RPCs) are sent by
 * one dispatcher with its default settings to the fake Dataverse server, which answers every
 * Web API request after 50 ms. With one request per event, the dispatcher can do no better
 * than (concurrency cap ÷ latency) events per second; the target is 80% of that bound.
 *
 * Prints a table and writes <repo>/.bench-results/sync.json. A missed target is reported,
 * not fatal. Server: DATABASE_URL when set (a database pm_bench_sync is created and dropped on
 * it), otherwise a throwaway cluster from the machine's binaries.
 */
import os from 'node:os';
import path from 'node:path';
import { createDb, serviceRoleClaims, withCaller } from '@peer-mentor/db';
import { createTemplateDatabase, dropDatabase, startTestServer } from '@peer-mentor/db/testing';
import {
  createDynamicsPortalClient,
  type DataverseWebApiClient,
  type DynamicsPortalClient,
  silentLogger,
} from '@peer-mentor/dynamics-client';
import { FakeDataverseServer } from '@peer-mentor/dynamics-client/testing';
import { readSchedulerEnv } from '../src/env.js';
import { createOutboxStore, OutboxDispatcher } from '../src/index.js';
import {
  benchReportFile,
  createProgress,
  machineInfo,
  printTable,
  writeBenchReport,
} from './support.js';

const MENTORS = 2_000;
const TRANSITIONS_PER_MENTOR = 5;
const EVENTS = MENTORS * TRANSITIONS_PER_MENTOR;
const LATENCY_MS = 50;
const TARGET_RATIO = 0.8;
const DATABASE = 'pm_bench_sync';
const reportFile = benchReportFile('sync');
const progress = createProgress('sync');

/** Counts answered pushes and their durations, for progress and latency figures. */
function measured(client: DynamicsPortalClient, durations: number[]): DynamicsPortalClient {
  return {
    adapter: client.adapter,
    checkHealth: (options) => client.checkHealth(options),
    async pushStatusChange(change, options) {
      const start = performance.now();
      try {
        return await client.pushStatusChange(change, options);
      } finally {
        durations.push(performance.now() - start);
      }
    },
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<number> {
  const loadBefore = os.loadavg();
  progress('starting the database server');
  const server = await startTestServer();
  const fake = await FakeDataverseServer.start({ latencyMs: LATENCY_MS });
  try {
    progress(`migrating ${DATABASE} (platform layer + supabase db push)`);
    const url = await createTemplateDatabase(server.adminUrl, DATABASE);
    const db = createDb(url, { maxConnections: 4 });
    try {
      progress(`writing ${EVENTS} status changes (${MENTORS} mentors × ${TRANSITIONS_PER_MENTOR})`);
      const { rows } = await db.pool.query<{ id: string }>(
        `with org as (insert into public.organizations (name) values ('Sync bench') returning id)
         select id from org`,
      );
      const organizationId = rows[0]!.id;
      await db.pool.query(
        `insert into public.peer_mentors (organization_id, display_name)
         select $1, 'Mentor ' || n from generate_series(1, $2) as n`,
        [organizationId, MENTORS],
      );
      for (let round = 1; round <= TRANSITIONS_PER_MENTOR; round += 1) {
        const rpc =
          round % 2 === 1
            ? `public.activate_pause(m.id, $1, 'health')`
            : 'public.deactivate_pause(m.id, $1)';
        await withCaller(db.pool, serviceRoleClaims, (client) =>
          client.query(
            `select count(${rpc}) from public.peer_mentors m where m.organization_id = $1`,
            [organizationId],
          ),
        );
      }
    } finally {
      await db.close();
    }

    // The dispatcher exactly as `dispatch` builds it from the environment: default settings.
    const env = readSchedulerEnv({ ...fake.env(), DATABASE_URL: url });
    const settings = env.dispatch;
    const portal = createDynamicsPortalClient(env.dynamics, {
      logger: silentLogger,
    }) as DataverseWebApiClient;
    const durations: number[] = [];
    const dispatchDb = createDb(url, { maxConnections: settings.concurrency + 2 });
    const dispatcher = new OutboxDispatcher({
      store: createOutboxStore(dispatchDb.pool, 'sync-bench'),
      client: measured(portal, durations),
      logger: silentLogger,
      concurrency: settings.concurrency,
      batchSize: settings.batchSize,
      leaseSeconds: settings.leaseSeconds,
      maxAttempts: settings.maxAttempts,
      retryBackoff: { baseMs: settings.retryBaseMs, maxMs: settings.retryMaxMs },
    });
    const cap = portal.concurrency.limit;
    progress(
      `dispatching with concurrency ${settings.concurrency}, client cap ${cap}, ${LATENCY_MS} ms latency`,
    );
    const ticker = setInterval(() => progress(`${durations.length} / ${EVENTS} sent`), 2_000);
    const dispatchStart = performance.now();
    let summary: Awaited<ReturnType<OutboxDispatcher['runOnce']>>;
    try {
      summary = await dispatcher.runOnce();
    } finally {
      clearInterval(ticker);
    }
    const seconds = (performance.now() - dispatchStart) / 1000;

    const check = await dispatchDb.pool.query<{ delivered: number; pending: number }>(
      `select count(*) filter (where delivered_at is not null)::int as delivered,
              count(*) filter (where delivered_at is null)::int as pending
       from private.status_change_outbox`,
    );
    await dispatchDb.close();
    const { delivered, pending } = check.rows[0]!;
    let inOrder = 0;
    for (const mentorId of new Set(fake.requests.map((entry) => entry.peerMentorId))) {
      if (!mentorId) continue;
      const versions = fake.appliedVersions(mentorId);
      if (versions.length === TRANSITIONS_PER_MENTOR && versions.every((v, i) => v === i + 1))
        inOrder += 1;
    }

    const throughput = delivered / seconds;
    const bound = cap / (LATENCY_MS / 1000);
    const ratio = throughput / bound;
    const sorted = [...durations].sort((a, b) => a - b);
    const figures = {
      events: EVENTS,
      delivered,
      pending,
      mentorsDeliveredInOrder: inOrder,
      seconds: Number(seconds.toFixed(2)),
      throughputPerSecond: Number(throughput.toFixed(1)),
      boundPerSecond: bound,
      ratioToBound: Number(ratio.toFixed(3)),
      target: `>= ${TARGET_RATIO}`,
      pass: ratio >= TARGET_RATIO && delivered === EVENTS && inOrder === MENTORS,
      pushMs: {
        p50: Number(percentile(sorted, 50).toFixed(1)),
        p95: Number(percentile(sorted, 95).toFixed(1)),
        p99: Number(percentile(sorted, 99).toFixed(1)),
      },
      webApiRequests: fake.requests.length,
      peakConcurrentRequestsAtFake: fake.peakConcurrentRequests,
      tokenRequests: fake.tokenRequests,
      summary,
    };
    const rowsOut: Array<[string, string, string]> = [
      ['events delivered', `${delivered} / ${EVENTS}`, 'all'],
      ['mentors in order (1..5, once each)', `${inOrder} / ${MENTORS}`, 'all'],
      ['elapsed', `${seconds.toFixed(2)} s`, ''],
      ['throughput', `${throughput.toFixed(1)} events/s`, ''],
      ['bound (cap ÷ latency)', `${cap} ÷ ${LATENCY_MS} ms = ${bound.toFixed(0)} events/s`, ''],
      ['throughput ÷ bound', ratio.toFixed(3), `≥ ${TARGET_RATIO}`],
      [
        'push p50 / p95 / p99',
        `${figures.pushMs.p50} / ${figures.pushMs.p95} / ${figures.pushMs.p99} ms`,
        '',
      ],
      ['Web API requests', String(fake.requests.length), `${EVENTS}`],
      ['peak requests in flight at the fake', String(fake.peakConcurrentRequests), `≤ ${cap}`],
      ['result', figures.pass ? 'pass' : 'FAIL', ''],
    ];
    printTable('sync benchmark (dispatcher → fake Dataverse, 50 ms per request)', [
      ['metric', 'value', 'target'],
      ...rowsOut,
    ]);

    writeBenchReport(reportFile, {
      benchmark: 'sync',
      at: new Date().toISOString(),
      settings: { ...settings, clientCap: cap, latencyMs: LATENCY_MS, mentors: MENTORS },
      figures,
      machine: machineInfo(
        loadBefore,
        'shared machine; the database, the dispatcher and the fake server run on it together',
      ),
    });
    progress(`report written to ${path.relative(process.cwd(), reportFile)}`);
    await dropDatabase(server.adminUrl, DATABASE);
    return 0;
  } finally {
    await fake.close();
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
