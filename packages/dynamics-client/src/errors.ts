/**
 * `transient`: nothing is wrong with the request; a later attempt may succeed (network, timeout,
 * 5xx, throttling, an open circuit, rejected credentials, a concurrent edit).
 * `permanent`: the portal refused this request as such (400, 404, ...); repeating it unchanged
 * will fail again.
 */
export type DynamicsErrorKind = 'transient' | 'permanent';

export interface DynamicsClientErrorOptions {
  kind: DynamicsErrorKind;
  /** The adapter that failed, e.g. `dataverse`. */
  adapter: string;
  /** The operation that failed, e.g. `pushStatusChange`. */
  call: string;
  message: string;
  /** HTTP status, when the portal answered. */
  status?: number;
  /** The portal's own error code (`error.code` of the body), when it sent one. */
  code?: string;
  /** When the portal (or the circuit breaker) says the next attempt may start. */
  retryAfterMs?: number;
  cause?: unknown;
}

/** Every failure of a DynamicsPortalClient: which adapter, which call, and whether to retry. */
export class DynamicsClientError extends Error {
  readonly kind: DynamicsErrorKind;
  readonly adapter: string;
  readonly call: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(options: DynamicsClientErrorOptions) {
    super(`${options.adapter}.${options.call} failed (${options.kind}): ${options.message}`, {
      cause: options.cause,
    });
    this.name = 'DynamicsClientError';
    this.kind = options.kind;
    this.adapter = options.adapter;
    this.call = options.call;
    this.status = options.status;
    this.code = options.code;
    this.retryAfterMs = options.retryAfterMs;
  }

  get transient(): boolean {
    return this.kind === 'transient';
  }
}

/** The portal answered 429: wait `retryAfterMs` before sending anything else. */
export class ThrottledError extends DynamicsClientError {
  declare readonly retryAfterMs: number;

  constructor(options: Omit<DynamicsClientErrorOptions, 'kind'> & { retryAfterMs: number }) {
    super({ ...options, kind: 'transient' });
    this.name = 'ThrottledError';
  }
}

/** The circuit breaker is open after repeated failures: nothing was sent. */
export class CircuitOpenError extends DynamicsClientError {
  declare readonly retryAfterMs: number;

  constructor(options: Omit<DynamicsClientErrorOptions, 'kind'> & { retryAfterMs: number }) {
    super({ ...options, kind: 'transient' });
    this.name = 'CircuitOpenError';
  }
}

/**
 * The portal refused our credentials or permissions (401 with a fresh token, 403): nothing is
 * wrong with the event, and every other event would meet the same answer. The caller holds
 * off for `retryAfterMs` and alerts an operator.
 */
export class AccessDeniedError extends DynamicsClientError {
  declare readonly retryAfterMs: number;

  constructor(options: Omit<DynamicsClientErrorOptions, 'kind'> & { retryAfterMs: number }) {
    super({ ...options, kind: 'transient' });
    this.name = 'AccessDeniedError';
  }
}

/**
 * The environment does not match the configured mapping (a missing or mistyped column, a key
 * that is not Active, a version that is not a number): every event would be affected. The
 * caller stops sending for `retryAfterMs` and alerts an operator.
 */
export class ConfigurationError extends DynamicsClientError {
  declare readonly retryAfterMs: number;

  constructor(options: Omit<DynamicsClientErrorOptions, 'kind'> & { retryAfterMs: number }) {
    super({ ...options, kind: 'transient' });
    this.name = 'ConfigurationError';
  }
}

/**
 * The CRM holds this event's version, written by a different event: the outbox and the CRM
 * have diverged (e.g. after a database restore). Permanent: an operator must look.
 */
export class DivergenceError extends DynamicsClientError {
  constructor(options: Omit<DynamicsClientErrorOptions, 'kind'>) {
    super({ ...options, kind: 'permanent', code: options.code ?? 'diverged' });
    this.name = 'DivergenceError';
  }
}

export function isDynamicsClientError(error: unknown): error is DynamicsClientError {
  return error instanceof DynamicsClientError;
}

/**
 * Whether the portal can take no event now and the caller should hold off everyone for
 * `retryAfterMs`: throttled, circuit open, credentials refused, or a configuration mismatch.
 * Such an attempt is not the event's fault and does not count against it.
 */
export function isBackPressure(
  error: unknown,
): error is ThrottledError | CircuitOpenError | AccessDeniedError | ConfigurationError {
  return (
    error instanceof ThrottledError ||
    error instanceof CircuitOpenError ||
    error instanceof AccessDeniedError ||
    error instanceof ConfigurationError
  );
}

/** Whether an operator must act before sending can resume (credentials or configuration). */
export function needsOperator(error: unknown): error is AccessDeniedError | ConfigurationError {
  return error instanceof AccessDeniedError || error instanceof ConfigurationError;
}
