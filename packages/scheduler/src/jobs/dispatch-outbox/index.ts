export {
  addSummaries,
  type DispatcherOptions,
  type DispatchSummary,
  OutboxDispatcher,
} from './dispatcher.js';
export { listParkedEvents, type ParkedEvent, requeueParkedEvents } from './operations.js';
export {
  type ClaimedEvent,
  createOutboxStore,
  type OutboxStore,
  toStatusChange,
} from './outbox-store.js';
