import { Alert, Button, Loader, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../lib/errors';

/** Loading, error (with retry) and empty states, the same on every page. */
export function QueryState<T>({
  query,
  isEmpty,
  empty,
  children,
}: {
  query: UseQueryResult<T>;
  isEmpty?: (data: T) => boolean;
  empty?: string;
  children: (data: T) => ReactNode;
}) {
  const { t } = useTranslation();
  if (query.isPending) return <Loader aria-label={t('app.loading')} size="sm" />;
  if (query.isError)
    return (
      <Alert color="red" role="alert" title={t('app.loadFailed')}>
        <Text size="sm">{errorMessage(t, query.error)}</Text>
        <Button mt="xs" size="xs" variant="light" onClick={() => void query.refetch()}>
          {t('app.retry')}
        </Button>
      </Alert>
    );
  if (isEmpty?.(query.data) && empty) return <Text c="dimmed">{empty}</Text>;
  return <>{children(query.data)}</>;
}
