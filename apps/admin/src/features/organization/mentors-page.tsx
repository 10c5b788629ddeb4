import { Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { NoticeView } from '../../components/notice';
import { QueryState } from '../../components/query-state';
import type { Caller } from '../auth';
import { ChapterAssignments } from './chapter-assignments';
import { type Notice, useMembershipAction } from './membership-action';
import { chaptersQuery, MENTOR_PAGE_SIZE, mentorChaptersQuery } from './queries';

/** Which chapters each mentor serves in: add and remove (org admins only). */
export function MentorChaptersPage({
  caller,
  onChanged,
}: {
  caller: Caller;
  onChanged?: () => void;
}) {
  const { t } = useTranslation();
  const [notice, setNotice] = useState<Notice | null>(null);
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const mentors = useQuery(mentorChaptersQuery(caller, debounced));
  const chapters = useQuery(chaptersQuery(caller));
  const action = useMembershipAction(setNotice, onChanged);
  const base = { p_organization_id: caller.organizationId };

  return (
    <Stack>
      <Title order={1}>{t('organization.mentorsHeading')}</Title>
      <NoticeView notice={notice} onClose={() => setNotice(null)} />
      <TextInput
        type="search"
        maw={360}
        label={t('chapters.search')}
        value={search}
        onChange={(event) => setSearch(event.currentTarget.value)}
      />
      <QueryState
        query={mentors}
        isEmpty={(page) => page.mentors.length === 0}
        empty={t('chapters.noRows')}
      >
        {(page) => (
          <>
            {page.total > MENTOR_PAGE_SIZE && (
              <Text size="sm" c="dimmed">
                {t('organization.narrowSearch', { shown: page.mentors.length, total: page.total })}
              </Text>
            )}
            <Table.ScrollContainer minWidth={340}>
              <Table aria-label={t('organization.mentorsHeading')} verticalSpacing="sm">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('organization.name')}</Table.Th>
                    <Table.Th>{t('organization.servesIn')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.mentors.map((mentor) => (
                    <Table.Tr key={mentor.id}>
                      <Table.Td>{mentor.display_name}</Table.Td>
                      <Table.Td>
                        <QueryState query={chapters}>
                          {(all) => (
                            <ChapterAssignments
                              personName={mentor.display_name}
                              assigned={mentor.chapterIds}
                              chapters={all}
                              disabled={action.isPending}
                              onAdd={(chapter) =>
                                action.mutate({
                                  rpc: 'add_mentor_chapter',
                                  args: {
                                    ...base,
                                    p_peer_mentor_id: mentor.id,
                                    p_chapter_id: chapter.id,
                                  },
                                  success: t('organization.mentorAdded', {
                                    name: mentor.display_name,
                                    chapter: chapter.name,
                                  }),
                                })
                              }
                              onRemove={(chapter) =>
                                action.mutate({
                                  rpc: 'remove_mentor_chapter',
                                  args: {
                                    ...base,
                                    p_peer_mentor_id: mentor.id,
                                    p_chapter_id: chapter.id,
                                  },
                                  success: t('organization.mentorRemoved', {
                                    name: mentor.display_name,
                                    chapter: chapter.name,
                                  }),
                                })
                              }
                            />
                          )}
                        </QueryState>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </>
        )}
      </QueryState>
    </Stack>
  );
}
