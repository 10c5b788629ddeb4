import { jsonLineLogger, type Logger } from '../../logger.js';
import type {
  DynamicsPortalClient,
  HealthReport,
  PeerMentorStatusChange,
  PushOptions,
  PushOutcome,
} from '../../portal-client.js';

/**
 * Used while DYNAMICS_SYNC_ENABLED is off: sends nothing, says so once in the log, reports
 * every push as `skipped` (the dispatcher then keeps the event for later) and never throws.
 */
export class NoopPortalClient implements DynamicsPortalClient {
  readonly adapter = 'noop';
  readonly #logger: Logger;
  #announced = false;

  constructor(options: { logger?: Logger } = {}) {
    this.#logger = options.logger ?? jsonLineLogger;
  }

  async pushStatusChange(
    _change: PeerMentorStatusChange,
    _options?: PushOptions,
  ): Promise<PushOutcome> {
    if (!this.#announced) {
      this.#announced = true;
      this.#logger.info(
        'Dynamics sync is switched off (DYNAMICS_SYNC_ENABLED is not true): status changes stay in the outbox until it is switched on',
        { adapter: this.adapter },
      );
    }
    return { outcome: 'skipped', reason: 'Dynamics sync is switched off' };
  }

  async checkHealth(): Promise<HealthReport> {
    return { adapter: this.adapter, status: 'skipped', detail: 'Dynamics sync is switched off' };
  }
}
