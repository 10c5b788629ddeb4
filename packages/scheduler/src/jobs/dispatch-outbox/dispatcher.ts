import {
  type BackoffPolicy,
  type Clock,
  DivergenceError,
  type DynamicsPortalClient,
  isBackPressure,
  isDynamicsClientError,
  jitteredBackoff,
  type Logger,
  needsOperator,
  systemClock,
  ThrottledError,
} from '@peer-mentor/dynamics-client';
import {
  type ClaimedEvent,
  type OutboxStore,
  type SendPace,
  toStatusChange,
} from './outbox-store.js';

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
  /**
   * The request pace shared by every dispatcher process through the database; each push
   * takes one permit. Unset: no pacing (a portal without service protection limits).
   */
  pace?: SendPace;
  /** A wait for a permit longer than this pauses the round instead (default 1 s). */
  maxPermitWaitMs?: number;
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
  /** The CRM holds the event's version from another event: parked and alerted (also in `parked`). */
  diverged: number;
}

const emptySummary = (): DispatchSummary => ({
  claimed: 0,
  delivered: 0,
  retried: 0,
  parked: 0,
  deferred: 0,
  skipped: 0,
  lostLeases: 0,
  diverged: 0,
});

export function addSummaries(total: DispatchSummary, round: DispatchSummary): DispatchSummary {
  const sum = emptySummary();
  for (const key of Object.keys(sum) as (keyof DispatchSummary)[])
    sum[key] = total[key] + round[key];
  return sum;
}

/** The portal's environment does not match the configuration: nothing is sent until fixed. */
export class PortalMisconfiguredError extends Error {
  readonly problems: string[];

  constructor(detail: string, problems: string[]) {
    super(`outbox dispatch stopped before sending anything: ${detail}`);
    this.name = 'PortalMisconfiguredError';
    this.problems = problems;
  }
}

/**
 * Sends the outbox to the CRM. Before the first send it checks the portal's health: an
 * environment that does not match the mapping stops it (PortalMisconfiguredError). Each round
 * claims due events (per mentor only the newest unsent version, never while an older one is in
 * flight; the database supersedes the older ones) and sends up to `concurrency` at once, each
 * with the ETag kept from the mentor's last delivery and, with `pace`, a permit from the rate
 * all dispatcher processes share; as events settle, the next ones are claimed, until nothing
 * is due. Any number of dispatchers may run at once: claims skip rows another one holds.
 *
 * Outcomes: delivered → marked, the record's ETag kept; permanent error, divergence or
 * `maxAttempts` reached → parked (a newer version of that mentor supersedes it, other mentors
 * flow); other errors → retried after a jittered, doubling delay; throttled, circuit open,
 * credentials refused or a configuration error → given back unsent and every send pauses for
 * the time asked (throttling also slows the shared pace; refusals alert an operator); sync
 * switched off → given back unsent, untouched.
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
  readonly #pace: SendPace | undefined;
  readonly #maxPermitWaitMs: number;
  /** Permits taken from the shared pace and not used yet. */
  #permits = 0;
  #refilling: Promise<number> | undefined;
  /** The portal's health was checked and it matches the configuration. */
  #verified = false;
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
    this.#pace = options.pace;
    this.#maxPermitWaitMs = options.maxPermitWaitMs ?? 1_000;
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
    await this.#verifyPortal(signal);
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
          if (event && !(await this.#permit(signal))) {
            // The shared pace has nothing for a while: give the event back with the rest, and
            // wake the workers waiting for work so they see the round is over.
            queue.unshift(event);
            wakeWaiters();
            continue;
          }
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
        if (error instanceof PortalMisconfiguredError) {
          // An operator must fix the environment or the mapping; retrying changes nothing.
          this.#logger.error(error.message, { problems: error.problems });
          return total;
        }
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
      const result = await this.#client.pushStatusChange(change, {
        signal: deadline,
        etag: event.crmEtag ?? undefined,
      });
      if (result.outcome === 'delivered') {
        summary.delivered += 1;
        return () =>
          this.#settle(summary, 'markDelivered', () =>
            this.#store.markDelivered(event, result.etag),
          );
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
      const throttled = error instanceof ThrottledError;
      if (!throttled && needsOperator(error) && this.pausedForMs === 0) {
        // Every event would meet the same refusal: stop sending and alert, once per pause.
        this.#logger.error('outbox dispatch paused: an operator must act', {
          ...context,
          pausedForMs: waitMs,
        });
      }
      this.#pause(waitMs, `not sent, the portal asked to wait: ${message}`);
      const pace = throttled ? this.#pace : undefined;
      return async () => {
        // Every process slows down, not only this one.
        if (pace) await this.#slowDown(waitMs, pace);
        await this.#settle(summary, 'release', () => this.#store.release(event, waitMs, message));
      };
    }
    if (error instanceof DivergenceError) {
      summary.parked += 1;
      summary.diverged += 1;
      this.#logger.error('outbox and CRM have diverged: event parked', context);
      return () => this.#settle(summary, 'park', () => this.#store.park(event, message));
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

  /** Checks once that the portal matches the configuration; a mismatch stops everything. */
  async #verifyPortal(signal: AbortSignal | undefined): Promise<void> {
    if (this.#verified) return;
    const report = await this.#client.checkHealth({ signal });
    if (report.status === 'misconfigured') {
      throw new PortalMisconfiguredError(
        report.detail ?? 'the portal does not match the configuration',
        report.problems ?? [],
      );
    }
    // Unavailable: the sends will meet the outage and back off; check again next round.
    this.#verified = report.status !== 'unavailable';
  }

  /**
   * A permit from the shared pace for one push; false when the next one is further away than
   * `maxPermitWaitMs` (the dispatcher then pauses for that long).
   */
  async #permit(signal: AbortSignal | undefined): Promise<boolean> {
    const pace = this.#pace;
    if (!pace) return true;
    while (this.#permits === 0) {
      // Several batches' worth per round trip: fewer trips, and the bucket grants no more
      // than it holds.
      this.#refilling ??= this.#store
        .takePermits(Math.min(this.#batchSize * 4, 1000), pace)
        .then(({ granted, waitMs }) => {
          this.#permits += granted;
          return waitMs;
        })
        .finally(() => {
          this.#refilling = undefined;
        });
      const waitMs = await this.#refilling;
      if (this.#permits > 0) break;
      if (waitMs > this.#maxPermitWaitMs) {
        this.#pause(waitMs, `not sent: pacing within the service protection limits`);
        return false;
      }
      await this.#clock.sleep(waitMs, signal);
    }
    this.#permits -= 1;
    return true;
  }

  async #slowDown(retryAfterMs: number, pace: SendPace): Promise<void> {
    try {
      await this.#store.slowDown(retryAfterMs, pace);
    } catch (error) {
      this.#logger.error('could not slow the shared pace down', { error: describe(error) });
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
