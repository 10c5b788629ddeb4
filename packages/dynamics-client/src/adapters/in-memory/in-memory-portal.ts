import { DivergenceError, DynamicsClientError } from '../../errors.js';
import type {
  DynamicsPortalClient,
  HealthReport,
  PeerMentorStatusChange,
  PushOptions,
  PushOutcome,
} from '../../portal-client.js';

/** A mentor's record as the portal holds it (null fields until the first status arrives). */
export type PortalRecord = Omit<PeerMentorStatusChange, 'peerMentorId'>;

export interface InMemoryPortalOptions {
  /** Create the record of a mentor the portal has none of (default false, as the real adapter). */
  createMissingRecords?: boolean;
}

/**
 * An in-memory stand-in for the CRM, for tests of code that uses a DynamicsPortalClient. It
 * behaves as the Dataverse adapter does against a real portal: it updates only mentors whose
 * record exists (`linkRecord`), a version the record already reflects (or an older one) is
 * acknowledged without being applied, and the same version from another event is a divergence.
 * Failures can be scripted.
 */
export class InMemoryPortal implements DynamicsPortalClient {
  readonly adapter = 'in-memory';
  readonly #records = new Map<string, PortalRecord | null>();
  readonly #applied = new Map<string, number[]>();
  readonly #failures: Array<{ peerMentorId?: string; error: () => DynamicsClientError }> = [];
  readonly #createMissing: boolean;
  #pushes = 0;

  constructor(options: InMemoryPortalOptions = {}) {
    this.#createMissing = options.createMissingRecords ?? false;
  }

  async pushStatusChange(
    change: PeerMentorStatusChange,
    options: PushOptions = {},
  ): Promise<PushOutcome> {
    options.signal?.throwIfAborted();
    this.#pushes += 1;
    const failure = this.#failures.findIndex(
      (entry) => entry.peerMentorId === undefined || entry.peerMentorId === change.peerMentorId,
    );
    if (failure >= 0) {
      const [entry] = this.#failures.splice(failure, 1);
      throw entry!.error();
    }
    const { peerMentorId, ...record } = change;
    if (!this.#records.has(peerMentorId) && !this.#createMissing) {
      throw new DynamicsClientError({
        kind: 'permanent',
        adapter: this.adapter,
        call: 'pushStatusChange',
        status: 404,
        message: `not linked or deleted: no record for peer mentor ${peerMentorId}; nothing was created`,
      });
    }
    const current = this.#records.get(peerMentorId);
    if (current && current.version > change.version) return this.#delivered(peerMentorId);
    if (current && current.version === change.version) {
      if (current.eventId === change.eventId) return this.#delivered(peerMentorId);
      throw new DivergenceError({
        adapter: this.adapter,
        call: 'pushStatusChange',
        message: `diverged: peer mentor ${peerMentorId} holds version ${change.version} from event ${current.eventId}, not ${change.eventId}`,
      });
    }
    this.#records.set(peerMentorId, record);
    this.#applied.set(peerMentorId, [...(this.#applied.get(peerMentorId) ?? []), change.version]);
    return this.#delivered(peerMentorId);
  }

  async checkHealth(): Promise<HealthReport> {
    return { adapter: this.adapter, status: 'ok' };
  }

  /** The CRM has a record for the mentor (linked by an operator), with no status yet. */
  linkRecord(peerMentorId: string): void {
    if (!this.#records.has(peerMentorId)) this.#records.set(peerMentorId, null);
  }

  /** The next push (for one mentor, or any) throws this error instead of being applied. */
  failNextPush(error: () => DynamicsClientError, peerMentorId?: string): void {
    this.#failures.push({ peerMentorId, error });
  }

  record(peerMentorId: string): PortalRecord | undefined {
    return this.#records.get(peerMentorId) ?? undefined;
  }

  /** The versions that changed the mentor's record, in the order they did. */
  appliedVersions(peerMentorId: string): number[] {
    return [...(this.#applied.get(peerMentorId) ?? [])];
  }

  /** Every push received, applied or not. */
  get pushCount(): number {
    return this.#pushes;
  }

  #delivered(peerMentorId: string): PushOutcome {
    return { outcome: 'delivered', etag: `W/"${this.appliedVersions(peerMentorId).length}"` };
  }
}
