import { createDb } from '@peer-mentor/db';
import {
  createDynamicsPortalClient,
  type DynamicsPortalClient,
  type Logger,
} from '@peer-mentor/dynamics-client';
import type pg from 'pg';
import type { SchedulerEnv } from '../../env.js';
import {
  createOutboxStore,
  type DispatchSummary,
  OutboxDispatcher,
} from '../../jobs/dispatch-outbox/index.js';

export interface DispatchCommandOptions {
  env: SchedulerEnv;
  logger: Logger;
  /** `once`: send what is due and stop; `watch`: keep going until SIGINT/SIGTERM. */
  mode: 'once' | 'watch';
  /** Replaces the client the configuration would build (tests, benchmarks). */
  client?: DynamicsPortalClient;
}

/** The dispatcher with the configured settings (`dispatch` and the long-running `serve`). */
export function createDispatcher(
  env: SchedulerEnv,
  pool: pg.Pool,
  client: DynamicsPortalClient,
  logger: Logger,
): OutboxDispatcher {
  const settings = env.dispatch;
  return new OutboxDispatcher({
    store: createOutboxStore(pool, settings.claimant),
    client,
    logger,
    concurrency: settings.concurrency,
    batchSize: settings.batchSize,
    leaseSeconds: settings.leaseSeconds,
    maxAttempts: settings.maxAttempts,
    retryBackoff: { baseMs: settings.retryBaseMs, maxMs: settings.retryMaxMs },
    idleDelayMs: settings.idleDelayMs,
    pace: settings.pace,
  });
}

/** The dispatcher as a Node process: database pool, Dynamics client, signals. */
export async function runDispatchCommand(
  options: DispatchCommandOptions,
): Promise<DispatchSummary> {
  const { env, logger } = options;
  if (!env.databaseUrl)
    throw new Error('DATABASE_URL is not set: the dispatcher needs the database');
  const settings = env.dispatch;
  const db = createDb(env.databaseUrl, { maxConnections: settings.concurrency + 2 });
  const client = options.client ?? createDynamicsPortalClient(env.dynamics, { logger });
  const dispatcher = createDispatcher(env, db.pool, client, logger);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  logger.info('outbox dispatcher starting', {
    mode: options.mode,
    adapter: client.adapter,
    claimant: settings.claimant,
    concurrency: settings.concurrency,
  });
  try {
    if (options.mode === 'once') {
      const summary = await dispatcher.runOnce(stop.signal);
      logger.info('outbox dispatch finished', { ...summary });
      return summary;
    }
    const total = await dispatcher.run(stop.signal, (round) => {
      if (round.claimed > 0) logger.info('outbox dispatch round', { ...round });
    });
    logger.info('outbox dispatcher stopped', { ...total });
    return total;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await db.close();
  }
}
