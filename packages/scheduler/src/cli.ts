/**
 * The scheduler's command line.
 *
 *   cli.ts run <job>... [--date YYYY-MM-DD] [--batch-size N] [--rerun] [--json]
 *                                          run nightly jobs now, with a progress display
 *                                          (--json: also print the totals as one JSON line)
 *                                          (jobs: scheduled-resume, certification-expiry,
 *                                          outbox-purge, or nightly for all three)
 *   cli.ts serve                           the long-running host: nightly jobs on their croner
 *                                          schedule, the outbox dispatcher on its interval
 *   cli.ts runs [--limit N]                the latest run summaries (owner connection)
 *   cli.ts dispatch [--once | --watch]     send the outbox to Dynamics (default --watch)
 *   cli.ts outbox parked                   list parked events (owner connection)
 *   cli.ts outbox requeue <event-id>...    make parked events due again
 *   cli.ts outbox requeue --all
 *   cli.ts [<command>] --help               usage (of one command), exit 0
 *
 * Configuration: DATABASE_URL, SCHEDULER_*, DISPATCH_* and DYNAMICS_* (see README.md).
 */
import { parseArgs } from 'node:util';
import { createDb } from '@peer-mentor/db';
import { jsonLineLogger } from '@peer-mentor/dynamics-client';
import { readSchedulerEnv } from './env.js';
import { runDispatchCommand } from './hosts/node/dispatch.js';
import { hostLabel, runNightlyJobs } from './hosts/node/nightly.js';
import { createProgressDisplay } from './hosts/node/progress.js';
import { startSchedulerService } from './hosts/node/service.js';
import { listParkedEvents, requeueParkedEvents } from './jobs/dispatch-outbox/index.js';
import {
  isNightlyJob,
  listRecentRuns,
  type NightlyJob,
  nightlyJobs,
} from './jobs/nightly/index.js';
import { schedulerVersion } from './version.js';

/** Each command's usage: its synopsis and what it does. `--help` prints it and exits 0. */
const commandUsage: Record<string, string> = {
  run: `  scheduler run <job>... [--date YYYY-MM-DD] [--batch-size N] [--rerun] [--json]
      Runs nightly jobs now, with a progress display on stderr.
      jobs: ${nightlyJobs.join(', ')}, or nightly (all three, in nightly order)
      --date        the run date (default: each organization's today)
      --batch-size  mentors or events per batch, 1-2000
      --rerun       run again for a date that already completed
      --json        print the totals as one JSON line on stdout when done
      Exit 0; 2 when some mentor failed; 130 when interrupted.`,
  serve: `  scheduler serve
      The long-running host: nightly jobs on SCHEDULER_NIGHTLY_CRON, the outbox dispatcher
      every SCHEDULER_DISPATCH_EVERY_SECONDS (when DYNAMICS_SYNC_ENABLED=true). Stops on
      SIGINT/SIGTERM after the batch in flight.`,
  runs: `  scheduler runs [--limit N]
      The latest nightly run summaries (default 20, at most 1000).`,
  dispatch: `  scheduler dispatch [--once | --watch]
      Sends the outbox to Dynamics: once and exit (2 when something was parked), or keep
      watching (the default).`,
  outbox: `  scheduler outbox parked
      Lists the events the CRM refused (parked).
  scheduler outbox requeue <event-id>... | --all
      Makes parked events due again.`,
};

const usage = `usage: pnpm scheduler <command> [options]   (or: tsx src/cli.ts …)

${Object.values(commandUsage).join('\n\n')}

  scheduler [<command>] --help
      This text, or one command's.

Configuration: DATABASE_URL, SCHEDULER_*, DISPATCH_* and DYNAMICS_* (see the package README).`;

/** The usage for `command` (all of it for an unknown or missing command). */
function usageOf(command: string | undefined): string {
  const text = command === undefined ? undefined : commandUsage[command];
  return text === undefined ? usage : `usage:\n${text}`;
}

function isCalendarDate(value: string): boolean {
  const date = new Date(`${value}T00:00:00Z`);
  return (
    /^\d{4}-\d{2}-\d{2}$/.test(value) &&
    !Number.isNaN(date.getTime()) &&
    date.toISOString().startsWith(value)
  );
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      json: { type: 'boolean', default: false },
      once: { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      date: { type: 'string' },
      'batch-size': { type: 'string' },
      rerun: { type: 'boolean', default: false },
      limit: { type: 'string' },
    },
  });
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    // An unknown option or a missing value: say which, then how the command is used.
    console.error(
      `${(error as Error).message}\n\n${usageOf(argv.find((arg) => !arg.startsWith('-')))}`,
    );
    return 64;
  }
  const { positionals, values } = parsed;
  const [command, subcommand, ...rest] = positionals;
  if (values.help) {
    console.log(usageOf(command));
    return 0;
  }
  const env = readSchedulerEnv();

  if (command === 'run' && subcommand !== undefined) {
    const named = positionals.slice(1);
    const jobs: NightlyJob[] = named.includes('nightly')
      ? [...nightlyJobs]
      : named.filter(isNightlyJob);
    const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
    if (
      jobs.length === 0 ||
      named.some((name) => name !== 'nightly' && !isNightlyJob(name)) ||
      (values.date !== undefined && !isCalendarDate(values.date)) ||
      (batchSize !== undefined &&
        !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 2000))
    ) {
      console.error(usageOf(command));
      return 64;
    }
    if (!env.databaseUrl) throw new Error('DATABASE_URL is not set');
    const db = createDb(env.databaseUrl, { maxConnections: 2 });
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const progress = createProgressDisplay(process.stderr, process.stderr.isTTY === true);
    try {
      const result = await runNightlyJobs(
        db.pool,
        env.nightly,
        {
          jobs,
          runDate: values.date ?? null,
          rerun: values.rerun,
          host: hostLabel('cli'),
          ...(batchSize === undefined ? {} : { batchSize }),
        },
        { signal: stop.signal, onBatch: (report) => progress.batch(report) },
      );
      progress.finish(result);
      if (values.json) console.log(JSON.stringify({ message: 'nightly jobs finished', ...result }));
      if (!result.done) return 130;
      return result.errors > 0 ? 2 : 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await db.close();
    }
  }

  if (command === 'serve' && subcommand === undefined) {
    // Listen before starting: a SIGTERM right after start still stops the service gracefully.
    const signalled = waitForSignal();
    jsonLineLogger.info('scheduler service starting', { version: schedulerVersion });
    const service = startSchedulerService({ env, logger: jsonLineLogger });
    const signal = await signalled;
    jsonLineLogger.info('scheduler service stopping', { signal });
    await service.stop();
    return 0;
  }

  if (command === 'runs' && subcommand === undefined) {
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      console.error(usageOf(command));
      return 64;
    }
    if (!env.databaseUrl) throw new Error('DATABASE_URL is not set');
    const db = createDb(env.databaseUrl, { maxConnections: 1 });
    try {
      const runs = await listRecentRuns(db.pool, limit);
      console.table(runs);
      console.log(`${runs.length} run(s)`);
      return 0;
    } finally {
      await db.close();
    }
  }

  if (command === 'dispatch' && subcommand === undefined && !(values.once && values.watch)) {
    const summary = await runDispatchCommand({
      env,
      logger: jsonLineLogger,
      mode: values.once ? 'once' : 'watch',
    });
    return summary.parked > 0 && values.once ? 2 : 0;
  }

  if (command === 'outbox' && (subcommand === 'parked' || subcommand === 'requeue')) {
    if (!env.databaseUrl) throw new Error('DATABASE_URL is not set');
    const db = createDb(env.databaseUrl, { maxConnections: 2 });
    try {
      if (subcommand === 'parked') {
        const parked = await listParkedEvents(db.pool);
        console.table(parked);
        console.log(`${parked.length} parked event(s)`);
        return 0;
      }
      const ids = values.all
        ? (await listParkedEvents(db.pool)).map((event) => event.eventId)
        : rest;
      if (ids.length === 0) {
        console.error(values.all ? 'nothing is parked' : usageOf(command));
        return values.all ? 0 : 64;
      }
      const requeued = await requeueParkedEvents(db.pool, ids);
      console.log(`${requeued} of ${ids.length} event(s) requeued`);
      return 0;
    } finally {
      await db.close();
    }
  }

  console.error(usageOf(command));
  return 64;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
