import type { ActorRole, PauseReasonCode, PauseStatus } from '@peer-mentor/contracts';

/**
 * One status transition of a peer mentor, as the organization's CRM receives it. Every field
 * describes the whole current status (not a difference), so the newest version delivered is
 * the CRM's truth.
 */
export interface PeerMentorStatusChange {
  /** Identifies this transition; sending the same event again changes nothing. */
  eventId: string;
  peerMentorId: string;
  organizationId: string;
  /** The status version this transition produced: 1, 2, 3, ... per mentor. */
  version: number;
  status: PauseStatus;
  /** Why the mentor is paused; null once active again. */
  reasonCode: PauseReasonCode | null;
  /** When the current pause started (ISO 8601); null while active. */
  pausedAt: string | null;
  /** The expected last day of the pause (YYYY-MM-DD), if one was given. */
  expectedEnd: string | null;
  actorRole: ActorRole;
  /** When the transition happened (ISO 8601). */
  occurredAt: string;
}

/**
 * What became of a push. `delivered`: the portal holds this version (now, or already from an
 * earlier delivery of the same event). `skipped`: the client did not send it (sync switched
 * off); the caller keeps the event for later.
 */
export type PushOutcome =
  | {
      outcome: 'delivered';
      /** The record's ETag after the push, when the portal has one: pass it to the next push. */
      etag?: string;
    }
  | { outcome: 'skipped'; reason: string };

export interface PushOptions {
  /** Aborts the push (its HTTP requests and waits) when signalled. */
  signal?: AbortSignal;
  /**
   * The ETag of the mentor's record after the last delivered push, if the caller kept it: the
   * write is then conditional on nobody having changed the record since.
   */
  etag?: string;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface HealthReport {
  adapter: string;
  /**
   * `ok`: the portal answered and matches the configuration; `misconfigured`: it answered, and
   * the environment lacks what the mapping needs (see `problems`); `unavailable`: it did not
   * answer; `skipped`: sync is switched off.
   */
  status: 'ok' | 'misconfigured' | 'unavailable' | 'skipped';
  circuit?: CircuitState;
  detail?: string;
  /** What an operator must fix in the environment, one line each (`misconfigured`). */
  problems?: string[];
}

/**
 * The port through which status changes reach the organization's CRM. Adapters: Dataverse Web
 * API (the real one), no-op (sync switched off), in-memory fake (tests). A failed push throws a
 * `DynamicsClientError` saying whether a later retry may succeed (`transient`) or not
 * (`permanent`).
 */
export interface DynamicsPortalClient {
  /** Which adapter this is, as named in errors and logs (`dataverse`, `noop`, `in-memory`). */
  readonly adapter: string;
  /** Sends one status change. Idempotent by event: a repeat is harmless. */
  pushStatusChange(change: PeerMentorStatusChange, options?: PushOptions): Promise<PushOutcome>;
  /**
   * Whether the portal is reachable with our credentials and, for a real portal, whether the
   * environment has what the mapping needs. Never throws.
   */
  checkHealth(options?: PushOptions): Promise<HealthReport>;
}
