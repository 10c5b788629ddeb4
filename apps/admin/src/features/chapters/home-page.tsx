import { Anchor, Table, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../../components/query-state';
import type { Caller } from '../auth';
import { chapterOverviewQuery } from './queries';

export function HomePage({ caller }: { caller: Caller }) {
  const { t } = useTranslation();
  const overview = useQuery(chapterOverviewQuery(caller));
  return (
    <>
      <Title order={1} mb="md">
        {t('chapters.heading')}
      </Title>
      <QueryState
        query={overview}
        isEmpty={(rows) => rows.length === 0}
        empty={t('chapters.empty')}
      >
        {(rows) => (
          <Table.ScrollContainer minWidth={320}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('chapters.name')}</Table.Th>
                  <Table.Th>{t('chapters.activePauses')}</Table.Th>
                  <Table.Th>{t('chapters.expiring')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row) => (
                  <Table.Tr key={row.chapter_id}>
                    <Table.Td>
                      <Anchor
                        renderRoot={(props) => (
                          <Link
                            {...props}
                            to="/chapters/$chapterId"
                            params={{ chapterId: row.chapter_id }}
                          />
                        )}
                      >
                        {row.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{row.active_pauses}</Table.Td>
                    <Table.Td>{row.certifications_expiring}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
    </>
  );
}
