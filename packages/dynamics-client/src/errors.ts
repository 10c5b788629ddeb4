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

export function isDynamicsClientError(error: unknown): error is DynamicsClientError {
  return error instanceof DynamicsClientError;
}

/**
 * Whether nothing reached the portal and the caller should hold off for `retryAfterMs`
 * (throttled or circuit open): such an attempt is not the event's fault.
 */
export function isBackPressure(error: unknown): error is ThrottledError | CircuitOpenError {
  return error instanceof ThrottledError || error instanceof CircuitOpenError;
}
