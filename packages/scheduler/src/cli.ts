/**
 * The scheduler's command line.
 *
 *   cli.ts dispatch [--once | --watch]     send the outbox to Dynamics (default --watch)
 *   cli.ts outbox parked                   list parked events (owner connection)
 *   cli.ts outbox requeue <event-id>...    make parked events due again
 *   cli.ts outbox requeue --all
 *
 * Configuration: DATABASE_URL, DISPATCH_* and DYNAMICS_* (see README.md).
 */
import { parseArgs } from 'node:util';
import { createDb } from '@peer-mentor/db';
import { jsonLineLogger } from '@peer-mentor/dynamics-client';
import { readSchedulerEnv } from './env.js';
import { runDispatchCommand } from './hosts/node/dispatch.js';
import { listParkedEvents, requeueParkedEvents } from './jobs/dispatch-outbox/index.js';

const usage = `usage:
  cli.ts dispatch [--once | --watch]
  cli.ts outbox parked
  cli.ts outbox requeue <event-id>... | --all`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      once: { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
    },
  });
  const [command, subcommand, ...rest] = positionals;
  const env = readSchedulerEnv();

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
        console.error(values.all ? 'nothing is parked' : usage);
        return values.all ? 0 : 64;
      }
      const requeued = await requeueParkedEvents(db.pool, ids);
      console.log(`${requeued} of ${ids.length} event(s) requeued`);
      return 0;
    } finally {
      await db.close();
    }
  }

  console.error(usage);
  return 64;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
