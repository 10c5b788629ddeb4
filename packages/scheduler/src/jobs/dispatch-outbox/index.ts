export {
  addSummaries,
  type DispatcherOptions,
  type DispatchSummary,
  OutboxDispatcher,
  PortalMisconfiguredError,
} from './dispatcher.js';
export { listParkedEvents, type ParkedEvent, requeueParkedEvents } from './operations.js';
export {
  type ClaimedEvent,
  createOutboxStore,
  type OutboxStore,
  type SendPace,
  toStatusChange,
} from './outbox-store.js';
