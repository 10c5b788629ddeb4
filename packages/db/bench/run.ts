/**
 * `pnpm bench:db`: the database benchmark, on one cluster in one run.
 *
 *   1. write path: activate_pause / deactivate_pause (one RPC per transaction, as PostgREST
 *      runs it) against pgbench's built-in `-N` in another database of the same cluster;
 *   2. contention: every client pausing and resuming one mentor;
 *   3. read path at scale: load the roster (timed), then a coordinator's read of paused
 *      statuses under RLS against the owner's, and get_active_pauses_for_chapter.
 *
 * Prints a results table and writes <repo>/.bench-results/db.json. A missed target is
 * reported, not fatal; the exit code is non-zero only when a scenario errored.
 * Server: DATABASE_URL when set (databases pm_bench_* are created and dropped on it),
 * otherwise a throwaway cluster from the machine's binaries.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { readEnv } from '../src/env.js';
import { packageRoot } from '../src/paths.js';
import { findPostgresBinaries } from '../src/postgres/binaries.js';
import { startLocalCluster } from '../src/postgres/local-cluster.js';
import {
  cloneDatabase,
  createTemplateDatabase,
  databaseUrl,
  dropDatabase,
} from '../src/testing/test-server.js';
import { liftStatusTransitionLimit } from '../src/transition-limit.js';
import { withClient } from './connection.js';
import type { ReadRosterShape } from './load.js';
import { type BenchOptions, parseBenchOptions, USAGE } from './options.js';
import { initPgbench, PgbenchError } from './pgbench.js';
import { schemaProvenance } from './provenance.js';
import {
  formatResultsTable,
  type ScenarioFigures,
  type ScenarioReport,
  writeJsonReport,
} from './report.js';
import { runContention } from './scenarios/contention.js';
import type { BenchContext } from './scenarios/context.js';
import { loadReadPath, runChapterPauses, runStatusReads } from './scenarios/read-path.js';
import { runWritePath } from './scenarios/write-path.js';

const CLIENTS = 4;
const WRITE_MENTORS = 10_000;
const PGBENCH_SCALE = 1;
/** Rounds of each comparison (A B, B A): each run lasts the duration ÷ rounds. */
const COMPARISON_ROUNDS = 2;
const DATABASES = {
  template: 'pm_bench_template',
  write: 'pm_bench_write',
  read: 'pm_bench_read',
  baseline: 'pm_bench_pgbench',
} as const;
const reportFile = path.resolve(packageRoot, '..', '..', '.bench-results', 'db.json');

const started = performance.now();
const progress = (line: string) => {
  const elapsed = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
  console.log(`[db bench ${elapsed}s] ${line}`);
};

/** Runs one scenario; an error becomes part of the report instead of ending the run. */
async function attempt(
  scenario: string,
  run: () => Promise<ScenarioFigures>,
): Promise<ScenarioReport> {
  try {
    return { scenario, ...(await run()) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    progress(`${scenario}: ERROR ${message}`);
    const output = error instanceof PgbenchError ? { pgbenchOutput: error.output } : {};
    return { scenario, metrics: [], details: output, error: message };
  }
}

const SERVER_SETTINGS = [
  'server_version',
  'shared_buffers',
  'work_mem',
  'effective_cache_size',
  'random_page_cost',
  'jit',
  'fsync',
  'synchronous_commit',
  'full_page_writes',
  'max_connections',
];

function serverFacts(url: string) {
  return withClient(url, async (client) => {
    const version = await client.query<{ version: string }>('select version()');
    const settings = await client.query<{ name: string; setting: string; unit: string | null }>(
      'select name, setting, unit from pg_settings where name = any($1)',
      [SERVER_SETTINGS],
    );
    return {
      version: version.rows[0]!.version,
      settings: Object.fromEntries(
        settings.rows.map((row) => [
          row.name,
          row.unit ? `${row.setting} ${row.unit}` : row.setting,
        ]),
      ),
    };
  });
}

function machineFacts() {
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage: os.loadavg(),
  };
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const env = readEnv();
  const startedAt = new Date();
  const machineAtStart = machineFacts();

  progress(env.DATABASE_URL ? 'using DATABASE_URL' : 'starting a throwaway cluster');
  const cluster = env.DATABASE_URL ? null : await startLocalCluster({ binDir: env.PG_BINDIR });
  const adminUrl = env.DATABASE_URL ?? cluster!.url;
  const binDir = cluster?.binaries.binDir ?? findPostgresBinaries(env.PG_BINDIR).binDir;
  const cleanUp = async () => {
    if (cluster) await cluster.stop();
    else for (const name of Object.values(DATABASES)) await dropDatabase(adminUrl, name);
  };
  const stopOnSignal = () => {
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  try {
    progress('migrating a template database (platform layer + supabase db push)');
    const schema = schemaProvenance();
    await createTemplateDatabase(adminUrl, DATABASES.template);
    const writeUrl = await cloneDatabase(adminUrl, DATABASES.template, DATABASES.write);
    // The write path and the contention scenario change each mentor thousands of times.
    await withClient(writeUrl, liftStatusTransitionLimit);
    const readUrl = await cloneDatabase(adminUrl, DATABASES.template, DATABASES.read);
    await dropDatabase(adminUrl, DATABASES.template);
    progress(`initialising the pgbench -N baseline database (pgbench -i -s ${PGBENCH_SCALE})`);
    await dropDatabase(adminUrl, DATABASES.baseline);
    await withClient(adminUrl, (client) => client.query(`create database ${DATABASES.baseline}`));
    const baselineUrl = databaseUrl(adminUrl, DATABASES.baseline);
    await initPgbench(binDir, baselineUrl, PGBENCH_SCALE);

    const context: BenchContext = {
      binDir,
      clients: CLIENTS,
      threads: Math.min(CLIENTS, os.availableParallelism()),
      durationSeconds: options.durationSeconds,
      progress,
    };
    const shape: ReadRosterShape = {
      mentors: options.scaleMentors,
      organizations: 20,
      chaptersPerOrganization: 100,
      pausedOneIn: 100,
      batchSize: 250_000,
    };

    const scenarios: ScenarioReport[] = [];
    scenarios.push(
      await attempt('write: RPC vs pgbench -N', () =>
        runWritePath(
          context,
          { roster: writeUrl, baseline: baselineUrl },
          WRITE_MENTORS,
          COMPARISON_ROUNDS,
        ),
      ),
    );
    scenarios.push(
      await attempt('contention: one mentor', () =>
        runContention(context, writeUrl, WRITE_MENTORS * COMPARISON_ROUNDS * 2 + 1),
      ),
    );
    const load = await attempt(`read load: ${shape.mentors.toLocaleString('en-US')} mentors`, () =>
      loadReadPath(context, readUrl, shape),
    );
    scenarios.push(load);
    const skipped = async (): Promise<ScenarioFigures> => {
      throw new Error('skipped: the read-path roster did not load');
    };
    scenarios.push(
      await attempt('read: paused statuses, RLS vs owner', () =>
        load.error ? skipped() : runStatusReads(context, readUrl, COMPARISON_ROUNDS),
      ),
    );
    scenarios.push(
      await attempt('read: get_active_pauses_for_chapter', () =>
        load.error ? skipped() : runChapterPauses(context, readUrl, shape),
      ),
    );

    const server = await serverFacts(adminUrl);
    const pgbenchVersion = execFileSync(path.join(binDir, 'pgbench'), ['--version'], {
      encoding: 'utf8',
    }).trim();
    const finishedAt = new Date();
    console.log('');
    const schemaLabel = `${schema.gitCommit?.slice(0, 7) ?? 'no git'}${schema.uncommittedSqlChanges ? ' + uncommitted SQL changes' : ''}`;
    console.log(
      `Database benchmark, ${startedAt.toISOString()}, PostgreSQL ${server.settings.server_version ?? server.version}, ${machineAtStart.cores} cores, schema ${schemaLabel}`,
    );
    console.log(formatResultsTable(scenarios));
    writeJsonReport(reportFile, {
      benchmark: 'db',
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      settings: {
        durationSeconds: context.durationSeconds,
        clients: context.clients,
        pgbenchThreads: context.threads,
        pgbenchQueryMode: 'simple',
        writeMentorsPerRun: WRITE_MENTORS,
        comparisonRounds: COMPARISON_ROUNDS,
        baselinePgbenchScale: PGBENCH_SCALE,
        readRoster: shape,
        server: env.DATABASE_URL ? 'DATABASE_URL' : 'throwaway cluster',
      },
      schema,
      postgres: { ...server, pgbench: pgbenchVersion },
      machine: { ...machineAtStart, loadAverageAtEnd: os.loadavg() },
      scenarios,
    });
    console.log(`\nReport: ${reportFile}`);
    const errored = scenarios.filter((scenario) => scenario.error);
    return errored.length > 0 ? 1 : 0;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
