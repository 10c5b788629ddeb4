import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LatencySummary } from './stats.js';

export type Unit = 'tx/s' | 'rows/s' | 'ms' | 's' | 'ratio' | 'count';

/** A target a figure should meet; missing it is reported, not fatal. */
export interface Target {
  comparison: '>=' | '<=';
  limit: number;
}

export interface Metric {
  name: string;
  value: number;
  unit: Unit;
  target?: Target;
  /** Whether the target is met; absent when the figure has no target. */
  pass?: boolean;
}

/** What a scenario measured. */
export interface ScenarioFigures {
  metrics: Metric[];
  /** Raw figures, settings and plans for the JSON report. */
  details: Record<string, unknown>;
}

export interface ScenarioReport extends ScenarioFigures {
  scenario: string;
  /** Set when the scenario could not produce its figures. */
  error?: string;
}

export function metric(name: string, value: number, unit: Unit, target?: Target): Metric {
  if (!target) return { name, value, unit };
  const pass = target.comparison === '>=' ? value >= target.limit : value <= target.limit;
  return { name, value, unit, target, pass };
}

/** Mean, p50 and p95 latency of a run as `<label> latency …`; a target, if any, is on p95. */
export function latencyMetrics(
  label: string,
  latency: LatencySummary,
  p95Target?: Target,
): Metric[] {
  const name = (statistic: string) => `${label ? `${label} ` : ''}latency ${statistic}`;
  return [
    metric(name('mean'), latency.meanMs, 'ms'),
    metric(name('p50'), latency.p50Ms, 'ms'),
    metric(name('p95'), latency.p95Ms, 'ms', p95Target),
  ];
}

const DECIMALS: Record<Unit, number> = { 'tx/s': 1, 'rows/s': 0, ms: 2, s: 1, ratio: 2, count: 0 };

function formatValue(value: number, unit: Unit): string {
  const text = value.toFixed(DECIMALS[unit]);
  return unit === 'ratio' || unit === 'count' ? text : `${text} ${unit}`;
}

function formatTarget(target: Target | undefined, unit: Unit): string {
  if (!target) return '';
  return `${target.comparison === '>=' ? '≥' : '≤'} ${formatValue(target.limit, unit)}`;
}

/** The plain results table printed at the end of a run. */
export function formatResultsTable(scenarios: readonly ScenarioReport[]): string {
  const rows: string[][] = [['scenario', 'metric', 'value', 'target', 'result']];
  for (const scenario of scenarios) {
    for (const m of scenario.metrics) {
      const result = m.pass === undefined ? '' : m.pass ? 'pass' : 'FAIL';
      rows.push([
        scenario.scenario,
        m.name,
        formatValue(m.value, m.unit),
        formatTarget(m.target, m.unit),
        result,
      ]);
    }
    if (scenario.error) {
      const firstLine = scenario.error.split('\n')[0] ?? '';
      rows.push([scenario.scenario, `error: ${firstLine.slice(0, 100)}`, '', '', 'ERROR']);
    }
  }
  const widths = rows[0]!.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        column === 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  const [header, ...body] = rows;
  return [
    line(header!),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...body.map(line),
  ].join('\n');
}

export function writeJsonReport(file: string, report: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
