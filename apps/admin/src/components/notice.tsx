import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/**
 * The outcome of the last action on a page, in plain words: a success is announced politely as
 * a status, anything else (a conflict, a stale page, a refusal) as an alert.
 */
export interface Notice {
  kind: 'success' | 'conflict' | 'stale' | 'error';
  message: string;
}

export function NoticeView({ notice, onClose }: { notice: Notice | null; onClose: () => void }) {
  const { t } = useTranslation();
  if (!notice) return null;
  return (
    <Alert
      role={notice.kind === 'success' ? 'status' : 'alert'}
      color={notice.kind === 'success' ? 'green' : 'orange'}
      withCloseButton
      closeButtonLabel={t('app.closeNotice')}
      onClose={onClose}
    >
      {notice.message}
    </Alert>
  );
}
