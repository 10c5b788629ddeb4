/** Latency figures of a run, in milliseconds. */
export interface LatencySummary {
  /** How many latencies were measured. */
  samples: number;
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

/**
 * Summarizes latencies given in milliseconds (divide microseconds by 1000 first). Sorts
 * numerically; no latency at all is an error, since a run that completed nothing has none.
 */
export function summarizeLatencies(latenciesMs: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  if (sorted.length === 0) throw new Error('no call completed, so there is no latency');
  let total = 0;
  for (const value of sorted) total += value;
  return {
    samples: sorted.length,
    meanMs: total / sorted.length,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] as number,
  };
}
