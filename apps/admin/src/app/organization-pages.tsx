import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { chapterKeys } from '../features/chapters';
import { MembersPage, MentorChaptersPage } from '../features/organization';
import { queryClient } from '../lib/query-client';
import { useSignedInCaller } from './signed-in';

// The org-admin pages (loaded lazily by the router). Only org admins may open them; the
// database refuses everyone else anyway, and the page says so before anything is tried.

/** The chapters' counts and rosters change with the mentor-chapter links. */
const refreshChapters = () => void queryClient.invalidateQueries({ queryKey: chapterKeys.all });

function AdminsOnly() {
  const { t } = useTranslation();
  return (
    <Alert role="alert" color="red" title={t('organization.adminsOnlyTitle')}>
      {t('organization.adminsOnly')}
    </Alert>
  );
}

export function Members() {
  const caller = useSignedInCaller();
  if (caller.role !== 'org_admin') return <AdminsOnly />;
  return <MembersPage caller={caller} onChanged={refreshChapters} />;
}

export function MentorChapters() {
  const caller = useSignedInCaller();
  if (caller.role !== 'org_admin') return <AdminsOnly />;
  return <MentorChaptersPage caller={caller} onChanged={refreshChapters} />;
}
