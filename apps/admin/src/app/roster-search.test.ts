import { describe, expect, it } from 'vitest';
import { RosterSearch } from './roster-search';

// The roster's search params are a link a coordinator shares: whatever is in the address, the
// page opens, keeping what is valid and dropping what is not.
describe("the roster's search params", () => {
  it('keeps a valid filtered, sorted, paged view', () => {
    expect(
      RosterSearch.parse({ q: 'Berg', status: 'paused', reason: 'health', sort: 'since', page: 3 }),
    ).toEqual({ q: 'Berg', status: 'paused', reason: 'health', sort: 'since', page: 3 });
  });

  it('drops each invalid value on its own and keeps the rest', () => {
    expect(
      RosterSearch.parse({
        q: 'Berg',
        status: 'suspended',
        reason: 'burnout',
        sort: 'age',
        page: 0,
      }),
    ).toEqual({ q: 'Berg' });
    expect(RosterSearch.parse({ page: 1.5, status: 'active' })).toEqual({ status: 'active' });
    expect(RosterSearch.parse({ page: '2' })).toEqual({});
  });

  it('opens an address without search params as the default view', () => {
    expect(RosterSearch.parse({})).toEqual({});
  });
});
