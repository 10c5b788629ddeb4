import { describe, expect, it } from 'vitest';
import { jitteredBackoff } from '../src/index.js';
import { CircuitBreaker } from '../src/resilience/circuit-breaker.js';
import type { Clock } from '../src/resilience/clock.js';
import { ConcurrencyLimit } from '../src/resilience/concurrency-limit.js';
import { parseRetryAfter } from '../src/resilience/retry-after.js';

function manualClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

describe('jitteredBackoff', () => {
  it('doubles each step up to the cap, keeping at least half of each step', () => {
    const policy = { baseMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((retry) => jitteredBackoff(retry, policy, () => 0))).toEqual([
      50, 100, 200, 400, 500,
    ]);
    expect([1, 2, 3, 4, 5].map((retry) => jitteredBackoff(retry, policy, () => 1))).toEqual([
      100, 200, 400, 800, 1_000,
    ]);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP-dates, and nothing else', () => {
    const now = Date.UTC(2026, 10, 26, 12, 0, 0);
    expect(parseRetryAfter('5', now)).toBe(5_000);
    expect(parseRetryAfter('Thu, 26 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('CircuitBreaker', () => {
  it('opens at the threshold, half-opens after the cooldown for one trial, and closes on its success', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000, clock });
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.admit()).toEqual({ admitted: false, retryAfterMs: 1_000 });

    clock.advance(1_000);
    expect(breaker.state).toBe('half-open');
    expect(breaker.admit()).toEqual({ admitted: true });
    expect(breaker.admit()).toMatchObject({ admitted: false });
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.admit()).toEqual({ admitted: true });
  });

  it('a success resets the count of consecutive failures', () => {
    const breaker = new CircuitBreaker({
      failureThreshold: 2,
      cooldownMs: 1_000,
      clock: manualClock(),
    });
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
  });

  it('a neutral outcome of the trial lets the next call be the trial', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10, clock });
    breaker.recordFailure();
    clock.advance(10);
    expect(breaker.admit()).toEqual({ admitted: true });
    breaker.recordNeutral();
    expect(breaker.admit()).toEqual({ admitted: true });
  });
});

describe('ConcurrencyLimit', () => {
  it('runs at most `limit` tasks at once and all of them eventually', async () => {
    const limit = new ConcurrencyLimit(2);
    let running = 0;
    let most = 0;
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, index) =>
        limit.run(async () => {
          running += 1;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          running -= 1;
          return index;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(most).toBe(2);
    expect(limit.peak).toBe(2);
    expect(limit.active).toBe(0);
  });

  it('frees the slot of a task that fails', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit.run(async () => 'next')).resolves.toBe('next');
  });
});
