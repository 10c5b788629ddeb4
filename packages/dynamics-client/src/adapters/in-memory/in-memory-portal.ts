import type { DynamicsClientError } from '../../errors.js';
import type {
  DynamicsPortalClient,
  HealthReport,
  PeerMentorStatusChange,
  PushOptions,
  PushOutcome,
} from '../../portal-client.js';

/** A mentor's record as the portal holds it. */
export type PortalRecord = Omit<PeerMentorStatusChange, 'peerMentorId'>;

/**
 * An in-memory stand-in for the CRM, for tests of code that uses a DynamicsPortalClient. It
 * behaves as the Dataverse adapter does against a real portal: a version the record already
 * reflects (or an older one) is acknowledged without being applied. Failures can be scripted.
 */
export class InMemoryPortal implements DynamicsPortalClient {
  readonly adapter = 'in-memory';
  readonly #records = new Map<string, PortalRecord>();
  readonly #applied = new Map<string, number[]>();
  readonly #failures: Array<{ peerMentorId?: string; error: () => DynamicsClientError }> = [];
  #pushes = 0;

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
    const current = this.#records.get(peerMentorId);
    if (current && current.version >= change.version) return { outcome: 'delivered' };
    this.#records.set(peerMentorId, record);
    this.#applied.set(peerMentorId, [...(this.#applied.get(peerMentorId) ?? []), change.version]);
    return { outcome: 'delivered' };
  }

  async checkHealth(): Promise<HealthReport> {
    return { adapter: this.adapter, status: 'ok' };
  }

  /** The next push (for one mentor, or any) throws this error instead of being applied. */
  failNextPush(error: () => DynamicsClientError, peerMentorId?: string): void {
    this.#failures.push({ peerMentorId, error });
  }

  record(peerMentorId: string): PortalRecord | undefined {
    return this.#records.get(peerMentorId);
  }

  /** The versions that changed the mentor's record, in the order they did. */
  appliedVersions(peerMentorId: string): number[] {
    return [...(this.#applied.get(peerMentorId) ?? [])];
  }

  /** Every push received, applied or not. */
  get pushCount(): number {
    return this.#pushes;
  }
}
