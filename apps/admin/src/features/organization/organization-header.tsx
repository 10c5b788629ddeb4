import { Anchor, Group, Select, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../../lib/errors';
import { supabase } from '../../lib/supabase';
import type { Caller } from '../auth';
import { myOrganizationsQuery } from './queries';

/**
 * Switches the organization the caller works in: records the choice (`switch_organization`),
 * refreshes the session so the new access token claims it (the custom access token hook writes
 * the claim), goes home, then drops every cached answer, so nothing of the previous
 * organization stays on screen. Reset, not `clear()`: clearing would orphan the queries the
 * mounted header and home page are already fetching for the new organization (TanStack Query
 * cancels a removed query silently, leaving its observers pending); a reset drops all data and
 * refetches what is on screen.
 */
function useSwitchOrganization() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: async (organizationId: string) => {
      const { error } = await supabase.rpc('switch_organization', {
        p_organization_id: organizationId,
      });
      if (error) throw error;
      const refreshed = await supabase.auth.refreshSession();
      if (refreshed.error) throw refreshed.error;
    },
    onSuccess: async () => {
      await navigate({ to: '/' });
      await queryClient.resetQueries();
    },
  });
}

/**
 * The header's organization and role. A member of several organizations picks one from a
 * list of their organizations by name; anyone else reads the name.
 */
export function OrganizationHeader({ caller }: { caller: Caller }) {
  const { t } = useTranslation();
  const mine = useQuery(myOrganizationsQuery(caller));
  const switchTo = useSwitchOrganization();
  const role = t(`role.${caller.role}`);
  if (!mine.data || mine.data.length < 2) {
    return (
      <Text size="sm" c="dimmed">
        {caller.organizationName} · {role}
      </Text>
    );
  }
  return (
    <Group gap={6} wrap="nowrap">
      <Select
        size="xs"
        w={{ base: 140, sm: 210 }}
        aria-label={t('app.organization')}
        data={mine.data.map((organization) => ({
          value: organization.organization_id,
          label: organization.organization_name,
        }))}
        value={caller.organizationId}
        allowDeselect={false}
        disabled={switchTo.isPending}
        error={switchTo.isError ? errorMessage(t, switchTo.error) : undefined}
        onChange={(id) => {
          if (id && id !== caller.organizationId) switchTo.mutate(id);
        }}
        comboboxProps={{ withinPortal: true, width: 230, position: 'bottom-start' }}
      />
      <Text size="sm" c="dimmed" visibleFrom="sm">
        · {role}
      </Text>
    </Group>
  );
}

/** The org-admin pages, in the header for org admins only. */
export function OrganizationNav({ caller }: { caller: Caller }) {
  const { t } = useTranslation();
  if (caller.role !== 'org_admin') return null;
  return (
    <Group gap="sm" component="nav" aria-label={t('organization.nav')}>
      <Anchor component={Link} to="/organization/members" size="sm">
        {t('organization.membersHeading')}
      </Anchor>
      <Anchor component={Link} to="/organization/mentors" size="sm">
        {t('organization.mentorsHeading')}
      </Anchor>
      <Anchor component={Link} to="/operations" size="sm">
        {t('app.operations')}
      </Anchor>
    </Group>
  );
}
