import { z } from 'zod';

/** Whether a peer mentor is currently serving or taking a break. */
export const pauseStatuses = ['active', 'paused'] as const;
export const PauseStatus = z.enum(pauseStatuses).meta({
  description: 'Whether a peer mentor is serving (active) or on a break (paused).',
});
export type PauseStatus = z.infer<typeof PauseStatus>;

/**
 * Why a mentor is paused. Who may use which code is in `reasonCodeUsableBy`; the database
 * enforces the same table (`private.reason_code_usable_by`).
 */
export const pauseReasonCodes = [
  'personal',
  'health',
  'vacation',
  'other',
  'coordinator_decision',
  'certification_expired',
] as const;
export const PauseReasonCode = z.enum(pauseReasonCodes).meta({
  description:
    'Why a mentor is paused. coordinator_decision: coordinators and org admins only; certification_expired: the system only.',
});
export type PauseReasonCode = z.infer<typeof PauseReasonCode>;

/** A user's role in an organization (`organization_members.role`). */
export const memberRoles = ['peer_mentor', 'coordinator', 'org_admin'] as const;
export const MemberRole = z.enum(memberRoles).meta({
  description: 'A user’s role in one organization.',
});
export type MemberRole = z.infer<typeof MemberRole>;

/**
 * Who made a status transition, as recorded in the audit log. `system` is a caller using the
 * service role (the nightly scheduler); it has no user id.
 */
export const actorRoles = [...memberRoles, 'system'] as const;
export const ActorRole = z.enum(actorRoles).meta({
  description:
    'Who made a status transition; system is the service role (the nightly scheduler), with no user id.',
});
export type ActorRole = z.infer<typeof ActorRole>;

/** Which actors may start a pause with each reason code. */
export const reasonCodeUsableBy: Readonly<Record<PauseReasonCode, readonly ActorRole[]>> = {
  personal: actorRoles,
  health: actorRoles,
  vacation: actorRoles,
  other: actorRoles,
  coordinator_decision: ['coordinator', 'org_admin'],
  certification_expired: ['system'],
};

/**
 * Actors whose pause the mentor may not end themselves (`PM423`): a pause imposed by a
 * coordinator, an org admin or the system ends only by a coordinator or org admin.
 */
export const pauseLockingActorRoles: readonly ActorRole[] = ['coordinator', 'org_admin', 'system'];

/** Longest accepted note, in characters. */
export const NOTE_MAX_LENGTH = 1000;

/** What a membership administration RPC changed (`organization_membership_log.action`). */
export const membershipChanges = [
  'member_role_changed',
  'member_removed',
  'coordinator_chapter_assigned',
  'coordinator_chapter_unassigned',
  'mentor_chapter_added',
  'mentor_chapter_removed',
] as const;
export const MembershipChange = z.enum(membershipChanges).meta({
  description: 'What a membership administration RPC changed.',
});
export type MembershipChange = z.infer<typeof MembershipChange>;
