import { describe, expect, it } from 'vitest';
import { percentile, summarizeLatencies } from '../src/stats.js';

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
  it('summarizes milliseconds given out of order', () => {
    // 100 calls of 1..100 ms in a scrambled order.
    const ms = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    expect(summarizeLatencies(ms)).toEqual({
      samples: 100,
      meanMs: 50.5,
      p50Ms: 50,
      p95Ms: 95,
      p99Ms: 99,
      maxMs: 100,
    });
  });

  it('sorts numerically, not as strings (9 ms < 10 ms)', () => {
    expect(summarizeLatencies([10, 9]).p50Ms).toBe(9);
  });

  it('does not reorder the caller’s array', () => {
    const ms = [3, 1, 2];
    summarizeLatencies(ms);
    expect(ms).toEqual([3, 1, 2]);
  });

  it('treats a run without a completed call as an error', () => {
    expect(() => summarizeLatencies([])).toThrow(/no call completed/);
  });
});
