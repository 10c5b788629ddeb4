import { RequeuedEventRows } from '@peer-mentor/contracts';
import { queryOptions } from '@tanstack/react-query';
import { z } from 'zod';
import { supabase } from '../../lib/supabase';
import type { Caller } from '../auth';
import { NightlyRun, OutboxBacklog, ParkedEvent } from './schemas';

// The operations views (migration 20261206000100): each shows only the caller's organization,
// and only to its org admins.

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
