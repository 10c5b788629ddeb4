import { type MemberRole, ORGANIZATION_ID_CLAIM } from '@peer-mentor/contracts';
import type { Session } from '@supabase/supabase-js';
import { useQuery } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { supabase } from '../../lib/supabase';

/** The current Supabase session, kept current by supabase-js (sign-in, refresh, sign-out). */
let current: Session | null | undefined;
const listeners = new Set<() => void>();
supabase.auth.onAuthStateChange((_event, session) => {
  current = session;
  for (const listener of listeners) listener();
});

/** `undefined` until supabase-js has read the stored session. */
export function useSession(): Session | null | undefined {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}

/** The access token's payload (already verified by the API on every call; read for display). */
function tokenPayload(accessToken: string): Record<string, unknown> {
  const part = accessToken.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
}

export interface Caller {
  userId: string;
  organizationId: string;
  organizationName: string;
  timeZone: string;
  role: MemberRole;
}

export const authKeys = {
  caller: (userId: string, organizationId: string | null) =>
    ['caller', userId, organizationId] as const,
};

/** Who is signed in, in which organization (the token's claim), with which role there. */
export function useCaller(session: Session) {
  const payload = tokenPayload(session.access_token);
  const container = payload[ORGANIZATION_ID_CLAIM.container] as Record<string, unknown> | undefined;
  const claimed = container?.[ORGANIZATION_ID_CLAIM.property];
  const organizationId = typeof claimed === 'string' ? claimed : null;
  const userId = session.user.id;
  return useQuery({
    queryKey: authKeys.caller(userId, organizationId),
    enabled: organizationId !== null,
    queryFn: async (): Promise<Caller> => {
      const [membership, organization] = await Promise.all([
        supabase
          .from('organization_members')
          .select('role')
          .eq('user_id', userId)
          .eq('organization_id', organizationId!)
          .single(),
        supabase.from('organizations').select('name, time_zone').eq('id', organizationId!).single(),
      ]);
      if (membership.error) throw membership.error;
      if (organization.error) throw organization.error;
      return {
        userId,
        organizationId: organizationId!,
        organizationName: organization.data.name as string,
        timeZone: organization.data.time_zone as string,
        role: membership.data.role as MemberRole,
      };
    },
  });
}
