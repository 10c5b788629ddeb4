import { randomUUID } from 'node:crypto';
import type { PeerMentorStatusChange } from '../../src/index.js';

/** A status change of `peerMentorId` at `version`: odd versions pause, even ones resume. */
export function statusChange(
  peerMentorId: string,
  version: number,
  overrides: Partial<PeerMentorStatusChange> = {},
): PeerMentorStatusChange {
  const paused = version % 2 === 1;
  const at = new Date(Date.UTC(2026, 10, 26, 9, 0, version)).toISOString();
  return {
    eventId: randomUUID(),
    peerMentorId,
    organizationId: '6a1f0c2e-0000-4000-8000-00000000000a',
    version,
    status: paused ? 'paused' : 'active',
    reasonCode: paused ? 'health' : null,
    pausedAt: paused ? at : null,
    expectedEnd: paused ? '2026-12-24' : null,
    actorRole: paused ? 'peer_mentor' : 'coordinator',
    occurredAt: at,
    ...overrides,
  };
}
