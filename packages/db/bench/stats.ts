/** Latency figures of one pgbench run, in milliseconds. */
export interface LatencySummary {
  transactions: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * The nearest-rank percentile of ascending values: the smallest value with at least p% of all
 * values at or below it. No interpolation, so the answer is always a measured value.
 */
export function percentile(sortedAscending: ArrayLike<number>, p: number): number {
  const count = sortedAscending.length;
  if (count === 0) throw new Error('percentile of no values');
  if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * count);
  return sortedAscending[rank - 1] as number;
}

/** Summarizes per-transaction latencies given in microseconds (pgbench's log unit). */
export function summarizeLatencies(latenciesUs: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(latenciesUs).sort();
  if (sorted.length === 0) throw new Error('no transaction completed, so there is no latency');
  let total = 0;
  for (const value of sorted) total += value;
  const ms = (us: number) => us / 1000;
  return {
    transactions: sorted.length,
    meanMs: ms(total / sorted.length),
    p50Ms: ms(percentile(sorted, 50)),
    p95Ms: ms(percentile(sorted, 95)),
    p99Ms: ms(percentile(sorted, 99)),
    maxMs: ms(sorted[sorted.length - 1] as number),
  };
}
