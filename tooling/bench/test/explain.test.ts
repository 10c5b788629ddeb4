import { describe, expect, it } from 'vitest';
import { captureFromJson, summarizePlan } from '../src/explain.js';

/** The shape PostgreSQL 15 returns for EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON), trimmed. */
const output = [
  {
    Plan: {
      'Node Type': 'Limit',
      'Actual Total Time': 0.25,
      'Actual Rows': 25,
      'Actual Loops': 1,
      'Shared Hit Blocks': 80,
      'Shared Read Blocks': 2,
      Plans: [
        {
          'Node Type': 'Nested Loop',
          'Join Type': 'Inner',
          'Actual Total Time': 0.24,
          'Actual Rows': 25,
          'Actual Loops': 1,
          'Shared Hit Blocks': 80,
          'Shared Read Blocks': 2,
          Plans: [
            {
              'Node Type': 'Index Scan',
              'Index Name': 'peer_mentor_chapters_chapter_idx',
              'Relation Name': 'peer_mentor_chapters',
              'Actual Total Time': 0.05,
              'Actual Rows': 25,
              'Actual Loops': 1,
              'Shared Hit Blocks': 5,
              'Shared Read Blocks': 0,
            },
            {
              'Node Type': 'Index Only Scan',
              'Index Name': 'peer_mentors_pkey',
              'Relation Name': 'peer_mentors',
              'Actual Total Time': 0.004,
              'Actual Rows': 1,
              'Actual Loops': 25,
              'Shared Hit Blocks': 75,
              'Shared Read Blocks': 2,
              'Rows Removed by Filter': 3,
            },
          ],
        },
      ],
    },
    Planning: { 'Shared Hit Blocks': 10 },
    'Planning Time': 0.5,
    Triggers: [],
    'Execution Time': 0.31,
  },
];

describe('captureFromJson', () => {
  it('keeps the statement and the plan, and lifts the figures a reader wants first', () => {
    const capture = captureFromJson('roster page', 'select 1 where $1', [true], output);
    expect(capture).toMatchObject({
      label: 'roster page',
      sql: 'select 1 where $1',
      params: [true],
      planningMs: 0.5,
      executionMs: 0.31,
      rows: 25,
      sharedHitBlocks: 80,
      sharedReadBlocks: 2,
      indexes: ['peer_mentor_chapters_chapter_idx', 'peer_mentors_pkey'],
    });
    expect(capture.plan['Node Type']).toBe('Limit');
  });

  it('refuses output that has no plan', () => {
    expect(() => captureFromJson('x', 'select', [], [])).toThrow(/x: EXPLAIN returned no plan/);
  });
});

describe('summarizePlan', () => {
  it('writes one indented line per node with rows, loops, time, buffers and filtered rows', () => {
    expect(summarizePlan(output[0]!.Plan)).toEqual([
      'Limit (rows 25, 0.250 ms, buffers 80 hit 2 read)',
      '  Inner Nested Loop (rows 25, 0.240 ms, buffers 80 hit 2 read)',
      '    Index Scan using peer_mentor_chapters_chapter_idx on peer_mentor_chapters (rows 25, 0.050 ms, buffers 5 hit 0 read)',
      '    Index Only Scan using peer_mentors_pkey on peer_mentors (rows 1, loops 25, 0.004 ms, buffers 75 hit 2 read, 3 removed by filter)',
    ]);
  });
});
