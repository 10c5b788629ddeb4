import type { Metric, Target, Unit } from './metrics.js';
import type { ScenarioReport } from './scenario.js';

const DECIMALS: Record<Unit, number> = {
  'tx/s': 1,
  'rows/s': 0,
  'calls/s': 1,
  ms: 2,
  s: 1,
  ratio: 2,
  count: 0,
  '%': 1,
  'k instructions': 0,
};

/** A figure as the table shows it: fixed decimals per unit, the unit after it. */
export function formatValue(value: number, unit: Unit): string {
  const text = Number.isFinite(value) ? value.toFixed(DECIMALS[unit]) : String(value);
  if (unit === 'ratio' || unit === 'count') return text;
  return unit === '%' ? `${text}%` : `${text} ${unit}`;
}

export function formatTarget(target: Target | undefined, unit: Unit): string {
  if (!target) return '';
  return `${target.comparison === '>=' ? '≥' : '≤'} ${formatValue(target.limit, unit)}`;
}

export function formatResult(m: Metric): string {
  if (m.pass === undefined) return '';
  return m.pass ? 'pass' : 'FAIL';
}

/**
 * A fixed-width text table: the first row is the header, a rule under it, columns two spaces
 * apart; the columns listed in `rightAligned` (numbers) are padded on the left.
 */
export function formatTable(
  rows: readonly (readonly string[])[],
  options: { rightAligned?: readonly number[] } = {},
): string {
  const [header, ...body] = rows;
  if (!header) throw new Error('a table needs a header row');
  const rightAligned = new Set(options.rightAligned ?? []);
  const widths = header.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: readonly string[]) =>
    widths
      .map((width, column) => {
        const cell = row[column] ?? '';
        return rightAligned.has(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [
    line(header),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...body.map(line),
  ].join('\n');
}

/** The results table every benchmark prints: one row per figure, then one per error. */
export function formatResultsTable(scenarios: readonly ScenarioReport[]): string {
  const rows: string[][] = [['scenario', 'metric', 'value', 'target', 'result']];
  for (const scenario of scenarios) {
    for (const m of scenario.metrics) {
      rows.push([
        scenario.scenario,
        m.name,
        formatValue(m.value, m.unit),
        formatTarget(m.target, m.unit),
        formatResult(m),
      ]);
    }
    if (scenario.error) {
      const firstLine = scenario.error.split('\n')[0] ?? '';
      rows.push([scenario.scenario, `error: ${firstLine.slice(0, 100)}`, '', '', 'ERROR']);
    }
  }
  return formatTable(rows, { rightAligned: [2] });
}
