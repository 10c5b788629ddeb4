import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { serviceRoleClaims, withCaller } from '@peer-mentor/db';
import type pg from 'pg';
import type { NightlySettings } from '../../env.js';
import {
  type InvocationLimits,
  type InvocationResult,
  type InvocationSettings,
  type NightlyJob,
  runInvocation,
  type SystemTransaction,
} from '../../jobs/nightly/index.js';

/** Transactions as the system on a pool: database role and claims of service_role. */
export function poolSystemTransactions(pool: pg.Pool): SystemTransaction {
  return (work) =>
    withCaller(pool, serviceRoleClaims, (client) =>
      work({
        query: async <Row>(text: string, values?: unknown[]) =>
          (await client.query(text, values)) as unknown as { rows: Row[] },
      }),
    );
}

export interface NightlyRunRequest {
  jobs: readonly NightlyJob[];
  /** YYYY-MM-DD for every organization; default: each organization's date at `asOf`. */
  runDate?: string | null;
  /** "Now" for the run dates (default: when the invocation starts). */
  asOf?: Date;
  rerun?: boolean;
  /** Recorded on the runs, e.g. `cli@host` or `node@host`. */
  host: string;
  batchSize?: number;
}

/** A new invocation: its id and "now" are fixed here, once, for all of its batches. */
export function newInvocation(
  settings: NightlySettings,
  request: NightlyRunRequest,
): InvocationSettings {
  return {
    invocationId: randomUUID(),
    jobs: request.jobs,
    asOf: request.asOf ?? new Date(),
    runDate: request.runDate ?? null,
    batchSize: request.batchSize ?? settings.batchSize,
    host: request.host,
    rerun: request.rerun ?? false,
    outboxRetentionDays: settings.outboxRetentionDays,
  };
}

/** `cli@<machine>` or `node@<machine>`: which host drove a run. */
export const hostLabel = (kind: 'cli' | 'node') => `${kind}@${hostname()}`.slice(0, 100);

/** Runs the jobs to the end (or until aborted) on the pool, as the system. */
export function runNightlyJobs(
  pool: pg.Pool,
  settings: NightlySettings,
  request: NightlyRunRequest,
  limits: InvocationLimits = {},
): Promise<InvocationResult> {
  return runInvocation(poolSystemTransactions(pool), newInvocation(settings, request), limits);
}
