// Percentiles and latency summaries are tested with the package that has them (tooling/bench).
import { describe, expect, it } from 'vitest';
import { parsePgbenchSummary, parseTransactionLog } from '../bench/pgbench.js';

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
