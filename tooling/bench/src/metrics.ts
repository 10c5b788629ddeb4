import type { LatencySummary } from './stats.js';

export type Unit =
  | 'tx/s'
  | 'rows/s'
  | 'calls/s'
  | 'ms'
  | 's'
  | 'ratio'
  | 'count'
  | '%'
  /** Thousands of instructions the server executed (callgrind), per transaction or per step. */
  | 'k instructions';

/** A target a figure should meet; missing it is reported, not fatal. */
export interface Target {
  comparison: '>=' | '<=';
  limit: number;
}

/** The two figures a ratio was computed from, so the report shows what was divided by what. */
export interface RatioParts {
  measured: { label: string; value: number };
  baseline: { label: string; value: number };
}

export interface Metric {
  name: string;
  value: number;
  unit: Unit;
  target?: Target;
  /** Whether the target is met; absent when the figure has no target. */
  pass?: boolean;
  /** Set on ratio-against-baseline rows. */
  ratioOf?: RatioParts;
}

export const atMost = (limit: number): Target => ({ comparison: '<=', limit });
export const atLeast = (limit: number): Target => ({ comparison: '>=', limit });

/** Whether `value` meets `target`; a value that is not a finite number never does. */
export function meetsTarget(value: number, target: Target): boolean {
  if (!Number.isFinite(value)) return false;
  return target.comparison === '>=' ? value >= target.limit : value <= target.limit;
}

export function metric(name: string, value: number, unit: Unit, target?: Target): Metric {
  if (!target) return { name, value, unit };
  return { name, value, unit, target, pass: meetsTarget(value, target) };
}

/**
 * A ratio row: `measured ÷ baseline`, both measured in the same run, with an optional target.
 * A baseline of zero (or not a finite number) has no ratio, which is an error, not a pass.
 */
export function ratioMetric(
  name: string,
  measured: { label: string; value: number },
  baseline: { label: string; value: number },
  target?: Target,
): Metric {
  if (!Number.isFinite(baseline.value) || baseline.value === 0) {
    throw new Error(`${name}: the baseline (${baseline.label}) is ${baseline.value}, no ratio`);
  }
  return {
    ...metric(name, measured.value / baseline.value, 'ratio', target),
    ratioOf: { measured, baseline },
  };
}

/** Mean, p50 and p95 latency as `<label> latency …`; a target, if any, is on p95. */
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
