import { describe, expect, it } from 'vitest';
import { pauseFormSchema, reasonCodesFor } from './pause-form';

describe('the pause form', () => {
  it('offers each role only the reason codes it may use', () => {
    expect(reasonCodesFor('peer_mentor')).toEqual(['personal', 'health', 'vacation', 'other']);
    expect(reasonCodesFor('coordinator')).toEqual([
      'personal',
      'health',
      'vacation',
      'other',
      'coordinator_decision',
    ]);
    expect(reasonCodesFor('org_admin')).toContain('coordinator_decision');
    expect(reasonCodesFor('org_admin')).not.toContain('certification_expired');
  });

  it("refuses an expected end before today in the organization's time zone, not the browser's", () => {
    // 23:30 UTC on 31 December is already 1 January in Oslo.
    const { schema, today } = pauseFormSchema(
      'coordinator',
      'Europe/Oslo',
      new Date('2026-12-31T23:30:00Z'),
    );
    expect(today).toBe('2027-01-01');
    const form = (expectedEnd: string) =>
      schema.safeParse({ reason: 'health', note: '', expectedEnd });
    expect(form('2026-12-31').success).toBe(false);
    expect(form('2026-12-31').error?.issues[0]?.message).toBe('pause.notBeforeToday');
    expect(form('2027-01-01').success).toBe(true);
    expect(form('').success).toBe(true);
  });

  it('accepts a note of 1,000 characters and refuses 1,001', () => {
    const { schema } = pauseFormSchema('peer_mentor', 'Europe/Oslo');
    const form = (note: string) => schema.safeParse({ reason: 'vacation', note, expectedEnd: '' });
    expect(form('x'.repeat(1000)).success).toBe(true);
    expect(form('x'.repeat(1001)).error?.issues[0]?.message).toBe('pause.tooLong');
  });

  it("refuses a reason code the role may not use (a mentor's coordinator_decision)", () => {
    const { schema } = pauseFormSchema('peer_mentor', 'Europe/Oslo');
    expect(
      schema.safeParse({ reason: 'coordinator_decision', note: '', expectedEnd: '' }).success,
    ).toBe(false);
  });
});
