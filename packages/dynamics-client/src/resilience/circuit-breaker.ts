import type { CircuitState } from '../portal-client.js';
import type { Clock } from './clock.js';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one trial call is let through. */
  cooldownMs: number;
  clock: Clock;
}

/**
 * Stops calling a portal that keeps failing. Closed: calls pass. After `failureThreshold`
 * consecutive failures: open, every call is refused for `cooldownMs`. Then half-open: one
 * trial call passes; its success closes the circuit, its failure opens it again.
 */
export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions;
  #failures = 0;
  #openedAt: number | undefined;
  #trialInFlight = false;

  constructor(options: CircuitBreakerOptions) {
    this.#options = options;
  }

  get state(): CircuitState {
    if (this.#openedAt === undefined) return 'closed';
    return this.#options.clock.now() - this.#openedAt >= this.#options.cooldownMs
      ? 'half-open'
      : 'open';
  }

  /**
   * Whether a call may go ahead now. Returns the milliseconds to wait when it may not; a
   * half-open circuit admits a single trial at a time.
   */
  admit(): { admitted: true } | { admitted: false; retryAfterMs: number } {
    const state = this.state;
    if (state === 'closed') return { admitted: true };
    if (state === 'half-open' && !this.#trialInFlight) {
      this.#trialInFlight = true;
      return { admitted: true };
    }
    const openedAt = this.#openedAt ?? this.#options.clock.now();
    const remaining = openedAt + this.#options.cooldownMs - this.#options.clock.now();
    return { admitted: false, retryAfterMs: Math.max(remaining, 1) };
  }

  recordSuccess(): void {
    this.#failures = 0;
    this.#openedAt = undefined;
    this.#trialInFlight = false;
  }

  recordFailure(): void {
    this.#failures += 1;
    if (this.#trialInFlight || this.#failures >= this.#options.failureThreshold) {
      this.#openedAt = this.#options.clock.now();
    }
    this.#trialInFlight = false;
  }

  /** The call ended without telling anything about the portal's health (e.g. aborted). */
  recordNeutral(): void {
    this.#trialInFlight = false;
  }
}
