import {
  Alert,
  Badge,
  Button,
  Group,
  List,
  Modal,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../components/query-state';
import { errorMessage } from '../../lib/errors';
import { formatDate, formatInstant } from '../../lib/format';
import { queryClient } from '../../lib/query-client';
import type { Caller } from '../auth';
import { formatAge, isStaleRequeue } from './rules';
import './locales';
import {
  backlogQuery,
  nightlyRunsQuery,
  operationsKeys,
  parkedEventsQuery,
  requeueParkedEvents,
} from './queries';
import type { NightlyRun, ParkedEvent } from './schemas';

interface Notice {
  kind: 'success' | 'stale' | 'error';
  message: string;
}

/** The operations panel: the organization's Dynamics outbox and its last nightly runs. */
export function OperationsPage({ caller }: { caller: Caller }) {
  const { t } = useTranslation();
  if (caller.role !== 'org_admin') {
    return (
      <Stack>
        <Title order={1}>{t('operations.heading')}</Title>
        <Alert color="orange" role="alert">
          {t('operations.adminsOnly')}
        </Alert>
      </Stack>
    );
  }
  return <Panel caller={caller} />;
}

function Panel({ caller }: { caller: Caller }) {
  const { t } = useTranslation();
  const [notice, setNotice] = useState<Notice | null>(null);
  const requeue = useMutation({
    mutationFn: (eventIds?: string[]) => requeueParkedEvents(caller, eventIds),
    onSuccess: (rows) =>
      setNotice({ kind: 'success', message: t('operations.requeued', { count: rows.length }) }),
    onError: (error) =>
      setNotice(
        isStaleRequeue(error)
          ? { kind: 'stale', message: t('operations.stale') }
          : { kind: 'error', message: errorMessage(t, error) },
      ),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: operationsKeys.all }),
  });
  return (
    <Stack>
      <Title order={1}>{t('operations.heading')}</Title>
      {notice && (
        <Alert
          role={notice.kind === 'success' ? 'status' : 'alert'}
          color={notice.kind === 'success' ? 'green' : 'orange'}
          withCloseButton
          closeButtonLabel="×"
          onClose={() => setNotice(null)}
        >
          {notice.message}
        </Alert>
      )}
      <Title order={2} size="h3">
        {t('operations.outboxHeading')}
      </Title>
      <Backlog caller={caller} />
      <ParkedEvents
        caller={caller}
        pending={requeue.isPending ? (requeue.variables ?? 'all') : null}
        onRequeue={(eventIds) => requeue.mutate(eventIds)}
      />
      <NightlyRuns caller={caller} />
    </Stack>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <Stack
      gap={0}
      p="sm"
      role="group"
      aria-label={label}
      style={{ border: '1px solid var(--mantine-color-gray-4)', borderRadius: 4 }}
    >
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={700}>
        {value}
      </Text>
    </Stack>
  );
}

function Backlog({ caller }: { caller: Caller }) {
  const { t, i18n } = useTranslation();
  const backlog = useQuery(backlogQuery(caller));
  const locale = i18n.language === 'en' ? 'en-GB' : 'nb-NO';
  return (
    <QueryState query={backlog}>
      {(row) => (
        <SimpleGrid
          cols={{ base: 1, xs: 3 }}
          role="group"
          aria-label={t('operations.outboxHeading')}
        >
          <Figure label={t('operations.pending')} value={String(row.pending_events)} />
          <Figure
            label={t('operations.oldestPending')}
            value={
              row.oldest_pending_seconds === null
                ? t('operations.nothingPending')
                : formatAge(row.oldest_pending_seconds, locale)
            }
          />
          <Figure label={t('operations.parked')} value={String(row.parked_events)} />
        </SimpleGrid>
      )}
    </QueryState>
  );
}

function ParkedEvents({
  caller,
  pending,
  onRequeue,
}: {
  caller: Caller;
  /** The requeue in flight: the event ids, or 'all'. */
  pending: string[] | 'all' | null;
  onRequeue: (eventIds?: string[]) => void;
}) {
  const { t } = useTranslation();
  const parked = useQuery(parkedEventsQuery(caller));
  const [confirming, setConfirming] = useState(false);
  const count = parked.data?.length ?? 0;
  return (
    <>
      <Group justify="space-between">
        <Title order={3} size="h4">
          {t('operations.parkedHeading')}
        </Title>
        <Button
          size="xs"
          variant="default"
          disabled={count === 0}
          loading={pending === 'all'}
          onClick={() => setConfirming(true)}
        >
          {t('operations.requeueAll')}
        </Button>
      </Group>
      <QueryState
        query={parked}
        isEmpty={(rows) => rows.length === 0}
        empty={t('operations.noParked')}
      >
        {(rows) => (
          <Table.ScrollContainer minWidth={720}>
            <Table aria-label={t('operations.parkedHeading')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('operations.mentor')}</Table.Th>
                  <Table.Th>{t('operations.carries')}</Table.Th>
                  <Table.Th>{t('operations.attempts')}</Table.Th>
                  <Table.Th>{t('operations.lastError')}</Table.Th>
                  <Table.Th>{t('operations.parkedAt')}</Table.Th>
                  <Table.Th>{t('operations.heldBack')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row) => (
                  <ParkedRow
                    key={row.event_id}
                    row={row}
                    caller={caller}
                    pending={Array.isArray(pending) && pending.includes(row.event_id)}
                    onRequeue={() => onRequeue([row.event_id])}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
      <Modal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={t('operations.confirmTitle')}
        closeButtonProps={{ 'aria-label': t('operations.cancel') }}
      >
        <Stack>
          <Text>{t('operations.confirmBody', { count })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>
              {t('operations.cancel')}
            </Button>
            <Button
              onClick={() => {
                setConfirming(false);
                onRequeue();
              }}
            >
              {t('operations.confirm')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

function ParkedRow({
  row,
  caller,
  pending,
  onRequeue,
}: {
  row: ParkedEvent;
  caller: Caller;
  pending: boolean;
  onRequeue: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Table.Tr>
      <Table.Td>
        {row.display_name}
        <Text size="xs" c="dimmed">
          {t('operations.version')} {row.status_version}
        </Text>
      </Table.Td>
      <Table.Td>{t(`status.${row.status}`)}</Table.Td>
      <Table.Td>{row.attempts}</Table.Td>
      <Table.Td style={{ maxWidth: 320, overflowWrap: 'anywhere' }}>
        {row.last_error ?? '–'}
      </Table.Td>
      <Table.Td>{formatInstant(row.parked_at, caller.timeZone)}</Table.Td>
      <Table.Td>{row.held_back_events}</Table.Td>
      <Table.Td>
        <Button
          size="xs"
          variant="light"
          loading={pending}
          onClick={onRequeue}
          aria-label={t('operations.requeueOne', {
            name: row.display_name,
            version: row.status_version,
          })}
        >
          {t('operations.requeue')}
        </Button>
      </Table.Td>
    </Table.Tr>
  );
}

function NightlyRuns({ caller }: { caller: Caller }) {
  const { t } = useTranslation();
  const runs = useQuery(nightlyRunsQuery(caller));
  return (
    <>
      <Title order={2} size="h3">
        {t('operations.runsHeading')}
      </Title>
      <QueryState query={runs} isEmpty={(rows) => rows.length === 0} empty={t('operations.noRuns')}>
        {(rows) => (
          <>
            <Table.ScrollContainer minWidth={720}>
              <Table striped aria-label={t('operations.runsHeading')}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('operations.job')}</Table.Th>
                    <Table.Th>{t('operations.runDate')}</Table.Th>
                    <Table.Th>{t('operations.started')}</Table.Th>
                    <Table.Th>{t('operations.finished')}</Table.Th>
                    <Table.Th>{t('operations.outcome')}</Table.Th>
                    <Table.Th>{t('operations.examined')}</Table.Th>
                    <Table.Th>{t('operations.changed')}</Table.Th>
                    <Table.Th>{t('operations.errors')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((run) => (
                    <RunRow key={run.run_id} run={run} caller={caller} />
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            {rows.some((run) => run.job === 'outbox_purge') && (
              <Text size="sm" c="dimmed">
                {t('operations.globalCounts')}
              </Text>
            )}
          </>
        )}
      </QueryState>
    </>
  );
}

function RunRow({ run, caller }: { run: NightlyRun; caller: Caller }) {
  const { t } = useTranslation();
  const count = (value: number | null) => (value === null ? '–' : String(value));
  const outcome = run.outcome ?? 'running';
  return (
    <Table.Tr>
      <Table.Td>{t(`operations.jobs.${run.job}`)}</Table.Td>
      <Table.Td>{formatDate(run.run_date)}</Table.Td>
      <Table.Td>{formatInstant(run.started_at, caller.timeZone)}</Table.Td>
      <Table.Td>{formatInstant(run.finished_at, caller.timeZone)}</Table.Td>
      <Table.Td>
        <Badge
          variant="filled"
          color={outcome === 'completed' ? 'teal.9' : outcome === 'running' ? 'blue.9' : 'orange.9'}
        >
          {t(`operations.outcomes.${outcome}`)}
        </Badge>
      </Table.Td>
      <Table.Td>{count(run.examined)}</Table.Td>
      <Table.Td>{count(run.mentors_changed)}</Table.Td>
      <Table.Td>
        {count(run.errors)}
        {run.failures && run.failures.length > 0 && (
          <List size="xs">
            {run.failures.map((failure, index) => (
              <List.Item key={`${index}-${failure.occurred_at}`}>
                {t('operations.failure', {
                  name: failure.display_name ?? failure.peer_mentor_id ?? '–',
                  message: failure.message,
                })}
              </List.Item>
            ))}
          </List>
        )}
      </Table.Td>
    </Table.Tr>
  );
}
