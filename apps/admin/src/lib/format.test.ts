import { beforeAll, describe, expect, it } from 'vitest';

// i18n reads the stored language when it loads; outside a browser there is no localStorage.
let format: typeof import('./format');
let i18n: typeof import('./i18n');
beforeAll(async () => {
  const stored = new Map<string, string>();
  Object.assign(globalThis, {
    localStorage: {
      getItem: (key: string) => stored.get(key) ?? null,
      setItem: (key: string, value: string) => stored.set(key, value),
    },
    document: { documentElement: {} },
  });
  i18n = await import('./i18n');
  format = await import('./format');
});

describe('dates and times in the organization’s time zone', () => {
  it("shows an instant in the organization's time zone, not the browser's", () => {
    // 23:30 UTC on 31 December is 00:30 on 1 January in Oslo.
    const shown = format.formatInstant('2026-12-31T23:30:00Z', 'Europe/Oslo');
    expect(shown).toContain('1. jan. 2027');
    expect(shown).toContain('00:30');
    expect(format.formatInstant('2026-12-31T23:30:00Z', 'UTC')).toContain('31. des. 2026');
  });

  it('follows summer time', () => {
    expect(format.formatInstant('2026-07-01T10:00:00Z', 'Europe/Oslo')).toContain('12:00');
    expect(format.formatInstant('2026-01-01T10:00:00Z', 'Europe/Oslo')).toContain('11:00');
  });

  it('shows a calendar date as that date everywhere (it has no time zone)', () => {
    expect(format.formatDate('2027-01-01')).toBe('1. jan. 2027');
  });

  it('shows a dash for a missing value', () => {
    expect(format.formatInstant(null, 'Europe/Oslo')).toBe('–');
    expect(format.formatDate(null)).toBe('–');
  });

  it('writes English dates after the language is switched', () => {
    i18n.setLanguage('en');
    expect(format.formatDate('2027-01-01')).toBe('1 Jan 2027');
    i18n.setLanguage('nb');
    expect(format.formatDate('2027-01-01')).toBe('1. jan. 2027');
  });
});
