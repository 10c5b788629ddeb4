import { describe, expect, it } from 'vitest';
import {
  atLeast,
  atMost,
  latencyMetrics,
  meetsTarget,
  metric,
  ratioMetric,
} from '../src/metrics.js';

describe('targets', () => {
  it('meets an upper limit at or below it, and fails above it', () => {
    expect(meetsTarget(1.3, atMost(1.3))).toBe(true);
    expect(meetsTarget(1.29, atMost(1.3))).toBe(true);
    expect(meetsTarget(1.31, atMost(1.3))).toBe(false);
  });

  it('meets a lower limit at or above it, and fails below it', () => {
    expect(meetsTarget(0.95, atLeast(0.95))).toBe(true);
    expect(meetsTarget(0.949, atLeast(0.95))).toBe(false);
  });

  it('never passes a figure that is not a number', () => {
    expect(meetsTarget(Number.NaN, atMost(1))).toBe(false);
    expect(meetsTarget(Number.POSITIVE_INFINITY, atLeast(1))).toBe(false);
    expect(meetsTarget(Number.NEGATIVE_INFINITY, atMost(1))).toBe(false);
  });

  it('marks a figure with its target and the result; one without a target has neither', () => {
    expect(metric('p95', 2.5, 'ms', atMost(2))).toEqual({
      name: 'p95',
      value: 2.5,
      unit: 'ms',
      target: { comparison: '<=', limit: 2 },
      pass: false,
    });
    expect(metric('tx/s', 100, 'tx/s')).toEqual({ name: 'tx/s', value: 100, unit: 'tx/s' });
  });
});

describe('ratioMetric', () => {
  it('divides the measured figure by the baseline and keeps both', () => {
    const row = ratioMetric(
      'RLS ÷ owner (mean latency)',
      { label: 'RLS mean latency', value: 1.2 },
      { label: 'owner mean latency', value: 1.0 },
      atMost(1.3),
    );
    expect(row.value).toBeCloseTo(1.2, 10);
    expect(row.unit).toBe('ratio');
    expect(row.pass).toBe(true);
    expect(row.ratioOf).toEqual({
      measured: { label: 'RLS mean latency', value: 1.2 },
      baseline: { label: 'owner mean latency', value: 1.0 },
    });
  });

  it('fails a ratio over its limit', () => {
    const row = ratioMetric('r', { label: 'a', value: 1.5 }, { label: 'b', value: 1 }, atMost(1.3));
    expect(row.pass).toBe(false);
  });

  it('refuses a zero baseline instead of reporting an infinite ratio', () => {
    expect(() => ratioMetric('r', { label: 'a', value: 1 }, { label: 'owner', value: 0 })).toThrow(
      /baseline \(owner\) is 0/,
    );
  });
});

describe('latencyMetrics', () => {
  it('gives mean, p50 and p95 under the label, the target on p95 only', () => {
    const rows = latencyMetrics(
      'RLS',
      { samples: 10, meanMs: 1, p50Ms: 0.9, p95Ms: 2.1, p99Ms: 3, maxMs: 4 },
      atMost(2),
    );
    expect(rows.map((row) => [row.name, row.value, row.pass])).toEqual([
      ['RLS latency mean', 1, undefined],
      ['RLS latency p50', 0.9, undefined],
      ['RLS latency p95', 2.1, false],
    ]);
  });

  it('leaves the label out when there is none', () => {
    const rows = latencyMetrics('', {
      samples: 1,
      meanMs: 1,
      p50Ms: 1,
      p95Ms: 1,
      p99Ms: 1,
      maxMs: 1,
    });
    expect(rows[0]?.name).toBe('latency mean');
  });
});
