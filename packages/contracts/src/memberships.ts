import { z } from 'zod';
import { MemberRole } from './enums.js';
import { WireTimestamp, WireUuid } from './wire.js';

// Wire shapes of switch_organization and the membership administration RPCs (org admins of the
// claimed organization), as PostgREST sends and receives them. Results are table rows, so their
// keys follow the SQL column order.

/** Arguments of `switch_organization`. */
export const SwitchOrganizationArgs = z.strictObject({ p_organization_id: WireUuid }).meta({
  title: 'SwitchOrganizationArgs',
  description:
    'Arguments of switch_organization. Refresh the session afterwards: the new token claims this organization.',
});
export type SwitchOrganizationArgs = z.infer<typeof SwitchOrganizationArgs>;

/** What `switch_organization` returns (one row). */
export const OrganizationSwitchRow = z
  .object({
    organization_id: WireUuid,
    organization_name: z.string(),
    role: MemberRole,
    selected_at: WireTimestamp,
  })
  .meta({
    title: 'OrganizationSwitchRow',
    description:
      'The organization switched to, its name and the caller’s role there (informational: authority stays in organization_members).',
  });
export type OrganizationSwitchRow = z.infer<typeof OrganizationSwitchRow>;

export const OrganizationSwitchRows = z.array(OrganizationSwitchRow).meta({
  title: 'OrganizationSwitchRows',
  description: 'The response of switch_organization: one row (use .single() for an object).',
});
export type OrganizationSwitchRows = z.infer<typeof OrganizationSwitchRows>;

/** Arguments of `change_member_role`. */
export const ChangeMemberRoleArgs = z
  .strictObject({ p_organization_id: WireUuid, p_user_id: WireUuid, p_role: MemberRole })
  .meta({
    title: 'ChangeMemberRoleArgs',
    description:
      'Arguments of change_member_role. A member made peer_mentor loses their chapter assignments; the last org admin cannot be demoted.',
  });
export type ChangeMemberRoleArgs = z.infer<typeof ChangeMemberRoleArgs>;

/** Arguments of `remove_member`. */
export const RemoveMemberArgs = z
  .strictObject({ p_organization_id: WireUuid, p_user_id: WireUuid })
  .meta({
    title: 'RemoveMemberArgs',
    description: 'Arguments of remove_member. The last org admin cannot be removed.',
  });
export type RemoveMemberArgs = z.infer<typeof RemoveMemberArgs>;

/** Arguments of `assign_coordinator_chapter` and `unassign_coordinator_chapter`. */
export const CoordinatorChapterArgs = z
  .strictObject({ p_organization_id: WireUuid, p_user_id: WireUuid, p_chapter_id: WireUuid })
  .meta({
    title: 'CoordinatorChapterArgs',
    description: 'Arguments of assign_coordinator_chapter and unassign_coordinator_chapter.',
  });
export type CoordinatorChapterArgs = z.infer<typeof CoordinatorChapterArgs>;

/** Arguments of `add_mentor_chapter` and `remove_mentor_chapter`. */
export const MentorChapterArgs = z
  .strictObject({
    p_organization_id: WireUuid,
    p_peer_mentor_id: WireUuid,
    p_chapter_id: WireUuid,
  })
  .meta({
    title: 'MentorChapterArgs',
    description: 'Arguments of add_mentor_chapter and remove_mentor_chapter.',
  });
export type MentorChapterArgs = z.infer<typeof MentorChapterArgs>;

/** A row of `organization_members`: what `change_member_role` and `remove_member` return. */
export const OrganizationMemberRow = z
  .object({
    organization_id: WireUuid,
    user_id: WireUuid,
    role: MemberRole,
    created_at: WireTimestamp,
  })
  .meta({
    title: 'OrganizationMemberRow',
    description:
      'A membership: as it is after change_member_role, or as it was before remove_member.',
  });
export type OrganizationMemberRow = z.infer<typeof OrganizationMemberRow>;

/** A row of `coordinator_chapters`. */
export const CoordinatorChapterRow = z
  .object({
    user_id: WireUuid,
    chapter_id: WireUuid,
    organization_id: WireUuid,
    created_at: WireTimestamp,
  })
  .meta({
    title: 'CoordinatorChapterRow',
    description: 'A coordinator’s coverage of a chapter, as assigned or as it was when unassigned.',
  });
export type CoordinatorChapterRow = z.infer<typeof CoordinatorChapterRow>;

/** A row of `peer_mentor_chapters`. */
export const PeerMentorChapterRow = z
  .object({
    peer_mentor_id: WireUuid,
    chapter_id: WireUuid,
    organization_id: WireUuid,
    created_at: WireTimestamp,
  })
  .meta({
    title: 'PeerMentorChapterRow',
    description: 'A mentor’s link to a chapter, as added or as it was when removed.',
  });
export type PeerMentorChapterRow = z.infer<typeof PeerMentorChapterRow>;
