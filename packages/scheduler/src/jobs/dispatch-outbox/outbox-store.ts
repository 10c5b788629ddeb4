import { ActorRole, PauseReasonCode, PauseStatus } from '@peer-mentor/contracts';
import { serviceRoleClaims, withCaller } from '@peer-mentor/db';
import type { PeerMentorStatusChange } from '@peer-mentor/dynamics-client';
import type pg from 'pg';
import { z } from 'zod';

/** An outbox event this dispatcher holds a claim (lease) on. */
export interface ClaimedEvent {
  eventId: string;
  peerMentorId: string;
  statusVersion: number;
  /** Attempts so far, this one included. */
  attempts: number;
  claimToken: string;
  /** The event's payload as the transition wrote it. */
  payload: unknown;
  /** The ETag of the mentor's CRM record after the last delivery, if one is kept. */
  crmEtag: string | null;
}

/** The shared request pace (see private.take_dynamics_send_permits). */
export interface SendPace {
  /** Requests per second, every dispatcher process together. */
  maxRatePerSecond: number;
  /** Requests that may start at once after a quiet period. */
  burst: number;
  /** Seconds for the rate to climb back to its maximum after a 429. */
  rampSeconds: number;
}

/**
 * The outbox as the dispatcher sees it: the private.*_status_change* functions, each called in
 * its own short transaction as service_role (the only role allowed to execute them). Every
 * settling call returns false when the claim was no longer ours (the lease ran out and another
 * dispatcher took the event over).
 */
export interface OutboxStore {
  claim(limit: number, leaseSeconds: number): Promise<ClaimedEvent[]>;
  /** Marks the event delivered and keeps the CRM record's ETag the push returned. */
  markDelivered(event: ClaimedEvent, crmEtag?: string): Promise<boolean>;
  retryLater(event: ClaimedEvent, delayMs: number, error: string): Promise<boolean>;
  /** Gives the claim back without counting the attempt (nothing was sent). */
  release(event: ClaimedEvent, delayMs: number, note?: string): Promise<boolean>;
  park(event: ClaimedEvent, error: string): Promise<boolean>;
  /** Takes up to `wanted` request permits from the pace all dispatcher processes share. */
  takePermits(wanted: number, pace: SendPace): Promise<{ granted: number; waitMs: number }>;
  /** The portal throttled us: every process slows down and waits out `retryAfterMs`. */
  slowDown(retryAfterMs: number, pace: SendPace): Promise<void>;
}

interface ClaimRow {
  event_id: string;
  peer_mentor_id: string;
  status_version: number;
  attempts: number;
  claim_token: string;
  payload: unknown;
  crm_etag: string | null;
}

export function createOutboxStore(pool: pg.Pool, claimant: string): OutboxStore {
  const settle = async (sql: string, params: unknown[]): Promise<boolean> => {
    const { rows } = await withCaller(pool, serviceRoleClaims, (client) =>
      client.query<{ settled: boolean }>(sql, params),
    );
    return rows[0]?.settled === true;
  };
  return {
    async claim(limit, leaseSeconds) {
      const { rows } = await withCaller(pool, serviceRoleClaims, (client) =>
        client.query<ClaimRow>(
          `select event_id, peer_mentor_id, status_version, attempts, claim_token, payload, crm_etag
           from private.claim_status_changes($1, $2, $3)`,
          [claimant, limit, leaseSeconds],
        ),
      );
      return rows.map((row) => ({
        eventId: row.event_id,
        peerMentorId: row.peer_mentor_id,
        statusVersion: row.status_version,
        attempts: row.attempts,
        claimToken: row.claim_token,
        payload: row.payload,
        crmEtag: row.crm_etag,
      }));
    },
    markDelivered: (event, crmEtag) =>
      settle('select private.mark_status_change_delivered($1, $2, $3) as settled', [
        event.eventId,
        event.claimToken,
        crmEtag ?? null,
      ]),
    retryLater: (event, delayMs, error) =>
      settle('select private.retry_status_change_later($1, $2, $3, $4) as settled', [
        event.eventId,
        event.claimToken,
        Math.round(delayMs),
        error,
      ]),
    release: (event, delayMs, note) =>
      settle('select private.release_status_change($1, $2, $3, $4) as settled', [
        event.eventId,
        event.claimToken,
        Math.round(delayMs),
        note ?? null,
      ]),
    park: (event, error) =>
      settle('select private.park_status_change($1, $2, $3) as settled', [
        event.eventId,
        event.claimToken,
        error,
      ]),
    async takePermits(wanted, pace) {
      const { rows } = await withCaller(pool, serviceRoleClaims, (client) =>
        client.query<{ granted: number; wait_ms: number }>(
          'select granted, wait_ms from private.take_dynamics_send_permits($1, $2, $3, $4)',
          [wanted, pace.maxRatePerSecond, pace.burst, pace.rampSeconds],
        ),
      );
      return { granted: rows[0]?.granted ?? 0, waitMs: rows[0]?.wait_ms ?? 0 };
    },
    async slowDown(retryAfterMs, pace) {
      await withCaller(pool, serviceRoleClaims, (client) =>
        client.query('select private.slow_dynamics_sends($1, $2)', [
          Math.min(Math.round(retryAfterMs), 86_400_000),
          pace.maxRatePerSecond,
        ]),
      );
    },
  };
}

/** The payload the transition writes (20260401000000_status_change_outbox.sql). */
const OutboxPayload = z.object({
  peer_mentor_id: z.uuid(),
  organization_id: z.uuid(),
  status: PauseStatus,
  reason_code: PauseReasonCode.nullable(),
  paused_at: z.string().nullable(),
  expected_end: z.string().nullable(),
  actor_role: ActorRole,
  version: z.number().int().positive(),
  occurred_at: z.string(),
});

const toIso = (timestamp: string) => new Date(timestamp).toISOString();

/** The event as the CRM receives it; throws when the payload is not what the transition writes. */
export function toStatusChange(event: ClaimedEvent): PeerMentorStatusChange {
  const payload = OutboxPayload.parse(event.payload);
  return {
    eventId: event.eventId,
    peerMentorId: payload.peer_mentor_id,
    organizationId: payload.organization_id,
    version: payload.version,
    status: payload.status,
    reasonCode: payload.reason_code,
    pausedAt: payload.paused_at === null ? null : toIso(payload.paused_at),
    expectedEnd: payload.expected_end,
    actorRole: payload.actor_role,
    occurredAt: toIso(payload.occurred_at),
  };
}
