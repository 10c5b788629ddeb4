import type { Clock } from './clock.js';

/**
 * Holds every request back until a throttling portal's Retry-After has passed. Dataverse
 * counts its service-protection limits per user, and extends the wait for a client that keeps
 * sending, so one 429 pauses all of this client's requests, not only the one that got it.
 */
export class ThrottleGate {
  readonly #clock: Clock;
  #openAt = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Milliseconds until requests may be sent again (0 when they may now). */
  get remainingMs(): number {
    return Math.max(0, this.#openAt - this.#clock.now());
  }

  close(forMs: number): void {
    this.#openAt = Math.max(this.#openAt, this.#clock.now() + forMs);
  }

  async wait(signal?: AbortSignal): Promise<void> {
    // Another 429 may move the opening time while we sleep.
    for (let remaining = this.remainingMs; remaining > 0; remaining = this.remainingMs) {
      await this.#clock.sleep(remaining, signal);
    }
  }
}
