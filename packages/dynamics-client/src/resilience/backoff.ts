export interface BackoffPolicy {
  /** Delay before the first retry, in milliseconds. */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": half of the exponential step is fixed and half is
 * random, so retries of many callers spread out but none retries immediately.
 * `retry` counts from 1.
 */
export function jitteredBackoff(
  retry: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(step / 2 + (step / 2) * random());
}
