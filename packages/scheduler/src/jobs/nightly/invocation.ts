/**
 * The nightly jobs as every host drives them: an invocation takes steps
 * (private.run_scheduler_step), each one batch in its own short transaction as the system,
 * until the database says nothing is left. The database keeps the runs, their keyset cursors
 * and their summaries, so a host holds no state beyond the invocation's settings.
 *
 * Runs under Node and under Deno (the Edge Function imports this file), so it imports nothing:
 * the host brings the database connection as a `SystemTransaction`.
 */

/** The jobs, as the command line and the Edge Function name them, in the order a night runs them. */
export const nightlyJobs = ['scheduled-resume', 'certification-expiry', 'outbox-purge'] as const;
export type NightlyJob = (typeof nightlyJobs)[number];

export function isNightlyJob(value: string): value is NightlyJob {
  return (nightlyJobs as readonly string[]).includes(value);
}

/** The job's name in the database (private.scheduler_job_names()). */
export const databaseJobName = (job: NightlyJob): string => job.replaceAll('-', '_');
const jobFromDatabase = (name: string): NightlyJob => {
  const job = name.replaceAll('_', '-');
  if (!isNightlyJob(job)) throw new Error(`unknown job in the database: ${name}`);
  return job;
};

/** The smallest client both `pg` (Node) and `npm:pg` (Deno) satisfy. */
export interface SqlClient {
  query<Row>(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
}

/** Runs `work` in one transaction as the system: database role service_role, service_role claims. */
export type SystemTransaction = <T>(work: (client: SqlClient) => Promise<T>) => Promise<T>;

/** What an invocation runs; fixed when it starts (the Edge Function carries it in its cursor). */
export interface InvocationSettings {
  /** Names the invocation; an invocation with the same id continues the same runs. */
  invocationId: string;
  jobs: readonly NightlyJob[];
  /** "Now" for the run dates: each organization's calendar date at this instant. */
  asOf: Date;
  /** An explicit run date (YYYY-MM-DD) for every organization, instead of `asOf`'s. */
  runDate: string | null;
  batchSize: number;
  /** Recorded on the runs: which host drove them. */
  host: string;
  /** Run again for a date whose runs already completed (otherwise they are skipped). */
  rerun: boolean;
  outboxRetentionDays: number;
}

/** One run's summary (private.scheduler_runs) as a step returned it. */
export interface RunSnapshot {
  id: string;
  job: NightlyJob;
  /** Null for the outbox purge (all organizations). */
  organizationId: string | null;
  runDate: string;
  host: string;
  startedAt: string;
  finishedAt: string | null;
  outcome: 'completed' | 'abandoned' | null;
  batches: number;
  examined: number;
  mentorsChanged: number;
  recorded: number;
  skipped: number;
  eventsPurged: number;
  errors: number;
  lastError: string | null;
  /** The batch this step ran: candidates read, mentors changed or events purged, failures. */
  lastBatch: { examined: number; changed: number; errors: number; ms: number };
  longestBatchMs: number;
}

/** One batch, as a host reports it: the run after it and the step's time. */
export interface BatchReport {
  run: RunSnapshot;
  /** Time the step took as the host saw it (round trip and commit included). */
  wallMs: number;
}

const STEP_SQL = `
  select r.id::text as id, r.job, r.organization_id, r.run_date::text as run_date, r.host,
         r.started_at::text as started_at, r.finished_at::text as finished_at, r.outcome,
         r.batches, r.examined, r.mentors_changed, r.recorded, r.skipped, r.events_purged,
         r.errors, r.last_error, r.last_batch_examined, r.last_batch_changed,
         r.last_batch_errors, r.last_batch_ms::float8 as last_batch_ms,
         r.longest_batch_ms::float8 as longest_batch_ms
  from private.run_scheduler_step($1, $2, $3, $4, $5, $6, $7, $8) r`;

interface StepRow {
  id: string;
  job: string;
  organization_id: string | null;
  run_date: string;
  host: string;
  started_at: string;
  finished_at: string | null;
  outcome: 'completed' | 'abandoned' | null;
  batches: number;
  examined: number;
  mentors_changed: number;
  recorded: number;
  skipped: number;
  events_purged: number;
  errors: number;
  last_error: string | null;
  last_batch_examined: number;
  last_batch_changed: number;
  last_batch_errors: number;
  last_batch_ms: number;
  longest_batch_ms: number;
}

function toSnapshot(row: StepRow): RunSnapshot {
  return {
    id: row.id,
    job: jobFromDatabase(row.job),
    organizationId: row.organization_id,
    runDate: row.run_date,
    host: row.host,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    outcome: row.outcome,
    batches: row.batches,
    examined: row.examined,
    mentorsChanged: row.mentors_changed,
    recorded: row.recorded,
    skipped: row.skipped,
    eventsPurged: row.events_purged,
    errors: row.errors,
    lastError: row.last_error,
    lastBatch: {
      examined: row.last_batch_examined,
      changed: row.last_batch_changed,
      errors: row.last_batch_errors,
      ms: row.last_batch_ms,
    },
    longestBatchMs: row.longest_batch_ms,
  };
}

/** One step: the next batch of the invocation, in its own transaction. Null: nothing left. */
export async function takeStep(
  transaction: SystemTransaction,
  settings: InvocationSettings,
): Promise<RunSnapshot | null> {
  const { rows } = await transaction((client) =>
    client.query<StepRow>(STEP_SQL, [
      settings.invocationId,
      settings.jobs.map(databaseJobName),
      settings.asOf.toISOString(),
      settings.runDate,
      settings.batchSize,
      settings.host,
      settings.rerun,
      settings.outboxRetentionDays,
    ]),
  );
  const [row] = rows;
  return row ? toSnapshot(row) : null;
}

/** What every host logs for a batch (one JSON line each). */
export function batchLogFields({ run, wallMs }: BatchReport): Record<string, unknown> {
  return {
    job: run.job,
    organization: run.organizationId,
    runDate: run.runDate,
    batch: run.batches,
    examined: run.lastBatch.examined,
    changed: run.lastBatch.changed,
    errors: run.lastBatch.errors,
    batchMs: run.lastBatch.ms,
    wallMs: Math.round(wallMs),
    runFinished: run.finishedAt !== null,
  };
}

export interface InvocationLimits {
  /** Stop after this many batches (the Edge Function's bound per call). */
  maxBatches?: number;
  /** Start no batch once this much time has passed since the call began. */
  timeBudgetMs?: number;
  /** Stop between batches when aborted (SIGTERM). */
  signal?: AbortSignal;
  /** Called after every batch, for progress displays and logs. */
  onBatch?: (batch: BatchReport) => void;
}

export interface InvocationResult {
  /** True when the database had nothing left for the invocation. */
  done: boolean;
  batches: number;
  mentorsChanged: number;
  eventsPurged: number;
  errors: number;
  /** The latest summary of every run this call worked on, in the order it reached them. */
  runs: RunSnapshot[];
}

/** Takes steps until the invocation is done or a limit is reached. */
export async function runInvocation(
  transaction: SystemTransaction,
  settings: InvocationSettings,
  limits: InvocationLimits = {},
): Promise<InvocationResult> {
  const startedAt = performance.now();
  const runs = new Map<string, RunSnapshot>();
  const result: InvocationResult = {
    done: false,
    batches: 0,
    mentorsChanged: 0,
    eventsPurged: 0,
    errors: 0,
    runs: [],
  };
  while (
    !limits.signal?.aborted &&
    (limits.maxBatches === undefined || result.batches < limits.maxBatches) &&
    (limits.timeBudgetMs === undefined || performance.now() - startedAt < limits.timeBudgetMs)
  ) {
    const stepStarted = performance.now();
    const run = await takeStep(transaction, settings);
    if (!run) {
      result.done = true;
      break;
    }
    runs.set(run.id, run);
    result.batches += 1;
    result.errors += run.lastBatch.errors;
    if (run.job === 'outbox-purge') result.eventsPurged += run.lastBatch.changed;
    else result.mentorsChanged += run.lastBatch.changed;
    limits.onBatch?.({ run, wallMs: performance.now() - stepStarted });
  }
  result.runs = [...runs.values()];
  return result;
}
