import { describe, expect, it } from 'vitest';
import { parsePgbenchSummary, parseTransactionLog } from '../bench/pgbench.js';
import { percentile, summarizeLatencies } from '../bench/stats.js';

describe('percentile (nearest rank)', () => {
  const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  it('returns a measured value: the smallest with at least p% at or below it', () => {
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile(values, 90)).toBe(9);
    expect(percentile(values, 10)).toBe(1);
    expect(percentile(values, 100)).toBe(10);
    expect(percentile([42], 50)).toBe(42);
  });

  it('refuses no values and percentiles outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow(/no values/);
    expect(() => percentile(values, 0)).toThrow(/\(0, 100\]/);
    expect(() => percentile(values, 101)).toThrow(/\(0, 100\]/);
  });
});

describe('summarizeLatencies', () => {
  it('sorts microseconds numerically and reports milliseconds', () => {
    // 100 transactions of 1..100 ms, given out of order and in microseconds.
    const us = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) * 1000 + 1000);
    expect(summarizeLatencies(us)).toEqual({
      transactions: 100,
      meanMs: 50.5,
      p50Ms: 50,
      p95Ms: 95,
      p99Ms: 99,
      maxMs: 100,
    });
  });

  it('does not sort as strings (9 ms < 10 ms)', () => {
    expect(summarizeLatencies([10_000, 9_000]).p50Ms).toBe(9);
  });

  it('treats a run without a completed transaction as an error', () => {
    expect(() => summarizeLatencies([])).toThrow(/no transaction completed/);
  });
});

describe('parseTransactionLog', () => {
  it('reads latencies and counts transactions that failed or were skipped', () => {
    const log = [
      '0 1 1088 0 1795709099 437521',
      '1 1 1053 0 1795709099 437547',
      '0 2 failed 0 1795709099 437691',
      '1 2 skipped 0 1795709099 437700 12',
      '',
    ].join('\n');
    expect(parseTransactionLog(log)).toEqual({ latenciesUs: [1088, 1053], incomplete: 2 });
  });
});

describe('parsePgbenchSummary', () => {
  it('reads the figures pgbench 15 prints at the end of a run', () => {
    const stdout = `pgbench (15.18 (Debian 15.18-0+deb12u1))
transaction type: <builtin: simple update>
scaling factor: 1
query mode: simple
number of clients: 4
number of threads: 2
maximum number of tries: 1
duration: 20 s
number of transactions actually processed: 97317
number of failed transactions: 0 (0.000%)
latency average = 0.821 ms
initial connection time = 8.357 ms
tps = 4865.681531 (without initial connection time)
`;
    expect(parsePgbenchSummary(stdout)).toEqual({
      transactionType: '<builtin: simple update>',
      queryMode: 'simple',
      clients: 4,
      threads: 2,
      processed: 97317,
      failed: 0,
      latencyAverageMs: 0.821,
      initialConnectionMs: 8.357,
      tps: 4865.681531,
    });
  });

  it('refuses output without a summary (a run that never started)', () => {
    expect(() => parsePgbenchSummary('pgbench: error: connection failed')).toThrow(/no summary/);
  });
});
