import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Notice } from './membership-action';

/** The outcome of the last administration call, in plain words (a status, or an alert). */
export function NoticeView({ notice, onClose }: { notice: Notice | null; onClose: () => void }) {
  const { t } = useTranslation();
  if (!notice) return null;
  return (
    <Alert
      role={notice.kind === 'success' ? 'status' : 'alert'}
      color={notice.kind === 'success' ? 'green' : 'orange'}
      withCloseButton
      closeButtonLabel={t('organization.closeNotice')}
      onClose={onClose}
    >
      {notice.message}
    </Alert>
  );
}
