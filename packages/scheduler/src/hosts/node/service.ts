import { createDb } from '@peer-mentor/db';
import {
  createDynamicsPortalClient,
  type DynamicsPortalClient,
  type Logger,
} from '@peer-mentor/dynamics-client';
import { Cron } from 'croner';
import type { SchedulerEnv } from '../../env.js';
import { batchLogFields, type InvocationResult, nightlyJobs } from '../../jobs/nightly/index.js';
import { createDispatcher } from './dispatch.js';
import { hostLabel, runNightlyJobs } from './nightly.js';

export interface SchedulerServiceOptions {
  env: SchedulerEnv;
  logger: Logger;
  /** Replaces the Dynamics client the configuration would build (tests). */
  client?: DynamicsPortalClient;
}

export interface SchedulerService {
  /** The next nightly start, as croner computes it. */
  nextNightlyRun(): Date | null;
  /** Stops both schedules, lets a batch in flight commit, closes the pool. */
  stop(): Promise<void>;
}

/**
 * The long-running Node host: croner starts the nightly jobs (SCHEDULER_NIGHTLY_CRON in
 * SCHEDULER_TIME_ZONE) and, when Dynamics sync is on, sends the outbox every
 * SCHEDULER_DISPATCH_EVERY_SECONDS. Each is protected against overlapping itself; a night that
 * is still running when the next trigger comes is not started twice.
 */
export function startSchedulerService(options: SchedulerServiceOptions): SchedulerService {
  const { env, logger } = options;
  if (!env.databaseUrl)
    throw new Error('DATABASE_URL is not set: the scheduler needs the database');
  const db = createDb(env.databaseUrl, { maxConnections: env.dispatch.concurrency + 4 });
  const client = options.client ?? createDynamicsPortalClient(env.dynamics, { logger });
  // With Dynamics sync off there is nothing to send: the outbox keeps every event for the day
  // it is switched on (a restart with DYNAMICS_SYNC_ENABLED=true), so no dispatcher runs.
  const dispatcher =
    options.client !== undefined || env.dynamics.enabled
      ? createDispatcher(env, db.pool, client, logger)
      : undefined;
  const stopping = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  const track = async <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    try {
      return await work;
    } finally {
      inFlight.delete(work);
    }
  };
  const report = (what: string) => (error: unknown) =>
    logger.error(`${what} failed`, {
      error: error instanceof Error ? error.message : String(error),
    });

  const nightly = new Cron(
    env.nightly.cron,
    {
      name: 'nightly',
      timezone: env.nightly.timeZone,
      protect: true,
      catch: report('nightly jobs'),
    },
    async () => {
      logger.info('nightly jobs starting', { jobs: [...nightlyJobs] });
      const result: InvocationResult = await track(
        runNightlyJobs(
          db.pool,
          env.nightly,
          { jobs: nightlyJobs, host: hostLabel('node') },
          {
            signal: stopping.signal,
            onBatch: (batch) => logger.info('nightly batch', batchLogFields(batch)),
          },
        ),
      );
      logger.info('nightly jobs finished', {
        done: result.done,
        batches: result.batches,
        mentorsChanged: result.mentorsChanged,
        eventsPurged: result.eventsPurged,
        errors: result.errors,
      });
    },
  );

  const dispatch = dispatcher
    ? new Cron(
        '* * * * * *',
        {
          name: 'outbox dispatch',
          interval: env.nightly.dispatchEverySeconds,
          protect: true,
          catch: report('outbox dispatch'),
        },
        async () => {
          const summary = await track(dispatcher.runOnce(stopping.signal));
          if (summary.claimed > 0) logger.info('outbox dispatch round', { ...summary });
        },
      )
    : undefined;

  logger.info('scheduler service started', {
    nightlyCron: env.nightly.cron,
    timeZone: env.nightly.timeZone,
    nextNightlyRun: nightly.nextRun()?.toISOString() ?? null,
    dispatchEverySeconds: dispatcher ? env.nightly.dispatchEverySeconds : null,
    adapter: client.adapter,
    ...(dispatcher ? {} : { outbox: 'kept: Dynamics sync is off (DYNAMICS_SYNC_ENABLED)' }),
  });

  return {
    nextNightlyRun: () => nightly.nextRun(),
    async stop() {
      nightly.stop();
      dispatch?.stop();
      stopping.abort();
      await Promise.allSettled([...inFlight]);
      await db.close();
      logger.info('scheduler service stopped');
    },
  };
}
