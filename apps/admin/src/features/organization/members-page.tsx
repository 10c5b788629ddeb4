import {
  Button,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { type MemberRole, MemberRole as MemberRoles } from '@peer-mentor/contracts';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { NoticeView } from '../../components/notice';
import { QueryState } from '../../components/query-state';
import type { Caller } from '../auth';
import { ChapterAssignments } from './chapter-assignments';
import { type Notice, useMembershipAction } from './membership-action';
import { chaptersQuery, type Member, membersQuery } from './queries';

/** How a member is named on the page: their name, else their email. */
const memberName = (member: Member) => member.display_name ?? member.email ?? member.user_id;

/** Members and their roles, and which chapters each coordinator covers (org admins only). */
export function MembersPage({ caller, onChanged }: { caller: Caller; onChanged?: () => void }) {
  const { t } = useTranslation();
  const [notice, setNotice] = useState<Notice | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const members = useQuery(membersQuery(caller));
  const chapters = useQuery(chaptersQuery(caller));
  const action = useMembershipAction(setNotice, onChanged);
  const base = { p_organization_id: caller.organizationId };
  const lastAdmin = t('organization.lastAdmin');

  return (
    <Stack>
      <Title order={1}>{t('organization.membersHeading')}</Title>
      <NoticeView notice={notice} onClose={() => setNotice(null)} />
      <QueryState
        query={members}
        isEmpty={(rows) => rows.length === 0}
        empty={t('organization.noMembers')}
      >
        {(rows) => (
          <Table.ScrollContainer minWidth={760}>
            <Table aria-label={t('organization.membersHeading')} verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('organization.name')}</Table.Th>
                  <Table.Th>{t('organization.email')}</Table.Th>
                  <Table.Th>{t('organization.role')}</Table.Th>
                  <Table.Th>{t('organization.coveredChapters')}</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>{t('organization.actions')}</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((member) => {
                  const name = memberName(member);
                  return (
                    <Table.Tr key={member.user_id}>
                      <Table.Td>{member.display_name ?? '–'}</Table.Td>
                      <Table.Td>{member.email}</Table.Td>
                      <Table.Td>
                        <Select
                          size="xs"
                          w={220}
                          aria-label={t('organization.roleFor', { name })}
                          data={MemberRoles.options.map((role) => ({
                            value: role,
                            label: t(`role.${role}`),
                          }))}
                          value={member.role}
                          allowDeselect={false}
                          disabled={action.isPending}
                          onChange={(role) => {
                            if (!role || role === member.role) return;
                            action.mutate({
                              rpc: 'change_member_role',
                              args: { ...base, p_user_id: member.user_id, p_role: role },
                              success: t('organization.roleChanged', {
                                name,
                                role: t(`role.${role as MemberRole}`),
                              }),
                              invalid: lastAdmin,
                            });
                          }}
                          comboboxProps={{ withinPortal: true }}
                        />
                      </Table.Td>
                      <Table.Td>
                        {member.role === 'peer_mentor' ? (
                          <Text size="sm" c="dimmed">
                            {t('organization.mentorsCoverNone')}
                          </Text>
                        ) : (
                          <QueryState query={chapters}>
                            {(all) => (
                              <ChapterAssignments
                                personName={name}
                                assigned={member.chapterIds}
                                chapters={all}
                                disabled={action.isPending}
                                onAdd={(chapter) =>
                                  action.mutate({
                                    rpc: 'assign_coordinator_chapter',
                                    args: {
                                      ...base,
                                      p_user_id: member.user_id,
                                      p_chapter_id: chapter.id,
                                    },
                                    success: t('organization.coordinatorAssigned', {
                                      name,
                                      chapter: chapter.name,
                                    }),
                                  })
                                }
                                onRemove={(chapter) =>
                                  action.mutate({
                                    rpc: 'unassign_coordinator_chapter',
                                    args: {
                                      ...base,
                                      p_user_id: member.user_id,
                                      p_chapter_id: chapter.id,
                                    },
                                    success: t('organization.coordinatorUnassigned', {
                                      name,
                                      chapter: chapter.name,
                                    }),
                                  })
                                }
                              />
                            )}
                          </QueryState>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Button
                          size="xs"
                          variant="default"
                          color="red"
                          aria-label={t('organization.removeMemberFor', { name })}
                          disabled={action.isPending}
                          onClick={() => setRemoving(member)}
                        >
                          {t('organization.removeMember')}
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
      {removing && (
        <Modal
          opened
          onClose={() => setRemoving(null)}
          title={t('organization.removeTitle', { name: memberName(removing) })}
          closeButtonProps={{ 'aria-label': t('pause.cancel') }}
        >
          <Stack>
            <Text>{t('organization.removeExplanation')}</Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setRemoving(null)}>
                {t('pause.cancel')}
              </Button>
              <Button
                color="red"
                loading={action.isPending}
                onClick={() => {
                  const name = memberName(removing);
                  action.mutate(
                    {
                      rpc: 'remove_member',
                      args: { ...base, p_user_id: removing.user_id },
                      success: t('organization.memberRemoved', { name }),
                      invalid: lastAdmin,
                    },
                    { onSettled: () => setRemoving(null) },
                  );
                }}
              >
                {t('organization.removeMember')}
              </Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </Stack>
  );
}
