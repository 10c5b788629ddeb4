import { Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import type { PauseStatus } from '@peer-mentor/contracts';
import { queryOptions, useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../components/query-state';
import { downloadCsv } from '../../lib/csv';
import { formatDate, formatInstant } from '../../lib/format';
import { supabase } from '../../lib/supabase';
import type { Caller } from '../auth';

export interface MentorStatus {
  peer_mentor_id: string;
  display_name: string;
  status: PauseStatus;
  reason_code: string | null;
  note: string | null;
  paused_at: string | null;
  paused_by_role: string | null;
  expected_end: string | null;
  certification_valid_until: string | null;
}

interface TimelineEntry {
  id: number;
  version: number;
  from_status: string;
  to_status: string;
  reason_code: string | null;
  note: string | null;
  expected_end: string | null;
  actor_user_id: string | null;
  /** Who acted, when the caller may know (view member_directory); else only the role shows. */
  actor_name: string | null;
  actor_role: string;
  created_at: string;
}

export const mentorKeys = {
  all: ['mentors'] as const,
  detail: (mentorId: string) => [...mentorKeys.all, mentorId] as const,
  own: (userId: string) => [...mentorKeys.all, 'own', userId] as const,
};

/**
 * The names of the people who acted, as far as the caller may know them: view
 * member_directory gives org admins every member, coordinators the actors of their
 * organization's timelines, and a mentor the people who acted on their own timeline.
 */
async function actorNames(actorIds: string[]): Promise<Map<string, string>> {
  if (actorIds.length === 0) return new Map();
  const { data, error } = await supabase
    .from('member_directory')
    .select('user_id, display_name')
    .in('user_id', actorIds);
  if (error) throw error;
  return new Map(
    (data as { user_id: string; display_name: string | null }[]).flatMap((row) =>
      row.display_name ? [[row.user_id, row.display_name] as const] : [],
    ),
  );
}

/**
 * A mentor's notes by status version. Notes live in their own table (need to know): its
 * policy gives a caller only the notes they may read, so a note they may not read is simply
 * absent here and the page shows none.
 */
async function notesByVersion(mentorId: string): Promise<Map<number, string>> {
  const { data, error } = await supabase
    .from('peer_mentor_status_notes')
    .select('version, note')
    .eq('peer_mentor_id', mentorId);
  if (error) throw error;
  return new Map(
    (data as { version: number; note: string }[]).map((row) => [row.version, row.note]),
  );
}

const mentorQuery = (mentorId: string) =>
  queryOptions({
    queryKey: [...mentorKeys.detail(mentorId), 'status'],
    queryFn: async (): Promise<MentorStatus> => {
      const [mentor, status, certification, notes] = await Promise.all([
        supabase.from('peer_mentors').select('display_name').eq('id', mentorId).single(),
        supabase
          .from('peer_mentor_status')
          .select('status, reason_code, paused_at, paused_by_role, expected_end, version')
          .eq('peer_mentor_id', mentorId)
          .single(),
        supabase
          .from('peer_mentor_certifications')
          .select('valid_until')
          .eq('peer_mentor_id', mentorId)
          .maybeSingle(),
        notesByVersion(mentorId),
      ]);
      for (const result of [mentor, status, certification]) if (result.error) throw result.error;
      const { version, ...current } = status.data as Omit<
        MentorStatus,
        'peer_mentor_id' | 'display_name' | 'note' | 'certification_valid_until'
      > & { version: number };
      return {
        peer_mentor_id: mentorId,
        display_name: mentor.data!.display_name as string,
        ...current,
        // The current pause's note: the one its transition carried (none while active).
        note: current.status === 'paused' ? (notes.get(version) ?? null) : null,
        certification_valid_until: (certification.data?.valid_until as string | undefined) ?? null,
      };
    },
  });

const timelineQuery = (mentorId: string) =>
  queryOptions({
    queryKey: [...mentorKeys.detail(mentorId), 'timeline'],
    queryFn: async () => {
      const [log, notes] = await Promise.all([
        supabase
          .from('peer_mentor_status_log')
          .select(
            'id, version, from_status, to_status, reason_code, expected_end, actor_user_id, actor_role, created_at',
          )
          .eq('peer_mentor_id', mentorId)
          .order('created_at', { ascending: false })
          .order('id', { ascending: false }),
        notesByVersion(mentorId),
      ]);
      if (log.error) throw log.error;
      const entries = log.data as Omit<TimelineEntry, 'note' | 'actor_name'>[];
      const names = await actorNames([
        ...new Set(entries.flatMap((entry) => (entry.actor_user_id ? [entry.actor_user_id] : []))),
      ]);
      return entries.map(
        (entry): TimelineEntry => ({
          ...entry,
          actor_name: (entry.actor_user_id && names.get(entry.actor_user_id)) || null,
          note: notes.get(entry.version) ?? null,
        }),
      );
    },
  });

/** The signed-in mentor's own mentor id (a mentor sees only their own row). */
export const ownMentorIdQuery = (caller: Caller) =>
  queryOptions({
    queryKey: mentorKeys.own(caller.userId),
    queryFn: async () => {
      const { data, error } = await supabase
        .from('peer_mentors')
        .select('id')
        .eq('user_id', caller.userId)
        .single();
      if (error) throw error;
      return data.id as string;
    },
  });

export function MentorPage({
  caller,
  mentorId,
  actions,
  notice,
}: {
  caller: Caller;
  mentorId: string;
  actions: (mentor: MentorStatus) => ReactNode;
  notice?: ReactNode;
}) {
  const { t } = useTranslation();
  const mentor = useQuery(mentorQuery(mentorId));
  const timeline = useQuery(timelineQuery(mentorId));
  return (
    <Stack>
      <QueryState query={mentor}>
        {(data) => (
          <>
            <Title order={1}>{data.display_name}</Title>
            {notice}
            <Group>
              <Text fw={600}>{t('mentors.currentStatus')}:</Text>
              <Text data-testid="current-status">
                {t(`status.${data.status}`)}
                {data.reason_code && ` (${t(`reason.${data.reason_code}`)})`}
                {data.expected_end &&
                  ` – ${t('chapters.expectedEnd')} ${formatDate(data.expected_end)}`}
              </Text>
            </Group>
            {data.note && <Text>{data.note}</Text>}
            <Group>{actions(data)}</Group>
            <Text>
              {data.certification_valid_until
                ? `${t('mentors.certification')} ${formatDate(data.certification_valid_until)}`
                : t('mentors.noCertification')}
            </Text>
          </>
        )}
      </QueryState>
      <Group justify="space-between">
        <Title order={2} size="h3">
          {t('mentors.timeline')}
        </Title>
        <Button
          size="xs"
          variant="default"
          disabled={!timeline.data?.length}
          onClick={() =>
            downloadCsv(
              `${t('mentors.timeline')} ${mentor.data?.display_name ?? mentorId}.csv`,
              [
                t('mentors.when'),
                t('mentors.who'),
                t('mentors.role'),
                t('mentors.change'),
                t('chapters.reason'),
                t('pause.note'),
                t('chapters.expectedEnd'),
              ],
              (timeline.data ?? []).map((row) => [
                formatInstant(row.created_at, caller.timeZone),
                row.actor_name,
                t(`role.${row.actor_role}`),
                `${t(`status.${row.from_status}`)} → ${t(`status.${row.to_status}`)}`,
                row.reason_code ? t(`reason.${row.reason_code}`) : null,
                row.note,
                row.expected_end,
              ]),
            )
          }
        >
          {t('app.exportCsv')}
        </Button>
      </Group>
      <QueryState
        query={timeline}
        isEmpty={(rows) => rows.length === 0}
        empty={t('mentors.noHistory')}
      >
        {(rows) => (
          <Table.ScrollContainer minWidth={640}>
            <Table aria-label={t('mentors.timeline')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('mentors.when')}</Table.Th>
                  <Table.Th>{t('mentors.who')}</Table.Th>
                  <Table.Th>{t('mentors.change')}</Table.Th>
                  <Table.Th>{t('chapters.reason')}</Table.Th>
                  <Table.Th>{t('pause.note')}</Table.Th>
                  <Table.Th>{t('chapters.expectedEnd')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row) => (
                  <Table.Tr key={row.id}>
                    <Table.Td>{formatInstant(row.created_at, caller.timeZone)}</Table.Td>
                    <Table.Td>
                      {row.actor_name && <Text size="sm">{row.actor_name}</Text>}
                      <Text size="sm" c={row.actor_name ? 'dimmed' : undefined}>
                        {t(`role.${row.actor_role}`)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {t(`status.${row.from_status}`)} → {t(`status.${row.to_status}`)}
                    </Table.Td>
                    <Table.Td>{row.reason_code ? t(`reason.${row.reason_code}`) : '–'}</Table.Td>
                    <Table.Td>{row.note ?? '–'}</Table.Td>
                    <Table.Td>{formatDate(row.expected_end)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
    </Stack>
  );
}
