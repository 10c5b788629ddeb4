import { WireTimestamp, WireUuid } from '@peer-mentor/contracts';
import { z } from 'zod';

// The rows of the operations views (migration 20261206000100), as PostgREST sends them.

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
