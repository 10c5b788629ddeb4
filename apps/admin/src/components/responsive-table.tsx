import { Box, Group, Paper, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import type { ReactNode } from 'react';

export interface Column<T> {
  label: string;
  value: (row: T) => ReactNode;
}

/**
 * Rows as a table, or below Mantine's `sm` breakpoint (phones) as one card per row with every
 * field labelled, so nothing scrolls sideways or gets cut off. The first two columns head each
 * card (e.g. the name and a status badge); the actions close it. Both are rendered and CSS shows
 * one (the hidden one is out of the accessibility tree too), so turning a phone or resizing a
 * window never unmounts a row's controls: a dialog opened from a row stays open.
 */
export function ResponsiveTable<T>({
  label,
  rows,
  rowKey,
  title,
  badge,
  columns,
  actions,
  minWidth = 720,
  striped,
}: {
  /** The accessible name of the table (or the list of cards). */
  label: string;
  rows: T[];
  rowKey: (row: T) => string;
  title: Column<T>;
  badge?: Column<T>;
  columns: Column<T>[];
  actions?: (row: T) => ReactNode;
  minWidth?: number;
  striped?: boolean;
}) {
  const all = badge ? [title, badge, ...columns] : [title, ...columns];
  return (
    <>
      <Box hiddenFrom="sm">
        <Stack component="ul" gap="xs" p={0} m={0} aria-label={label} style={{ listStyle: 'none' }}>
          {rows.map((row) => (
            <Paper component="li" key={rowKey(row)} withBorder p="sm">
              <Group justify="space-between" wrap="nowrap" align="start">
                <div>{title.value(row)}</div>
                {badge?.value(row)}
              </Group>
              <SimpleGrid component="dl" cols={2} spacing={4} verticalSpacing={2} my="xs">
                {columns.map((column) => (
                  <div key={column.label}>
                    <Text component="dt" size="xs" c="dimmed">
                      {column.label}
                    </Text>
                    <Text component="dd" size="sm" m={0} style={{ overflowWrap: 'anywhere' }}>
                      {column.value(row)}
                    </Text>
                  </div>
                ))}
              </SimpleGrid>
              {actions?.(row)}
            </Paper>
          ))}
        </Stack>
      </Box>
      <Box visibleFrom="sm">
        <Table.ScrollContainer minWidth={minWidth}>
          <Table striped={striped} aria-label={label}>
            <Table.Thead>
              <Table.Tr>
                {all.map((column) => (
                  <Table.Th key={column.label}>{column.label}</Table.Th>
                ))}
                {actions && <Table.Th />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row) => (
                <Table.Tr key={rowKey(row)}>
                  {all.map((column) => (
                    <Table.Td key={column.label}>{column.value(row)}</Table.Td>
                  ))}
                  {actions && <Table.Td>{actions(row)}</Table.Td>}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Box>
    </>
  );
}
