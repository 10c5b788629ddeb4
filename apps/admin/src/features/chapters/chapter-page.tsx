import {
  Anchor,
  Badge,
  Button,
  Group,
  Pagination,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { pauseReasonCodes } from '@peer-mentor/contracts';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../components/query-state';
import { ResponsiveTable } from '../../components/responsive-table';
import { downloadCsv } from '../../lib/csv';
import { formatDate, formatInstant } from '../../lib/format';
import type { Caller } from '../auth';
import {
  activePausesQuery,
  chapterNameQuery,
  ROSTER_PAGE_SIZE,
  type RosterRow,
  type RosterSearch,
  rosterQuery,
} from './queries';

export function ChapterPage({
  caller,
  chapterId,
  search,
  onSearch,
  actions,
  notice,
}: {
  caller: Caller;
  chapterId: string;
  search: RosterSearch;
  onSearch: (next: RosterSearch) => void;
  /** The row's pause/resume controls, composed in by the app. */
  actions: (row: RosterRow) => ReactNode;
  notice?: ReactNode;
}) {
  const { t } = useTranslation();
  const name = useQuery(chapterNameQuery(chapterId));
  const roster = useQuery(rosterQuery(chapterId, search));
  const pauses = useQuery(activePausesQuery(caller, chapterId));
  const set = (patch: Partial<RosterSearch>) => onSearch({ ...search, ...patch, page: undefined });
  return (
    <Stack>
      <Title order={1}>{name.data ?? t('app.loading')}</Title>
      {notice}
      <Title order={2} size="h3">
        {t('chapters.roster')}
      </Title>
      <Group align="end" wrap="wrap">
        <TextInput
          label={t('chapters.search')}
          type="search"
          defaultValue={search.q ?? ''}
          onChange={(event) => set({ q: event.currentTarget.value || undefined })}
        />
        <Select
          label={t('chapters.statusFilter')}
          value={search.status ?? ''}
          data={[
            { value: '', label: t('chapters.all') },
            { value: 'active', label: t('status.active') },
            { value: 'paused', label: t('status.paused') },
          ]}
          onChange={(value) => set({ status: (value || undefined) as RosterSearch['status'] })}
          allowDeselect={false}
        />
        <Select
          label={t('chapters.reasonFilter')}
          value={search.reason ?? ''}
          data={[
            { value: '', label: t('chapters.all') },
            ...pauseReasonCodes.map((code) => ({ value: code, label: t(`reason.${code}`) })),
          ]}
          onChange={(value) => set({ reason: (value || undefined) as RosterSearch['reason'] })}
          allowDeselect={false}
        />
        <Select
          label={t('chapters.sort')}
          value={search.sort ?? 'name'}
          data={[
            { value: 'name', label: t('chapters.sortName') },
            { value: 'since', label: t('chapters.sortSince') },
            { value: 'certification', label: t('chapters.sortCertification') },
          ]}
          onChange={(value) => set({ sort: (value ?? 'name') as RosterSearch['sort'] })}
          allowDeselect={false}
        />
      </Group>
      <QueryState
        query={roster}
        isEmpty={(data) => data.rows.length === 0}
        empty={t('chapters.noRows')}
      >
        {({ rows, total }) => (
          <>
            <Text size="sm" c="dimmed" aria-live="polite">
              {t('chapters.count', { count: total })}
            </Text>
            <ResponsiveTable
              label={t('chapters.roster')}
              striped
              rows={rows}
              rowKey={(row) => row.peer_mentor_id}
              title={{ label: t('chapters.mentor'), value: (row) => <MentorLink row={row} /> }}
              badge={{
                label: t('chapters.status'),
                value: (row) => <StatusBadge status={row.status} />,
              }}
              columns={[
                {
                  label: t('chapters.reason'),
                  value: (row) => (row.reason_code ? t(`reason.${row.reason_code}`) : '–'),
                },
                {
                  label: t('chapters.since'),
                  value: (row) => formatInstant(row.paused_at, caller.timeZone),
                },
                { label: t('chapters.expectedEnd'), value: (row) => formatDate(row.expected_end) },
                {
                  label: t('chapters.certification'),
                  value: (row) => formatDate(row.certification_valid_until),
                },
              ]}
              actions={actions}
            />
            {total > ROSTER_PAGE_SIZE && (
              <Pagination
                total={Math.ceil(total / ROSTER_PAGE_SIZE)}
                value={search.page ?? 1}
                onChange={(page) => onSearch({ ...search, page })}
                getControlProps={(control) => ({
                  'aria-label': t(`chapters.${control === 'next' ? 'next' : 'previous'}`),
                })}
                getItemProps={(page) => ({ 'aria-label': `${t('chapters.page')} ${page}` })}
              />
            )}
          </>
        )}
      </QueryState>
      <Group justify="space-between">
        <Title order={2} size="h3">
          {t('chapters.activePausesHeading')}
        </Title>
        <Button
          size="xs"
          variant="default"
          disabled={!pauses.data?.length}
          onClick={() =>
            downloadCsv(
              `${t('chapters.activePausesHeading')} ${name.data ?? chapterId}.csv`,
              [
                t('chapters.mentor'),
                t('chapters.reason'),
                t('pause.note'),
                t('chapters.since'),
                t('chapters.expectedEnd'),
                t('chapters.pausedBy'),
              ],
              (pauses.data ?? []).map((row) => [
                row.display_name,
                t(`reason.${row.reason_code}`),
                row.note,
                formatInstant(row.paused_at, caller.timeZone),
                row.expected_end,
                t(`role.${row.paused_by_role}`),
              ]),
            )
          }
        >
          {t('app.exportCsv')}
        </Button>
      </Group>
      <QueryState
        query={pauses}
        isEmpty={(rows) => rows.length === 0}
        empty={t('chapters.noActivePauses')}
      >
        {(rows) => (
          <ResponsiveTable
            label={t('chapters.activePausesHeading')}
            minWidth={560}
            rows={rows}
            rowKey={(row) => row.peer_mentor_id}
            title={{ label: t('chapters.mentor'), value: (row) => row.display_name }}
            columns={[
              { label: t('chapters.reason'), value: (row) => t(`reason.${row.reason_code}`) },
              { label: t('pause.note'), value: (row) => row.note ?? '–' },
              {
                label: t('chapters.since'),
                value: (row) => formatInstant(row.paused_at, caller.timeZone),
              },
              { label: t('chapters.expectedEnd'), value: (row) => formatDate(row.expected_end) },
              { label: t('chapters.pausedBy'), value: (row) => t(`role.${row.paused_by_role}`) },
            ]}
          />
        )}
      </QueryState>
    </Stack>
  );
}

function MentorLink({ row }: { row: RosterRow }) {
  return (
    <Anchor
      renderRoot={(props) => (
        <Link {...props} to="/mentors/$mentorId" params={{ mentorId: row.peer_mentor_id }} />
      )}
    >
      {row.display_name}
    </Anchor>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={status === 'paused' ? 'violet.9' : 'teal.9'} variant="filled">
      {t(`status.${status}`)}
    </Badge>
  );
}
