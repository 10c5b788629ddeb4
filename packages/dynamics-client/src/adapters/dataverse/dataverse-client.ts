import {
  ConfigurationError,
  DivergenceError,
  DynamicsClientError,
  isDynamicsClientError,
} from '../../errors.js';
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
import {
  type EntityDefinition,
  entityDefinitionPath,
  environmentProblems,
  stringAttributesPath,
} from './environment-check.js';
import type { AccessTokenProvider } from './msal-token-provider.js';
import {
  ADAPTER_NAME,
  describe,
  responseFailure,
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
  /**
   * Create the record of a mentor the CRM has none of (default false: update only, and a
   * missing record is a permanent "not linked or deleted" error). See the README.
   */
  createMissingRecords?: boolean;
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
  /** How long callers hold off after refused credentials or a configuration error (default 5 min). */
  refusalPauseMs?: number;
  /** Consecutive failures that open the circuit (default 5), and how long it stays open (30 s). */
  circuitFailureThreshold?: number;
  circuitCooldownMs?: number;
  logger?: Logger;
  clock?: Clock;
  random?: () => number;
  fetch?: typeof fetch;
}

/** Rounds of "write conditionally, 412, read the record again" before giving up for now. */
const MAX_CONFLICT_ROUNDS = 3;

/** The record as read back: its ETag, and the version and event it reflects. */
interface CurrentRecord {
  etag: string;
  version: number | null;
  eventId: unknown;
}

/**
 * The Dataverse Web API adapter. A status change is an update of the mentor's record by its
 * alternate key (`PATCH contacts(pm_peermentorid='…')`), always conditional:
 *   - with the ETag the caller kept from the last delivery: `If-Match: <ETag>`;
 *   - without one: `If-Match: *`, which updates an existing record and never creates one.
 * A 404 means the CRM has no record for the mentor (never linked, or deleted on purpose, e.g.
 * an erasure request): a permanent error, unless `createMissingRecords` allows a create
 * (`If-None-Match: *`). A 412 means someone changed the record meanwhile: it is read again;
 * if it already reflects a newer version the event counts as delivered, if it reflects this
 * version from another event the systems have diverged (DivergenceError), otherwise the write
 * is repeated with the fresh ETag. A version column that does not read back as a number is a
 * ConfigurationError, never "no version".
 */
export class DataverseWebApiClient implements DynamicsPortalClient {
  readonly adapter = ADAPTER_NAME;
  readonly #transport: WebApiTransport;
  readonly #mapping: DataverseEntityMapping;
  readonly #breaker: CircuitBreaker;
  readonly #limit: ConcurrencyLimit;
  readonly #createMissing: boolean;
  readonly #refusalPauseMs: number;
  readonly #logger: Logger;

  constructor(options: DataverseClientOptions) {
    const clock = options.clock ?? systemClock;
    this.#mapping = options.mapping ?? defaultEntityMapping;
    this.#logger = options.logger ?? jsonLineLogger;
    this.#createMissing = options.createMissingRecords ?? false;
    this.#refusalPauseMs = options.refusalPauseMs ?? 300_000;
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
      refusalPauseMs: this.#refusalPauseMs,
      fetch: options.fetch ?? globalThis.fetch,
    });
  }

  /** The configured cap on requests in flight, the cap in force (x-ms-dop-hint), and the peak. */
  get concurrency(): { limit: number; effective: number; peak: number } {
    return {
      limit: this.#limit.limit,
      effective: this.#limit.effectiveLimit,
      peak: this.#limit.peak,
    };
  }

  async pushStatusChange(
    change: PeerMentorStatusChange,
    options: PushOptions = {},
  ): Promise<PushOutcome> {
    const call = 'pushStatusChange';
    const path = recordPath(this.#mapping, change.peerMentorId);
    const { version: versionColumn, eventId: eventIdColumn } = this.#mapping.fields;
    let precondition: Record<string, string> = { 'If-Match': options.etag ?? '*' };
    for (let round = 0; round < MAX_CONFLICT_ROUNDS; round += 1) {
      const written = await this.#transport.send(
        call,
        {
          method: 'PATCH',
          path: `${path}?$select=${versionColumn}`,
          headers: { Prefer: 'return=representation', ...precondition },
          body: recordBody(this.#mapping, change),
          accept: [412, 404],
        },
        options.signal,
      );
      if (written.status === 404) {
        precondition = this.#createOrRefuse(call, change, written);
        continue;
      }
      if (written.status !== 412) {
        const etag = this.#writtenEtag(call, change, written);
        this.#versionOf(call, change, written.body, 'the write happened, sending stops');
        return { outcome: 'delivered', etag };
      }
      // A create that met an existing record, or an ETag that is no longer current.
      const current = await this.#transport.send(
        call,
        {
          method: 'GET',
          path: `${path}?$select=${versionColumn},${eventIdColumn}`,
          accept: [404],
        },
        options.signal,
      );
      if (current.status === 404) {
        precondition = this.#createOrRefuse(call, change, current);
        continue;
      }
      const record = this.#readRecord(call, change, current);
      if (record.version !== null && record.version > change.version) {
        return { outcome: 'delivered', etag: record.etag };
      }
      if (record.version === change.version) {
        if (record.eventId === change.eventId) return { outcome: 'delivered', etag: record.etag };
        throw new DivergenceError({
          adapter: ADAPTER_NAME,
          call,
          message: `diverged: the CRM record of peer mentor ${change.peerMentorId} holds version ${change.version} from event ${String(record.eventId)}, not from event ${change.eventId} (was the database or the CRM restored?); nothing written`,
        });
      }
      precondition = { 'If-Match': record.etag };
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
    const call = 'checkHealth';
    try {
      await this.#transport.send(call, { method: 'GET', path: 'WhoAmI' }, options.signal);
      const definitions = await this.#transport.send(
        call,
        { method: 'GET', path: entityDefinitionPath(this.#mapping) },
        options.signal,
      );
      const definition = ((definitions.body as { value?: EntityDefinition[] } | undefined)?.value ??
        [])[0];
      const maxLengths = new Map<string, number>();
      if (definition) {
        const strings = await this.#transport.send(
          call,
          { method: 'GET', path: stringAttributesPath(definition.LogicalName) },
          options.signal,
        );
        const value =
          (strings.body as { value?: Array<{ LogicalName: string; MaxLength: number }> })?.value ??
          [];
        for (const attribute of value) maxLengths.set(attribute.LogicalName, attribute.MaxLength);
      }
      const problems = environmentProblems(this.#mapping, definition, maxLengths);
      if (problems.length > 0) {
        return {
          adapter: this.adapter,
          status: 'misconfigured',
          circuit: this.#breaker.state,
          detail: `the Dataverse environment does not match the DYNAMICS_* mapping: ${problems.join('; ')}`,
          problems,
        };
      }
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

  /** A 404: create when allowed (`If-None-Match: *`), otherwise a permanent refusal. */
  #createOrRefuse(
    call: string,
    change: PeerMentorStatusChange,
    response: WebApiResponse,
  ): Record<string, string> {
    if (this.#createMissing) return { 'If-None-Match': '*' };
    const { code } = responseFailure({ method: 'PATCH', path: '' }, response);
    throw new DynamicsClientError({
      kind: 'permanent',
      adapter: ADAPTER_NAME,
      call,
      status: 404,
      code,
      message: `HTTP 404${code ? ` (${code})` : ''}: not linked or deleted: the CRM has no ${this.#mapping.entitySet} record with ${this.#mapping.alternateKey} = ${change.peerMentorId}; nothing was created (link the contact in the CRM and requeue, or set DYNAMICS_CREATE_MISSING_RECORDS=true)`,
    });
  }

  #writtenEtag(
    call: string,
    change: PeerMentorStatusChange,
    response: WebApiResponse,
  ): string | undefined {
    const etag = etagOf(response);
    if (etag !== undefined) return etag;
    // The write happened but its answer is unreadable: report it, so the caller retries; the
    // retry finds the record at this version and counts it delivered.
    if (response.status !== 204) throw unreadableRecordError(call, response);
    this.#logger.warn('dataverse answered 204 despite Prefer: return=representation', {
      peerMentorId: change.peerMentorId,
    });
    return undefined;
  }

  #readRecord(
    call: string,
    change: PeerMentorStatusChange,
    response: WebApiResponse,
  ): CurrentRecord {
    const etag = etagOf(response);
    if (etag === undefined) throw unreadableRecordError(call, response);
    const body = response.body as Record<string, unknown>;
    return {
      etag,
      version: this.#versionOf(call, change, body, 'nothing written'),
      eventId: body[this.#mapping.fields.eventId],
    };
  }

  /** The version a record reflects; anything but a number or null is a configuration error. */
  #versionOf(
    call: string,
    change: PeerMentorStatusChange,
    body: unknown,
    consequence: string,
  ): number | null {
    const column = this.#mapping.fields.version;
    const version =
      typeof body === 'object' && body !== null
        ? (body as Record<string, unknown>)[column]
        : undefined;
    if (version === null || version === undefined || typeof version === 'number') {
      return version ?? null;
    }
    throw new ConfigurationError({
      adapter: ADAPTER_NAME,
      call,
      message: `the version column ${column} of peer mentor ${change.peerMentorId}'s record reads back as ${JSON.stringify(version)}, not a number: map DYNAMICS_FIELD_VERSION to a whole-number column; ${consequence}`,
      retryAfterMs: this.#refusalPauseMs,
    });
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
