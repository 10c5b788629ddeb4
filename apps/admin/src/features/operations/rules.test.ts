import { describe, expect, it } from 'vitest';
import { formatAge, isStaleRequeue } from './rules';

describe('how long the oldest event has waited', () => {
  it('uses the two largest units, in Norwegian and English', () => {
    expect(formatAge(5_400, 'nb-NO')).toBe('1 t 30 min');
    expect(formatAge(5_400, 'en-GB')).toBe('1 hr 30 mins');
    expect(formatAge(2 * 86_400 + 3 * 3_600 + 59, 'nb-NO')).toBe('2 d 3 t');
  });

  it('drops a zero second unit and shows seconds only under a minute', () => {
    expect(formatAge(3_600, 'en-GB')).toBe('1 hr');
    expect(formatAge(86_400, 'en-GB')).toBe('1 day');
    expect(formatAge(60, 'nb-NO')).toBe('1 min');
    expect(formatAge(45.9, 'en-GB')).toBe('45 secs');
  });

  it('never shows a negative age (clocks a little apart)', () => {
    expect(formatAge(-3, 'en-GB')).toBe('0 secs');
  });
});

describe('a requeue that met a changed list', () => {
  it('is stale for PM422 (no longer parked) and PM404 (no longer there), not for other errors', () => {
    expect(isStaleRequeue({ code: 'PM422' })).toBe(true);
    expect(isStaleRequeue({ code: 'PM404' })).toBe(true);
    expect(isStaleRequeue({ code: 'PM403' })).toBe(false);
    expect(isStaleRequeue(new TypeError('Failed to fetch'))).toBe(false);
    expect(isStaleRequeue(null)).toBe(false);
  });
});
