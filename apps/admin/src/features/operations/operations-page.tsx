import {
  Alert,
  Badge,
  Button,
  Group,
  List,
  Modal,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Notice, NoticeView } from '../../components/notice';
import { QueryState } from '../../components/query-state';
import { ResponsiveTable } from '../../components/responsive-table';
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
      <NoticeView notice={notice} onClose={() => setNotice(null)} />
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
          <ResponsiveTable
            label={t('operations.parkedHeading')}
            rows={rows}
            rowKey={(row) => row.event_id}
            title={{
              label: t('operations.mentor'),
              value: (row) => (
                <>
                  {row.display_name}
                  <Text size="xs" c="dimmed">
                    {t('operations.version')} {row.status_version}
                  </Text>
                </>
              ),
            }}
            columns={[
              { label: t('operations.carries'), value: (row) => t(`status.${row.status}`) },
              { label: t('operations.attempts'), value: (row) => row.attempts },
              {
                label: t('operations.lastError'),
                value: (row) => (
                  <span style={{ overflowWrap: 'anywhere' }}>{row.last_error ?? '–'}</span>
                ),
              },
              {
                label: t('operations.parkedAt'),
                value: (row) => formatInstant(row.parked_at, caller.timeZone),
              },
              { label: t('operations.heldBack'), value: (row) => row.held_back_events },
            ]}
            actions={(row) => (
              <RequeueButton
                row={row}
                pending={Array.isArray(pending) && pending.includes(row.event_id)}
                onRequeue={() => onRequeue([row.event_id])}
              />
            )}
          />
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

function RequeueButton({
  row,
  pending,
  onRequeue,
}: {
  row: ParkedEvent;
  pending: boolean;
  onRequeue: () => void;
}) {
  const { t } = useTranslation();
  return (
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
            <ResponsiveTable
              label={t('operations.runsHeading')}
              striped
              rows={rows}
              rowKey={(run) => String(run.run_id)}
              title={{
                label: t('operations.job'),
                value: (run) => t(`operations.jobs.${run.job}`),
              }}
              badge={{ label: t('operations.outcome'), value: (run) => <OutcomeBadge run={run} /> }}
              columns={[
                { label: t('operations.runDate'), value: (run) => formatDate(run.run_date) },
                {
                  label: t('operations.started'),
                  value: (run) => formatInstant(run.started_at, caller.timeZone),
                },
                {
                  label: t('operations.finished'),
                  value: (run) => formatInstant(run.finished_at, caller.timeZone),
                },
                { label: t('operations.examined'), value: (run) => count(run.examined) },
                { label: t('operations.changed'), value: (run) => count(run.mentors_changed) },
                { label: t('operations.errors'), value: (run) => <RunErrors run={run} /> },
              ]}
            />
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

const count = (value: number | null) => (value === null ? '–' : String(value));

function OutcomeBadge({ run }: { run: NightlyRun }) {
  const { t } = useTranslation();
  const outcome = run.outcome ?? 'running';
  const color = { completed: 'teal.9', running: 'blue.9', abandoned: 'orange.9' }[outcome];
  return (
    <Badge variant="filled" color={color}>
      {t(`operations.outcomes.${outcome}`)}
    </Badge>
  );
}

function RunErrors({ run }: { run: NightlyRun }) {
  const { t } = useTranslation();
  return (
    <>
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
    </>
  );
}
