import type { Notice } from '../../components/notice';
import { errorMessage } from '../../lib/errors';

export type { Notice };

/** One call of a membership administration RPC, with the words for its outcome. */
export interface MembershipCall {
  rpc:
    | 'change_member_role'
    | 'remove_member'
    | 'assign_coordinator_chapter'
    | 'unassign_coordinator_chapter'
    | 'add_mentor_chapter'
    | 'remove_mentor_chapter';
  args: Record<string, string>;
  /** What the person reads when it worked. */
  success: string;
  /**
   * What a PM422 means for this call in plain words (e.g. "the last org admin"): the catalog's
   * generic "invalid argument" would not say why.
   */
  invalid?: string;
}

/** The words for a failed administration call: the call's own PM422 words, else the catalog's. */
export function membershipErrorMessage(
  t: Parameters<typeof errorMessage>[0],
  call: Pick<MembershipCall, 'invalid'>,
  error: unknown,
): string {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'PM422' && call.invalid ? call.invalid : errorMessage(t, error);
}
