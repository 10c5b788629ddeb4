import { DynamicsClientError, isDynamicsClientError } from '../../errors.js';
import { jsonLineLogger, type Logger } from '../../logger.js';
import type {
  DynamicsPortalClient,
  HealthReport,
  PeerMentorStatusChange,
  PushOptions,
  PushOutcome,
} from '../../portal-client.js';
import { CircuitBreaker } from '../../resilience/circuit-breaker.js';
import { type Clock, systemClock } from '../../resilience/clock.js';
import { ConcurrencyLimit } from '../../resilience/concurrency-limit.js';
import { ThrottleGate } from '../../resilience/throttle-gate.js';
import {
  type DataverseEntityMapping,
  defaultEntityMapping,
  recordBody,
  recordPath,
} from './entity-mapping.js';
import type { AccessTokenProvider } from './msal-token-provider.js';
import {
  ADAPTER_NAME,
  describe,
  type WebApiResponse,
  WebApiTransport,
} from './web-api-transport.js';

export interface DataverseClientOptions {
  /** The environment URL, e.g. `https://contoso.crm4.dynamics.com`. */
  baseUrl: string;
  /** Default `v9.2`. */
  apiVersion?: string;
  tokenProvider: AccessTokenProvider;
  mapping?: DataverseEntityMapping;
  /** Requests in flight at once, per client (default 8; Dataverse allows 52 per user and server). */
  maxConcurrency?: number;
  /** Per HTTP request (default 10 s). */
  requestTimeoutMs?: number;
  /** Retries of one request after a 5xx, timeout or network error (default 2). */
  maxRetries?: number;
  /** First retry delay, doubling up to `retryMaxDelayMs`, jittered (defaults 500 ms, 8 s). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Longest total Retry-After wait inside one call (default 30 s); beyond it: ThrottledError. */
  maxThrottleWaitMs?: number;
  /** Consecutive failures that open the circuit (default 5), and how long it stays open (30 s). */
  circuitFailureThreshold?: number;
  circuitCooldownMs?: number;
  /** Mentor records remembered (version and ETag) for conditional writes (default 10,000). */
  recordCacheSize?: number;
  logger?: Logger;
  clock?: Clock;
  random?: () => number;
  fetch?: typeof fetch;
}

/** What this client last knew of a mentor's record: its ETag and the version it reflects. */
interface KnownRecord {
  etag: string;
  version: number;
}

/** Rounds of "write conditionally, 412, read the record again" before giving up for now. */
const MAX_CONFLICT_ROUNDS = 3;

/**
 * The Dataverse Web API adapter. A status change is an upsert of the mentor's record by its
 * alternate key (`PATCH contacts(pm_peermentorid='…')`), always conditional:
 *   - a record this client has seen is written with `If-Match: <its ETag>`;
 *   - one it has not seen is created with `If-None-Match: *`.
 * A 412 means someone else changed (or created) the record meanwhile: the record is read again,
 * and if it already reflects this version or a newer one the event counts as delivered (a
 * repeat, e.g. after a lost response); otherwise the write is repeated with the fresh ETag.
 * So a repeated or stale event never overwrites newer data, and an edit made in the CRM to
 * other columns is never lost.
 */
export class DataverseWebApiClient implements DynamicsPortalClient {
  readonly adapter = ADAPTER_NAME;
  readonly #transport: WebApiTransport;
  readonly #mapping: DataverseEntityMapping;
  readonly #breaker: CircuitBreaker;
  readonly #limit: ConcurrencyLimit;
  readonly #known = new Map<string, KnownRecord>();
  readonly #cacheSize: number;
  readonly #logger: Logger;

  constructor(options: DataverseClientOptions) {
    const clock = options.clock ?? systemClock;
    this.#mapping = options.mapping ?? defaultEntityMapping;
    this.#logger = options.logger ?? jsonLineLogger;
    this.#cacheSize = options.recordCacheSize ?? 10_000;
    this.#limit = new ConcurrencyLimit(options.maxConcurrency ?? 8);
    this.#breaker = new CircuitBreaker({
      failureThreshold: options.circuitFailureThreshold ?? 5,
      cooldownMs: options.circuitCooldownMs ?? 30_000,
      clock,
    });
    this.#transport = new WebApiTransport({
      baseUrl: options.baseUrl,
      apiVersion: options.apiVersion ?? 'v9.2',
      tokenProvider: options.tokenProvider,
      limit: this.#limit,
      gate: new ThrottleGate(clock),
      breaker: this.#breaker,
      clock,
      random: options.random ?? Math.random,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      maxRetries: options.maxRetries ?? 2,
      retryBackoff: {
        baseMs: options.retryBaseDelayMs ?? 500,
        maxMs: options.retryMaxDelayMs ?? 8_000,
      },
      maxThrottleWaitMs: options.maxThrottleWaitMs ?? 30_000,
      fetch: options.fetch ?? globalThis.fetch,
    });
  }

  /** The cap on requests in flight, and the most that ever were. */
  get concurrency(): { limit: number; peak: number } {
    return { limit: this.#limit.limit, peak: this.#limit.peak };
  }

  async pushStatusChange(
    change: PeerMentorStatusChange,
    options: PushOptions = {},
  ): Promise<PushOutcome> {
    const call = 'pushStatusChange';
    const known = this.#known.get(change.peerMentorId);
    if (known && known.version >= change.version) return { outcome: 'delivered' };

    const path = recordPath(this.#mapping, change.peerMentorId);
    const versionColumn = this.#mapping.fields.version;
    let etag = known?.etag;
    for (let round = 0; round < MAX_CONFLICT_ROUNDS; round += 1) {
      const written = await this.#transport.send(
        call,
        {
          method: 'PATCH',
          path: `${path}?$select=${versionColumn}`,
          headers: {
            Prefer: 'return=representation',
            ...(etag === undefined ? { 'If-None-Match': '*' } : { 'If-Match': etag }),
          },
          body: recordBody(this.#mapping, change),
          // 404 on a conditional update: the record was deleted in the CRM; create it again.
          accept: etag === undefined ? [412] : [412, 404],
        },
        options.signal,
      );
      if (written.status === 404) {
        this.#known.delete(change.peerMentorId);
        etag = undefined;
        continue;
      }
      if (written.status !== 412) {
        this.#rememberWrite(call, change, written);
        return { outcome: 'delivered' };
      }

      const current = await this.#transport.send(
        call,
        {
          method: 'GET',
          path: `${path}?$select=${versionColumn},${this.#mapping.fields.eventId}`,
          accept: [404],
        },
        options.signal,
      );
      if (current.status === 404) {
        this.#known.delete(change.peerMentorId);
        etag = undefined;
        continue;
      }
      const record = this.#readRecord(call, current);
      if (record.version !== undefined && record.version >= change.version) {
        this.#remember(change.peerMentorId, { etag: record.etag, version: record.version });
        return { outcome: 'delivered' };
      }
      etag = record.etag;
    }
    throw new DynamicsClientError({
      kind: 'transient',
      adapter: ADAPTER_NAME,
      call,
      status: 412,
      message: `the record of peer mentor ${change.peerMentorId} changed during each of ${MAX_CONFLICT_ROUNDS} conditional writes`,
    });
  }

  async checkHealth(options: PushOptions = {}): Promise<HealthReport> {
    try {
      await this.#transport.send('checkHealth', { method: 'GET', path: 'WhoAmI' }, options.signal);
      return { adapter: this.adapter, status: 'ok', circuit: this.#breaker.state };
    } catch (error) {
      return {
        adapter: this.adapter,
        status: 'unavailable',
        circuit: this.#breaker.state,
        detail: isDynamicsClientError(error) ? error.message : describe(error),
      };
    }
  }

  #rememberWrite(call: string, change: PeerMentorStatusChange, response: WebApiResponse): void {
    const etag = etagOf(response);
    if (etag !== undefined) {
      this.#remember(change.peerMentorId, { etag, version: change.version });
      return;
    }
    this.#known.delete(change.peerMentorId);
    // The write happened but its answer is unreadable: report it, so the caller retries; the
    // retry finds the record at this version and counts it delivered.
    if (response.status !== 204) throw unreadableRecordError(call, response);
    this.#logger.warn('dataverse answered 204 despite Prefer: return=representation', {
      peerMentorId: change.peerMentorId,
    });
  }

  #readRecord(call: string, response: WebApiResponse): { etag: string; version?: number } {
    const etag = etagOf(response);
    if (etag === undefined) throw unreadableRecordError(call, response);
    const value = (response.body as Record<string, unknown>)[this.#mapping.fields.version];
    return { etag, version: typeof value === 'number' ? value : undefined };
  }

  #remember(peerMentorId: string, record: KnownRecord): void {
    // Insertion order makes the Map a simple LRU: refresh on write, evict the oldest.
    this.#known.delete(peerMentorId);
    this.#known.set(peerMentorId, record);
    if (this.#known.size > this.#cacheSize) {
      const oldest = this.#known.keys().next().value;
      if (oldest !== undefined) this.#known.delete(oldest);
    }
  }
}

/** The record's ETag: `@odata.etag` of a returned representation, or the ETag header. */
function etagOf(response: WebApiResponse): string | undefined {
  const body = response.body;
  if (typeof body === 'object' && body !== null) {
    const etag = (body as Record<string, unknown>)['@odata.etag'];
    if (typeof etag === 'string' && etag !== '') return etag;
  }
  return response.headers.get('etag') ?? undefined;
}

function unreadableRecordError(call: string, response: WebApiResponse): DynamicsClientError {
  const excerpt =
    response.unreadableBody === undefined ? '' : `: ${JSON.stringify(response.unreadableBody)}`;
  return new DynamicsClientError({
    kind: 'transient',
    adapter: ADAPTER_NAME,
    call,
    status: response.status,
    message: `HTTP ${response.status} without a readable record (no @odata.etag)${excerpt}`,
  });
}
