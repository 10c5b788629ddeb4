import {
  AccessDeniedError,
  CircuitOpenError,
  DynamicsClientError,
  ThrottledError,
} from '../../errors.js';
import { type BackoffPolicy, jitteredBackoff } from '../../resilience/backoff.js';
import type { CircuitBreaker } from '../../resilience/circuit-breaker.js';
import type { Clock } from '../../resilience/clock.js';
import type { ConcurrencyLimit } from '../../resilience/concurrency-limit.js';
import { parseRetryAfter } from '../../resilience/retry-after.js';
import type { ThrottleGate } from '../../resilience/throttle-gate.js';
import type { AccessTokenProvider } from './msal-token-provider.js';

export const ADAPTER_NAME = 'dataverse';

export interface WebApiTransportOptions {
  /** The environment URL, e.g. `https://contoso.crm4.dynamics.com`. */
  baseUrl: string;
  /** `v9.2`. */
  apiVersion: string;
  tokenProvider: AccessTokenProvider;
  limit: ConcurrencyLimit;
  gate: ThrottleGate;
  breaker: CircuitBreaker;
  clock: Clock;
  random: () => number;
  /** Per HTTP request, response body included. */
  requestTimeoutMs: number;
  /** Retries of one request after a 5xx, a timeout or a network error. */
  maxRetries: number;
  retryBackoff: BackoffPolicy;
  /** How long one call may wait out Retry-After in total before it gives up (ThrottledError). */
  maxThrottleWaitMs: number;
  /** How long the caller should hold off after the portal refused our credentials. */
  refusalPauseMs: number;
  fetch: typeof fetch;
}

export interface WebApiRequest {
  method: 'GET' | 'PATCH';
  /** Below `/api/data/<version>/`, with its query string. */
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Statuses besides 2xx the caller handles itself (e.g. 412, 404). */
  accept?: readonly number[];
}

export interface WebApiResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body; undefined when empty or not JSON (see `unreadableBody`). */
  body: unknown;
  /** The start of a body that should have been JSON and was not. */
  unreadableBody?: string;
}

/** Headers every Dataverse Web API request carries (Compose HTTP requests and handle errors). */
const ODATA_HEADERS = {
  Accept: 'application/json',
  'OData-MaxVersion': '4.0',
  'OData-Version': '4.0',
} as const;

const TRANSIENT_STATUSES = new Set([408, 500, 502, 503, 504]);
/** The portal refused our credentials or permissions: nobody's request would pass. */
const CREDENTIAL_STATUSES = new Set([401, 403]);

type Attempt =
  | { kind: 'response'; response: WebApiResponse }
  | { kind: 'failed'; reason: 'timeout' | 'network'; cause: unknown };

/**
 * Sends one Web API request with everything around it: the bearer token (refreshed once on a
 * 401), the concurrency cap, the shared Retry-After gate, the circuit breaker, a timeout per
 * request, and jittered retries of transient failures. Throws DynamicsClientError.
 */
export class WebApiTransport {
  readonly #options: WebApiTransportOptions;
  readonly #root: string;

  constructor(options: WebApiTransportOptions) {
    this.#options = options;
    this.#root = `${options.baseUrl.replace(/\/+$/, '')}/api/data/${options.apiVersion}/`;
  }

  async send(call: string, request: WebApiRequest, signal?: AbortSignal): Promise<WebApiResponse> {
    const { breaker, gate, clock } = this.#options;
    let retries = 0;
    let throttledForMs = 0;
    let forceTokenRefresh = false;
    let tokenRefreshed = false;
    for (;;) {
      this.#throwIfAborted(call, signal);
      const throttleMs = gate.remainingMs;
      if (throttleMs > 0) {
        if (throttledForMs + throttleMs > this.#options.maxThrottleWaitMs) {
          throw new ThrottledError({
            adapter: ADAPTER_NAME,
            call,
            status: 429,
            message: `throttled by the service-protection limits; retry after ${throttleMs} ms`,
            retryAfterMs: throttleMs,
          });
        }
        throttledForMs += throttleMs;
        await this.#wait(call, () => gate.wait(signal));
        continue;
      }
      const admission = breaker.admit();
      if (!admission.admitted) {
        throw new CircuitOpenError({
          adapter: ADAPTER_NAME,
          call,
          message: `circuit open after repeated failures; nothing sent, retry after ${admission.retryAfterMs} ms`,
          retryAfterMs: admission.retryAfterMs,
        });
      }

      let attempt: Attempt;
      try {
        attempt = await this.#options.limit.run(() =>
          this.#exchange(call, request, forceTokenRefresh, signal),
        );
      } catch (error) {
        // No token, or aborted by the caller: says nothing about the portal's health.
        breaker.recordNeutral();
        throw error;
      }
      forceTokenRefresh = false;

      if (attempt.kind === 'failed') {
        breaker.recordFailure();
        const error = new DynamicsClientError({
          kind: 'transient',
          adapter: ADAPTER_NAME,
          call,
          message:
            attempt.reason === 'timeout'
              ? `no response within ${this.#options.requestTimeoutMs} ms (${request.method} ${request.path})`
              : `network error (${request.method} ${request.path}): ${describe(attempt.cause)}`,
          cause: attempt.cause,
        });
        retries = await this.#retryOrThrow(call, retries, error, signal);
        continue;
      }

      const { response } = attempt;
      const { status } = response;
      // Dataverse's recommended degree of parallelism for this environment.
      const dopHint = Number(response.headers.get('x-ms-dop-hint'));
      if (dopHint > 0) this.#options.limit.hint(dopHint);
      if ((status >= 200 && status < 300) || request.accept?.includes(status)) {
        breaker.recordSuccess();
        return response;
      }
      if (status === 429) {
        breaker.recordNeutral();
        const retryAfterMs =
          parseRetryAfter(response.headers.get('retry-after'), clock.now()) ??
          jitteredBackoff(retries + 1, this.#options.retryBackoff, this.#options.random);
        gate.close(retryAfterMs);
        continue;
      }
      if (status === 401 && !tokenRefreshed) {
        // The cached token was revoked or expired early: one retry with a fresh token.
        breaker.recordNeutral();
        forceTokenRefresh = true;
        tokenRefreshed = true;
        continue;
      }
      if (CREDENTIAL_STATUSES.has(status)) {
        // Every other event would meet the same answer: hold off everyone, alert an operator.
        breaker.recordNeutral();
        const { code, message } = responseFailure(request, response);
        throw new AccessDeniedError({
          adapter: ADAPTER_NAME,
          call,
          status,
          code,
          message: `${message} (refused with a fresh token: check the app registration and the application user's security role)`,
          retryAfterMs: this.#options.refusalPauseMs,
        });
      }
      const failure = errorFromResponse(call, request, response);
      if (TRANSIENT_STATUSES.has(status)) {
        breaker.recordFailure();
        retries = await this.#retryOrThrow(call, retries, failure, signal);
        continue;
      }
      // The portal answered deliberately: it is up, whatever it thought of the request.
      breaker.recordSuccess();
      throw failure;
    }
  }

  async #retryOrThrow(
    call: string,
    retries: number,
    error: DynamicsClientError,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    if (retries >= this.#options.maxRetries) throw error;
    const delay = jitteredBackoff(retries + 1, this.#options.retryBackoff, this.#options.random);
    await this.#wait(call, () => this.#options.clock.sleep(delay, signal));
    return retries + 1;
  }

  async #exchange(
    call: string,
    request: WebApiRequest,
    forceRefresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<Attempt> {
    this.#throwIfAborted(call, signal);
    let token: string;
    try {
      token = await this.#options.tokenProvider.getToken({ forceRefresh });
    } catch (cause) {
      throw new DynamicsClientError({
        kind: 'transient',
        adapter: ADAPTER_NAME,
        call,
        message: `could not get an access token: ${describe(cause)}`,
        cause,
      });
    }
    const timeout = AbortSignal.timeout(this.#options.requestTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const response = await this.#options.fetch(new URL(request.path, this.#root), {
        method: request.method,
        headers: {
          ...ODATA_HEADERS,
          ...(request.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          Authorization: `Bearer ${token}`,
          ...request.headers,
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: combined,
      });
      const text = await response.text();
      return { kind: 'response', response: readBody(response, text) };
    } catch (cause) {
      this.#throwIfAborted(call, signal, cause);
      return { kind: 'failed', reason: timeout.aborted ? 'timeout' : 'network', cause };
    }
  }

  async #wait(call: string, wait: () => Promise<void>): Promise<void> {
    try {
      await wait();
    } catch (cause) {
      throw abortedError(call, cause);
    }
  }

  #throwIfAborted(call: string, signal: AbortSignal | undefined, cause?: unknown): void {
    if (signal?.aborted) throw abortedError(call, cause ?? signal.reason);
  }
}

function abortedError(call: string, cause: unknown): DynamicsClientError {
  return new DynamicsClientError({
    kind: 'transient',
    adapter: ADAPTER_NAME,
    call,
    message: 'aborted by the caller',
    cause,
  });
}

function readBody(response: Response, text: string): WebApiResponse {
  if (text.trim() === '')
    return { status: response.status, headers: response.headers, body: undefined };
  try {
    return { status: response.status, headers: response.headers, body: JSON.parse(text) };
  } catch {
    return {
      status: response.status,
      headers: response.headers,
      body: undefined,
      unreadableBody: text.slice(0, 200),
    };
  }
}

/** The documented error body: `{"error":{"code":"…","message":"…"}}`. */
function odataError(body: unknown): { code?: string; message?: string } {
  if (typeof body !== 'object' || body === null || !('error' in body)) return {};
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return {};
  const { code, message } = error as { code?: unknown; message?: unknown };
  return {
    code: typeof code === 'string' && code !== '' ? code : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
}

/** What the portal said about a failed request: its code and a one-line account. */
export function responseFailure(
  request: Pick<WebApiRequest, 'method' | 'path'>,
  response: WebApiResponse,
): { code: string | undefined; message: string } {
  const { code, message } = odataError(response.body);
  const detail =
    message ??
    (response.unreadableBody !== undefined
      ? `unreadable error body: ${JSON.stringify(response.unreadableBody)}`
      : 'no error body');
  return {
    code,
    message: `HTTP ${response.status}${code ? ` (${code})` : ''} on ${request.method} ${request.path}: ${detail}`,
  };
}

function errorFromResponse(
  call: string,
  request: WebApiRequest,
  response: WebApiResponse,
): DynamicsClientError {
  return new DynamicsClientError({
    kind: TRANSIENT_STATUSES.has(response.status) ? 'transient' : 'permanent',
    adapter: ADAPTER_NAME,
    call,
    status: response.status,
    ...responseFailure(request, response),
  });
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
