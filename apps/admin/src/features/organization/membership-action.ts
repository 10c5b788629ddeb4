import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { supabase } from '../../lib/supabase';
import { type MembershipCall, membershipErrorMessage, type Notice } from './membership-errors';
import { organizationKeys } from './queries';

export type { MembershipCall, Notice };

/**
 * Runs membership administration RPCs (org admins only; the database decides). After every
 * attempt the organization's data is refetched, and `onChanged` lets the page refresh what
 * else it shows (e.g. the chapters' counts).
 */
export function useMembershipAction(onNotice: (notice: Notice) => void, onChanged?: () => void) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (call: MembershipCall) => {
      const { error } = await supabase.rpc(call.rpc, call.args);
      if (error) throw error;
    },
    onSuccess: (_data, call) => onNotice({ kind: 'success', message: call.success }),
    onError: (error, call) =>
      onNotice({ kind: 'error', message: membershipErrorMessage(t, call, error) }),
    onSettled: async () => {
      await queryClient.invalidateQueries({ queryKey: organizationKeys.all });
      onChanged?.();
    },
  });
}
