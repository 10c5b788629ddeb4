import type pg from 'pg';

/** One run summary as operators read it (private.scheduler_runs with the organization's name). */
export interface RunSummaryRow {
  id: string;
  job: string;
  organization: string;
  runDate: string;
  /** The latest host that drove the run. */
  host: string;
  /** Every host that drove it, in the order they came (two hosts on one night show here). */
  hosts: string;
  startedAt: string;
  finishedAt: string | null;
  outcome: string;
  batches: number;
  examined: number;
  mentorsChanged: number;
  recorded: number;
  eventsPurged: number;
  errors: number;
  longestBatchMs: number | null;
  lastError: string | null;
}

/**
 * The latest run summaries, newest first. Reads private.scheduler_runs, which only its owner
 * may read: use the owner's connection (the one migrations use), as for parked events.
 */
export async function listRecentRuns(pool: pg.Pool, limit = 20): Promise<RunSummaryRow[]> {
  const { rows } = await pool.query<RunSummaryRow>(
    `select r.id::text as id, r.job, coalesce(o.name, 'all organizations') as organization,
            r.run_date::text as "runDate", r.host,
            array_to_string(r.hosts, ', ') as hosts,
            to_char(r.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "startedAt",
            to_char(r.finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "finishedAt",
            coalesce(r.outcome, 'running') as outcome, r.batches, r.examined,
            r.mentors_changed as "mentorsChanged", r.recorded, r.events_purged as "eventsPurged",
            r.errors, r.longest_batch_ms::float8 as "longestBatchMs", r.last_error as "lastError"
     from private.scheduler_runs r
     left join public.organizations o on o.id = r.organization_id
     order by r.id desc
     limit $1`,
    [limit],
  );
  return rows;
}
