import { describe, expect, it } from 'vitest';
import { domainErrorCatalog, findDomainError, isDomainErrorCode } from './errors.js';

describe('domain error catalog', () => {
  it('gives every error a distinct SQLSTATE of our class PM, name and Dart name', () => {
    for (const entry of domainErrorCatalog) expect(entry.code).toMatch(/^PM[0-9]{3}$/);
    for (const key of ['code', 'name', 'dartName'] as const) {
      const values = domainErrorCatalog.map((entry) => entry[key]);
      expect(new Set(values).size).toBe(values.length);
    }
  });

  it('finds an entry by the code a PostgREST error body carries', () => {
    expect(findDomainError('PM409')?.name).toBe('already_paused');
    expect(findDomainError('42501')).toBeUndefined();
    expect(isDomainErrorCode('PM423')).toBe(true);
    expect(isDomainErrorCode('P0001')).toBe(false);
  });
});
