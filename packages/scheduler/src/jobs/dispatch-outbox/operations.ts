import { serviceRoleClaims, withCaller } from '@peer-mentor/db';
import type pg from 'pg';

/** A parked event, as operators see it in private.parked_status_changes. */
export interface ParkedEvent {
  eventId: string;
  peerMentorId: string;
  organizationId: string;
  statusVersion: number;
  attempts: number;
  lastError: string | null;
  parkedAt: Date;
  /** Later events of the same mentor waiting behind this one. */
  heldBackEvents: number;
}

/**
 * Parked events, oldest first. Reads the view with the connection's own role: the view is
 * granted to nobody, so this takes the owner's connection (the one migrations use).
 */
export async function listParkedEvents(pool: pg.Pool): Promise<ParkedEvent[]> {
  const { rows } = await pool.query<ParkedEvent>(
    `select event_id as "eventId", peer_mentor_id as "peerMentorId",
            organization_id as "organizationId", status_version as "statusVersion", attempts,
            last_error as "lastError", parked_at as "parkedAt",
            held_back_events::integer as "heldBackEvents"
     from private.parked_status_changes`,
  );
  return rows;
}

/** Makes parked events due again with a fresh attempt count; returns how many were parked. */
export async function requeueParkedEvents(
  pool: pg.Pool,
  eventIds: readonly string[],
): Promise<number> {
  const { rows } = await withCaller(pool, serviceRoleClaims, (client) =>
    client.query<{ requeued: number }>(
      'select private.requeue_parked_status_changes($1::uuid[]) as requeued',
      [eventIds],
    ),
  );
  return rows[0]?.requeued ?? 0;
}
