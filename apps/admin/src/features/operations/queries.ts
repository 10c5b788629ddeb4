import { RequeuedEventRows, WireTimestamp, WireUuid } from '@peer-mentor/contracts';
import { queryOptions } from '@tanstack/react-query';
import { z } from 'zod';
import { supabase } from '../../lib/supabase';
import type { Caller } from '../auth';

// The operations views (migration 20261206000100): each shows only the caller's organization,
// and only to its org admins.

export const OutboxBacklog = z.object({
  pending_events: z.number().int(),
  oldest_pending_at: WireTimestamp.nullable(),
  oldest_pending_seconds: z.number().int().nullable(),
  parked_events: z.number().int(),
});
export type OutboxBacklog = z.infer<typeof OutboxBacklog>;

export const ParkedEvent = z.object({
  event_id: WireUuid,
  peer_mentor_id: WireUuid,
  display_name: z.string(),
  status_version: z.number().int(),
  status: z.enum(['active', 'paused']),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  parked_at: WireTimestamp,
  held_back_events: z.number().int(),
});
export type ParkedEvent = z.infer<typeof ParkedEvent>;

export const RunFailure = z.object({
  peer_mentor_id: WireUuid.nullable(),
  display_name: z.string().nullable(),
  sqlstate: z.string(),
  message: z.string(),
  occurred_at: WireTimestamp,
});

export const NightlyRun = z.object({
  run_id: z.number().int(),
  organization_id: WireUuid.nullable(),
  job: z.enum(['scheduled_resume', 'certification_expiry', 'outbox_purge']),
  run_date: z.string(),
  started_at: WireTimestamp,
  finished_at: WireTimestamp.nullable(),
  outcome: z.enum(['completed', 'abandoned']).nullable(),
  examined: z.number().int().nullable(),
  mentors_changed: z.number().int().nullable(),
  errors: z.number().int().nullable(),
  last_error: z.string().nullable(),
  failures: z.array(RunFailure).nullable(),
});
export type NightlyRun = z.infer<typeof NightlyRun>;

/** How many nightly runs the panel lists. */
export const RUNS_SHOWN = 20;

export const operationsKeys = {
  all: ['operations'] as const,
  backlog: (caller: Caller) => [...operationsKeys.all, 'backlog', caller.organizationId] as const,
  parked: (caller: Caller) => [...operationsKeys.all, 'parked', caller.organizationId] as const,
  runs: (caller: Caller) => [...operationsKeys.all, 'runs', caller.organizationId] as const,
};

/** The organization's backlog: always one row for an org admin. */
export const backlogQuery = (caller: Caller) =>
  queryOptions({
    queryKey: operationsKeys.backlog(caller),
    refetchInterval: 30_000,
    queryFn: async () => {
      const { data, error } = await supabase
        .from('operations_outbox_backlog')
        .select('pending_events, oldest_pending_at, oldest_pending_seconds, parked_events')
        .single();
      if (error) throw error;
      return OutboxBacklog.parse(data);
    },
  });

export const parkedEventsQuery = (caller: Caller) =>
  queryOptions({
    queryKey: operationsKeys.parked(caller),
    queryFn: async () => {
      const { data, error } = await supabase
        .from('operations_parked_events')
        .select(
          'event_id, peer_mentor_id, display_name, status_version, status, attempts, last_error, parked_at, held_back_events',
        )
        .order('parked_at')
        .order('event_id');
      if (error) throw error;
      return z.array(ParkedEvent).parse(data);
    },
  });

export const nightlyRunsQuery = (caller: Caller) =>
  queryOptions({
    queryKey: operationsKeys.runs(caller),
    queryFn: async () => {
      const { data, error } = await supabase
        .from('operations_nightly_runs')
        .select(
          'run_id, organization_id, job, run_date, started_at, finished_at, outcome, examined, mentors_changed, errors, last_error, failures',
        )
        .order('started_at', { ascending: false })
        .order('run_id', { ascending: false })
        .limit(RUNS_SHOWN);
      if (error) throw error;
      return z.array(NightlyRun).parse(data);
    },
  });

/** Requeues the named parked events, or every parked event of the organization. */
export async function requeueParkedEvents(caller: Caller, eventIds?: string[]) {
  const { data, error } = await supabase.rpc('requeue_parked_events', {
    p_organization_id: caller.organizationId,
    ...(eventIds ? { p_event_ids: eventIds } : {}),
  });
  if (error) throw error;
  return RequeuedEventRows.parse(data);
}

/** Someone else requeued first, or the event was delivered meanwhile. */
export function isStaleRequeue(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'PM404' || code === 'PM422';
}
