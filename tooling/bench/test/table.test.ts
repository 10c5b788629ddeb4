import { describe, expect, it } from 'vitest';
import { atMost, metric } from '../src/metrics.js';
import { createProgress } from '../src/progress.js';
import { formatResultsTable, formatTable, formatValue } from '../src/table.js';

describe('formatValue', () => {
  it('uses the unit’s decimals and writes the unit after the figure', () => {
    expect(formatValue(1234.5678, 'tx/s')).toBe('1234.6 tx/s');
    expect(formatValue(1.23456, 'ms')).toBe('1.23 ms');
    expect(formatValue(1.234, 'ratio')).toBe('1.23');
    expect(formatValue(12.4, 'count')).toBe('12');
    expect(formatValue(99.94, '%')).toBe('99.9%');
    expect(formatValue(1548.6, 'k instructions')).toBe('1549 k instructions');
    expect(formatValue(Number.NaN, 'ms')).toBe('NaN ms');
  });
});

describe('formatTable', () => {
  it('pads columns to the widest cell, rules the header, right-aligns number columns', () => {
    expect(
      formatTable(
        [
          ['name', 'value'],
          ['a', '1.00'],
          ['longer', '10.00'],
        ],
        { rightAligned: [1] },
      ),
    ).toBe(['name    value', '------  -----', 'a        1.00', 'longer  10.00'].join('\n'));
  });

  it('refuses a table without a header', () => {
    expect(() => formatTable([])).toThrow(/header/);
  });
});

describe('formatResultsTable', () => {
  it('prints one row per figure with target and result, and one per error', () => {
    const table = formatResultsTable([
      {
        scenario: 'read: roster page',
        metrics: [
          metric('rows per page', 50, 'count'),
          metric('ratio RLS ÷ owner', 1.42, 'ratio', atMost(1.3)),
          metric('ratio p95', 1.1, 'ratio', atMost(1.3)),
        ],
        details: {},
      },
      {
        scenario: 'read: timeline',
        metrics: [],
        details: {},
        error: 'skipped: the roster did not load\nstack…',
      },
    ]);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^scenario\s+metric\s+value\s+target\s+result$/);
    expect(lines[2]).toMatch(/^read: roster page\s+rows per page\s+50$/);
    expect(lines[3]).toMatch(/ratio RLS ÷ owner\s+1\.42\s+≤ 1\.30\s+FAIL$/);
    expect(lines[4]).toMatch(/ratio p95\s+1\.10\s+≤ 1\.30\s+pass$/);
    expect(lines[5]).toMatch(/^read: timeline\s+error: skipped: the roster did not load\s+ERROR$/);
    expect(lines).toHaveLength(6);
  });
});

describe('createProgress', () => {
  it('prefixes each line with the label and the whole seconds since it started', () => {
    const lines: string[] = [];
    let now = 1_000;
    const progress = createProgress('db', { write: (line) => lines.push(line), now: () => now });
    progress('loading');
    now += 12_400;
    progress('done');
    expect(lines).toEqual(['[db bench    0s] loading', '[db bench   12s] done']);
  });
});
