import { z } from 'zod';
import { WireUuid } from './wire.js';

// Wire shapes of requeue_parked_events (the web console's operations panel; org admins of the
// claimed organization). The panel reads the outbox and the nightly runs through the views
// operations_outbox_backlog, operations_parked_events and operations_nightly_runs.

/** Arguments of `requeue_parked_events`. */
export const RequeueParkedEventsArgs = z
  .strictObject({
    p_organization_id: WireUuid,
    p_event_ids: z.array(WireUuid).optional(),
  })
  .meta({
    title: 'RequeueParkedEventsArgs',
    description:
      'Arguments of requeue_parked_events: the parked events to requeue (at least one; an empty list is PM422), or leave p_event_ids out to requeue every parked event of the organization.',
  });
export type RequeueParkedEventsArgs = z.infer<typeof RequeueParkedEventsArgs>;

/** One event `requeue_parked_events` made due again. */
export const RequeuedEventRow = z
  .object({
    event_id: WireUuid,
    peer_mentor_id: WireUuid,
    status_version: z.int32().min(1),
  })
  .meta({
    title: 'RequeuedEventRow',
    description: 'An outbox event that was parked and is now due again (attempts reset).',
  });
export type RequeuedEventRow = z.infer<typeof RequeuedEventRow>;

export const RequeuedEventRows = z.array(RequeuedEventRow).meta({
  title: 'RequeuedEventRows',
  description: 'The response of requeue_parked_events: every event it requeued.',
});
export type RequeuedEventRows = z.infer<typeof RequeuedEventRows>;
