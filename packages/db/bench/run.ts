/**
 * `pnpm bench:db`: the database benchmark, on one cluster in one run.
 *
 *   1. write path: activate_pause / deactivate_pause (one RPC per transaction, as PostgREST
 *      runs it) against pgbench's built-in `-N` in another database of the same cluster;
 *   2. contention: every client pausing and resuming one mentor;
 *   3. read path at scale: load the roster (timed), then a coordinator's read of paused
 *      statuses under RLS against the owner's, and get_active_pauses_for_chapter;
 *   4. the console's reads at the same scale (scenarios/console-reads.ts): a chapter's roster
 *      page with its exact count, and a mentor's timeline with notes, each under RLS against
 *      the owner, with EXPLAIN (ANALYZE, BUFFERS) of every statement in the report;
 *   5. the same reads, the chapter list and (with group 1) the write path counted in server
 *      instructions per transaction under callgrind (scenarios/instructions.ts), a figure the
 *      machine's drift does not move, with the fixed cost of the caller's context beside them.
 *
 * `--only write,contention,read,console,instructions` runs some of the groups (default: all).
 * Prints a results table and writes <repo>/.bench-results/db.json. A missed target is
 * reported, not fatal; the exit code is non-zero only when a scenario errored.
 * Server: DATABASE_URL when set (databases pm_bench_* are created and dropped on it),
 * otherwise a throwaway cluster from the machine's binaries.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { postgresFacts, type ScenarioFigures, startBench } from '@peer-mentor/bench';
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
import { findValgrind } from './callgrind.js';
import { withClient } from './connection.js';
import type { ReadRosterShape } from './load.js';
import { type BenchOptions, parseBenchOptions, type ScenarioGroup, USAGE } from './options.js';
import { initPgbench, PgbenchError } from './pgbench.js';
import { schemaProvenance } from './provenance.js';
import { loadConsoleData, runRosterPage, runTimeline } from './scenarios/console-reads.js';
import { runContention } from './scenarios/contention.js';
import type { BenchContext } from './scenarios/context.js';
import { runInstructionCounts } from './scenarios/instructions.js';
import { loadReadPath, runChapterPauses, runStatusReads } from './scenarios/read-path.js';
import { runWritePath, writeRosterSize } from './scenarios/write-path.js';

const CLIENTS = 4;
/** Mentors per write-path run: 1,000 per client, each paused and resumed in turn. */
const WRITE_MENTORS = 4_000;
const PGBENCH_SCALE = 1;
/**
 * Rounds of each comparison (A B, B A, …): each run lasts the duration ÷ rounds (2 s by
 * default). On this 2-core VM a workload's rate moves by up to a third between consecutive
 * 10-second runs; with two rounds the RLS ÷ owner ratio of the same SQL read 1.13 in one run
 * and 1.26 in the next. Ten short rounds put both sides through the same swings.
 */
const COMPARISON_ROUNDS = 10;
const DATABASES = {
  template: 'pm_bench_template',
  write: 'pm_bench_write',
  read: 'pm_bench_read',
  baseline: 'pm_bench_pgbench',
} as const;

const bench = startBench({
  name: 'db',
  title: 'Database benchmark',
  gitPaths: [packageRoot],
  errorDetails: (error) => (error instanceof PgbenchError ? { pgbenchOutput: error.output } : {}),
});
const { progress } = bench;

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
    const runs = (group: ScenarioGroup) => options.only.includes(group);
    const writes = runs('write') || runs('contention');
    // The instruction counts read the console's data, so they load it too.
    const consoleData = runs('console') || runs('instructions');
    const reads = runs('read') || consoleData;
    progress('migrating a template database (platform layer + supabase db push)');
    const schema = schemaProvenance();
    await createTemplateDatabase(adminUrl, DATABASES.template);
    const writeUrl = writes
      ? await cloneDatabase(adminUrl, DATABASES.template, DATABASES.write)
      : '';
    // The write path and the contention scenario change each mentor thousands of times.
    if (writes) await withClient(writeUrl, liftStatusTransitionLimit);
    const readUrl = reads ? await cloneDatabase(adminUrl, DATABASES.template, DATABASES.read) : '';
    await dropDatabase(adminUrl, DATABASES.template);
    let baselineUrl = '';
    if (runs('write')) {
      progress(`initialising the pgbench -N baseline database (pgbench -i -s ${PGBENCH_SCALE})`);
      await dropDatabase(adminUrl, DATABASES.baseline);
      await withClient(adminUrl, (client) => client.query(`create database ${DATABASES.baseline}`));
      baselineUrl = databaseUrl(adminUrl, DATABASES.baseline);
      await initPgbench(binDir, baselineUrl, PGBENCH_SCALE);
    }

    const context: BenchContext = {
      binDir,
      clients: CLIENTS,
      threads: Math.min(CLIENTS, os.availableParallelism()),
      durationSeconds: options.durationSeconds,
      protocol: options.protocol,
      progress,
    };
    const shape: ReadRosterShape = {
      mentors: options.scaleMentors,
      organizations: 20,
      chaptersPerOrganization: 100,
      pausedOneIn: 100,
      batchSize: 250_000,
    };

    let writeLoaded = false;
    if (runs('write')) {
      const written = await bench.scenario('write: RPC vs pgbench -N', () =>
        runWritePath(
          context,
          { roster: writeUrl, baseline: baselineUrl },
          WRITE_MENTORS,
          COMPARISON_ROUNDS,
        ),
      );
      writeLoaded = !written.error;
    }
    if (runs('contention')) {
      await bench.scenario('contention: one mentor', () =>
        runContention(context, writeUrl, writeRosterSize(WRITE_MENTORS, COMPARISON_ROUNDS) + 1),
      );
    }
    if (reads) {
      const mentors = shape.mentors.toLocaleString('en-US');
      const load = await bench.scenario(`read load: ${mentors} mentors`, () =>
        loadReadPath(context, readUrl, shape),
      );
      /** Runs a read scenario, or records it as skipped when its data did not load. */
      const read = (name: string, loaded: boolean, run: () => Promise<ScenarioFigures>) =>
        loaded ? bench.scenario(name, run) : bench.skip(name, 'the read-path roster did not load');
      if (runs('read')) {
        await read('read: paused statuses, RLS vs owner', !load.error, () =>
          runStatusReads(context, readUrl, COMPARISON_ROUNDS),
        );
        await read('read: get_active_pauses_for_chapter', !load.error, () =>
          runChapterPauses(context, readUrl, shape),
        );
      }
      const consoleLoad = consoleData
        ? await read('console load: certifications, history, notes', !load.error, () =>
            loadConsoleData(context, readUrl),
          )
        : null;
      const loaded = !load.error && !consoleLoad?.error;
      if (runs('console')) {
        await read('console: chapter roster page, RLS vs owner', loaded, () =>
          runRosterPage(context, readUrl, shape, COMPARISON_ROUNDS),
        );
        await read('console: mentor timeline, RLS vs owner', loaded, () =>
          runTimeline(context, readUrl, shape, COMPARISON_ROUNDS),
        );
      }
      if (runs('instructions')) {
        const name = 'instructions: reads and writes under callgrind';
        const valgrind = findValgrind();
        if (!cluster)
          bench.skip(
            name,
            'it restarts the server, so it runs on the throwaway cluster only (DATABASE_URL is set)',
          );
        else if (!valgrind) bench.skip(name, 'valgrind is not installed');
        else {
          await read(name, loaded, () =>
            runInstructionCounts(context, cluster, valgrind, readUrl, shape, {
              // The write roster is loaded by the write scenario.
              write:
                runs('write') && writeLoaded
                  ? { url: writeUrl, mentors: WRITE_MENTORS, rounds: COMPARISON_ROUNDS }
                  : undefined,
            }),
          );
        }
      }
    }

    const postgres = await withClient(adminUrl, (client) => postgresFacts(client));
    const pgbenchVersion = execFileSync(path.join(binDir, 'pgbench'), ['--version'], {
      encoding: 'utf8',
    }).trim();
    const planLines = bench.scenarios.flatMap((scenario) =>
      (scenario.explains ?? []).flatMap((capture) => [
        `\n${scenario.scenario}: ${capture.label} (${capture.executionMs.toFixed(2)} ms, ${capture.initPlanMs.toFixed(2)} ms of it in InitPlans, ${capture.sharedHitBlocks + capture.sharedReadBlocks} buffers)`,
        ...capture.summary.map((line) => `  ${line}`),
      ]),
    );
    const { exitCode } = bench.finish({
      settings: {
        durationSeconds: context.durationSeconds,
        clients: context.clients,
        pgbenchThreads: context.threads,
        pgbenchQueryMode: context.protocol,
        pgbench: pgbenchVersion,
        writeMentorsPerRun: WRITE_MENTORS,
        comparisonRounds: COMPARISON_ROUNDS,
        baselinePgbenchScale: PGBENCH_SCALE,
        readRoster: shape,
        scenarioGroups: options.only,
        server: env.DATABASE_URL ? 'DATABASE_URL' : 'throwaway cluster',
      },
      postgres,
      note: 'shared machine: the server and pgbench run on it together; compare ratios from the same run',
      extra: { schema },
      notes:
        planLines.length > 0
          ? ['', 'EXPLAIN (ANALYZE, BUFFERS) of the console reads:', ...planLines]
          : [],
    });
    return exitCode;
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
