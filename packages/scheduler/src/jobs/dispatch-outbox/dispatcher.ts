import {
  type BackoffPolicy,
  type Clock,
  type DynamicsPortalClient,
  isBackPressure,
  isDynamicsClientError,
  jitteredBackoff,
  type Logger,
  systemClock,
} from '@peer-mentor/dynamics-client';
import { type ClaimedEvent, type OutboxStore, toStatusChange } from './outbox-store.js';

export interface DispatcherOptions {
  store: OutboxStore;
  client: DynamicsPortalClient;
  logger: Logger;
  /** Events being sent at once (default 8, the Dataverse client's request cap). */
  concurrency?: number;
  /** Events claimed per round trip (default: `concurrency`). */
  batchSize?: number;
  /** How long a claim is ours; a dispatcher that dies loses its events to others after it. */
  leaseSeconds?: number;
  /** A failed attempt beyond this many parks the event (default 12). */
  maxAttempts?: number;
  /** Delay before the next attempt of a failed event: doubling, jittered (5 s .. 15 min). */
  retryBackoff?: BackoffPolicy;
  /** Watch mode: pause between rounds when nothing is due (default 2 s). */
  idleDelayMs?: number;
  clock?: Clock;
  random?: () => number;
}

/** What one round (or a whole watch) did. */
export interface DispatchSummary {
  claimed: number;
  delivered: number;
  /** Failed, and scheduled for another attempt. */
  retried: number;
  /** A permanent error or too many attempts: an operator looks at it. */
  parked: number;
  /** Given back unsent: the portal throttled or its circuit was open. */
  deferred: number;
  /** Given back unsent: sync is switched off. */
  skipped: number;
  /** Settled too late: the lease had run out and another dispatcher had the event. */
  lostLeases: number;
}

const emptySummary = (): DispatchSummary => ({
  claimed: 0,
  delivered: 0,
  retried: 0,
  parked: 0,
  deferred: 0,
  skipped: 0,
  lostLeases: 0,
});

export function addSummaries(total: DispatchSummary, round: DispatchSummary): DispatchSummary {
  const sum = emptySummary();
  for (const key of Object.keys(sum) as (keyof DispatchSummary)[])
    sum[key] = total[key] + round[key];
  return sum;
}

/**
 * Sends the outbox to the CRM. Each round claims due events (at most one per mentor, always
 * that mentor's oldest undelivered version, so version n+1 never goes before n) and sends up to
 * `concurrency` at once; as events settle, the next ones are claimed, until nothing is due.
 * Any number of dispatchers may run at once: claims skip rows another one holds.
 *
 * Outcomes: delivered → marked; permanent error or `maxAttempts` reached → parked (later
 * events of that mentor wait behind it, other mentors flow); other errors → retried after a
 * jittered, doubling delay; throttled or circuit open → given back unsent and the dispatcher
 * pauses for the time the portal asked; sync switched off → given back unsent, untouched.
 */
export class OutboxDispatcher {
  readonly #store: OutboxStore;
  readonly #client: DynamicsPortalClient;
  readonly #logger: Logger;
  readonly #concurrency: number;
  readonly #batchSize: number;
  readonly #leaseSeconds: number;
  readonly #maxAttempts: number;
  readonly #retryBackoff: BackoffPolicy;
  readonly #idleDelayMs: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  #pausedUntil = 0;
  /** Why the dispatcher paused, kept with events it gives back (none for sync switched off). */
  #pauseNote: string | undefined;

  constructor(options: DispatcherOptions) {
    this.#store = options.store;
    this.#client = options.client;
    this.#logger = options.logger;
    this.#concurrency = options.concurrency ?? 8;
    this.#batchSize = options.batchSize ?? this.#concurrency;
    this.#leaseSeconds = options.leaseSeconds ?? 120;
    this.#maxAttempts = options.maxAttempts ?? 12;
    this.#retryBackoff = options.retryBackoff ?? { baseMs: 5_000, maxMs: 15 * 60_000 };
    this.#idleDelayMs = options.idleDelayMs ?? 2_000;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
  }

  /** Milliseconds until the dispatcher sends again after back-pressure (0: not paused). */
  get pausedForMs(): number {
    return Math.max(0, this.#pausedUntil - this.#clock.now());
  }

  /**
   * One round: sends what is due until nothing is (events unblocked by this round's deliveries
   * included), the portal pushes back, or `signal` asks to stop. In-flight sends finish;
   * claimed events not yet started are given back.
   */
  async runOnce(signal?: AbortSignal): Promise<DispatchSummary> {
    const summary = emptySummary();
    const queue: ClaimedEvent[] = [];
    let sending = 0;
    const recordings = new Set<Promise<void>>();
    let claiming: Promise<{ claimed: number; changesBefore: number }> | undefined;
    let settled = deferred<void>();
    /** Counts outcomes recorded and claims that found work; a claim compares it. */
    let changes = 0;
    let failure: { error: unknown } | undefined;
    const stopped = () => failure !== undefined || signal?.aborted === true || this.pausedForMs > 0;
    const wakeWaiters = () => {
      changes += 1;
      settled.resolve();
      settled = deferred<void>();
    };

    const claimMore = () => {
      if (claiming === undefined) {
        const changesBefore = changes;
        claiming = this.#store
          .claim(this.#batchSize, this.#leaseSeconds)
          .then((events) => {
            summary.claimed += events.length;
            queue.push(...events);
            if (events.length > 0) wakeWaiters();
            return { claimed: events.length, changesBefore };
          })
          .finally(() => {
            claiming = undefined;
          });
      }
      return claiming;
    };

    const prefetch = () => {
      if (claiming !== undefined || stopped()) return;
      claimMore().catch((error: unknown) => {
        failure ??= { error };
        wakeWaiters();
      });
    };

    const worker = async () => {
      try {
        while (!stopped()) {
          const event = queue.shift();
          if (event) {
            // Took the last claimed event: claim the next batch while this one is being sent.
            if (queue.length === 0) prefetch();
            sending += 1;
            let record: Recording;
            try {
              record = await this.#send(event, summary);
            } finally {
              sending -= 1;
            }
            // Recorded off the sending slot; a delivery recorded may unblock a successor.
            const recording: Promise<void> = record().finally(() => {
              recordings.delete(recording);
              wakeWaiters();
            });
            recordings.add(recording);
            if (recordings.size > this.#concurrency) await Promise.race(recordings);
            continue;
          }
          const { claimed, changesBefore } = await claimMore();
          if (claimed > 0) continue;
          // An outcome recorded while the claim ran may have unblocked an event the claim could
          // not see yet: look again rather than stop.
          if (changes !== changesBefore) continue;
          if (sending === 0 && recordings.size === 0 && queue.length === 0) return;
          // Nothing claimable now, but an event in flight may unblock its mentor's next version.
          await settled.promise;
        }
      } catch (error) {
        // The database failed a claim: stop the round, let in-flight sends finish.
        failure ??= { error };
        wakeWaiters();
      }
    };

    await Promise.all(Array.from({ length: this.#concurrency }, worker));
    await Promise.all(recordings);
    // A prefetch may still be on its way; its events are given back with the rest.
    await claiming?.catch(() => undefined);
    // Claimed but never started (stopping, or the portal pushed back): give them back.
    for (const event of queue.splice(0)) {
      await this.#settle(summary, 'release', () =>
        this.#store.release(event, this.pausedForMs, this.#pauseNote),
      );
    }
    if (failure) throw failure.error;
    return summary;
  }

  /**
   * Watch mode: rounds until `signal` aborts, sleeping `idleDelayMs` when nothing is due (or
   * as long as the portal asked after throttling). A failing round (e.g. the database is
   * unreachable) is logged and retried after the same pause.
   */
  async run(
    signal: AbortSignal,
    onRound?: (summary: DispatchSummary) => void,
  ): Promise<DispatchSummary> {
    let total = emptySummary();
    while (!signal.aborted) {
      try {
        const round = await this.runOnce(signal);
        total = addSummaries(total, round);
        onRound?.(round);
      } catch (error) {
        this.#logger.error('outbox dispatch round failed', { error: describe(error) });
      }
      try {
        await this.#clock.sleep(Math.max(this.pausedForMs, this.#idleDelayMs), signal);
      } catch {
        // Aborted: leave the loop.
      }
    }
    return total;
  }

  /**
   * Sends one event and decides its outcome; returns how to record that outcome, so the
   * database write does not hold a sending slot. Never throws.
   */
  async #send(event: ClaimedEvent, summary: DispatchSummary): Promise<Recording> {
    let change: ReturnType<typeof toStatusChange>;
    try {
      change = toStatusChange(event);
    } catch (error) {
      summary.parked += 1;
      const reason = `unreadable outbox payload: ${describe(error)}`;
      return () => this.#settle(summary, 'park', () => this.#store.park(event, reason));
    }

    // Half the lease: the send is abandoned well before another dispatcher may take the event.
    const deadline = AbortSignal.timeout((this.#leaseSeconds * 1000) / 2);
    try {
      const result = await this.#client.pushStatusChange(change, { signal: deadline });
      if (result.outcome === 'delivered') {
        summary.delivered += 1;
        return () => this.#settle(summary, 'markDelivered', () => this.#store.markDelivered(event));
      }
      // Sync is switched off: keep the event exactly as it was, and stop sending for now.
      summary.skipped += 1;
      this.#pause(this.#idleDelayMs, undefined);
      return () => this.#settle(summary, 'release', () => this.#store.release(event, 0));
    } catch (error) {
      return this.#failureOutcome(event, error, summary);
    }
  }

  #failureOutcome(event: ClaimedEvent, error: unknown, summary: DispatchSummary): Recording {
    const message = describe(error);
    const context = {
      eventId: event.eventId,
      peerMentorId: event.peerMentorId,
      statusVersion: event.statusVersion,
      attempts: event.attempts,
      error: message,
    };
    if (isBackPressure(error)) {
      summary.deferred += 1;
      const waitMs = error.retryAfterMs;
      this.#pause(waitMs, `not sent, the portal asked to wait: ${message}`);
      return () =>
        this.#settle(summary, 'release', () => this.#store.release(event, waitMs, message));
    }
    const permanent = isDynamicsClientError(error) && error.kind === 'permanent';
    if (permanent || event.attempts >= this.#maxAttempts) {
      summary.parked += 1;
      const reason = permanent ? message : `gave up after ${event.attempts} attempts: ${message}`;
      this.#logger.warn('outbox event parked', { ...context, error: reason });
      return () => this.#settle(summary, 'park', () => this.#store.park(event, reason));
    }
    summary.retried += 1;
    const delayMs = jitteredBackoff(event.attempts, this.#retryBackoff, this.#random);
    this.#logger.warn('outbox event will be retried', { ...context, delayMs });
    return () =>
      this.#settle(summary, 'retryLater', () => this.#store.retryLater(event, delayMs, message));
  }

  /** Records an outcome; a claim lost meanwhile, or a database error, is logged, not thrown. */
  async #settle(
    summary: DispatchSummary,
    what: string,
    settle: () => Promise<boolean>,
  ): Promise<void> {
    try {
      if (!(await settle())) {
        summary.lostLeases += 1;
        this.#logger.warn('outbox claim was lost before it was settled', { settle: what });
      }
    } catch (error) {
      // The lease runs out and the event is sent again; the CRM write is idempotent.
      this.#logger.error('could not record an outbox outcome', {
        settle: what,
        error: describe(error),
      });
    }
  }

  #pause(forMs: number, note: string | undefined): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + forMs);
    this.#pauseNote = note;
  }
}

/** Writes an event's outcome to the outbox. */
type Recording = () => Promise<void>;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
