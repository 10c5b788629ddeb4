import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { calendarDateIn } from './calendar.js';
import { NOTE_MAX_LENGTH } from './enums.js';
import {
  ActivatePauseArgs,
  ActivePauseRows,
  activatePauseArgsSchema,
  DeactivatePauseArgs,
  GetActivePausesForChapterArgs,
  isRpcName,
  noteLength,
  PeerMentorStatusRow,
  rpcFunctions,
  rpcNames,
} from './rpc.js';

const mentorId = '0d9e6a1c-3b2f-4e8a-9c7d-5f1e2a3b4c5d';
const orgId = '3b0b2f0e-6a55-4c1e-9a43-0f4c3c2b1a00';
// An id PostgreSQL accepts but RFC 9562 does not (version digit a, variant digit 0), as
// md5(...)::uuid makes them.
const md5Id = 'c4ca4238-a0b9-a382-0dcc-509a6f75849b';

/** A status row exactly as PostgREST renders it (timestamptz with microseconds and offset). */
const pausedRow = {
  peer_mentor_id: mentorId,
  organization_id: orgId,
  status: 'paused',
  reason_code: 'health',
  note: 'Back after surgery',
  paused_at: '2026-11-26T16:15:20.768935+00:00',
  paused_by: md5Id,
  paused_by_role: 'peer_mentor',
  expected_end: '2027-01-15',
  version: 3,
  updated_at: '2026-11-26T16:15:20.768935+00:00',
};

/** Each issue as `path: message` (just the message for the whole object). */
const messages = (schema: z.ZodType, value: unknown) =>
  schema
    .safeParse(value)
    .error?.issues.map((issue) =>
      issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    );

describe('result schemas', () => {
  it('accept rows as PostgREST sends them, including ids that are not RFC 9562', () => {
    expect(PeerMentorStatusRow.parse(pausedRow)).toEqual(pausedRow);
    const active = {
      ...pausedRow,
      status: 'active',
      reason_code: null,
      note: null,
      paused_at: null,
      paused_by: null,
      paused_by_role: null,
      expected_end: null,
      version: 4,
      updated_at: '2026-11-27T08:00:00+01:00',
    };
    expect(PeerMentorStatusRow.safeParse(active).success).toBe(true);
  });

  it('ignore a column the database adds later instead of failing an older client', () => {
    expect(PeerMentorStatusRow.parse({ ...pausedRow, resumed_reason: 'x' })).toEqual(pausedRow);
  });

  it('reject values the database cannot send', () => {
    expect(messages(PeerMentorStatusRow, { ...pausedRow, status: 'suspended' })).toEqual([
      'status: Invalid option: expected one of "active"|"paused"',
    ]);
    expect(
      messages(PeerMentorStatusRow, { ...pausedRow, paused_at: '2026-11-26 16:15:20' }),
    ).toEqual(['paused_at: expected an ISO 8601 timestamp with a UTC offset']);
    expect(messages(PeerMentorStatusRow, { ...pausedRow, version: 2 ** 31 })).toHaveLength(1);
    expect(
      ActivePauseRows.safeParse([{ ...pausedRow, display_name: 'Anna', paused_by_role: null }])
        .success,
    ).toBe(false);
  });
});

describe('argument schemas', () => {
  const validArgs = {
    p_peer_mentor_id: mentorId,
    p_organization_id: orgId,
    p_reason_code: 'vacation',
    p_note: 'Two weeks in Lofoten',
    p_expected_end: '2026-12-10',
  };

  it('take the arguments in the SQL signature order, the defaulted ones last and optional', () => {
    expect(Object.keys(ActivatePauseArgs.shape)).toEqual([
      'p_peer_mentor_id',
      'p_organization_id',
      'p_reason_code',
      'p_note',
      'p_expected_end',
    ]);
    expect(
      ActivatePauseArgs.safeParse({
        p_peer_mentor_id: mentorId,
        p_organization_id: orgId,
        p_reason_code: 'health',
      }).success,
    ).toBe(true);
    expect(ActivatePauseArgs.safeParse({ ...validArgs, p_note: null }).success).toBe(true);
  });

  it('reject wrong types, unknown reason codes and unknown arguments with clear messages', () => {
    expect(messages(ActivatePauseArgs, { ...validArgs, p_peer_mentor_id: 42 })).toEqual([
      'p_peer_mentor_id: Invalid input: expected string, received number',
    ]);
    expect(messages(ActivatePauseArgs, { ...validArgs, p_peer_mentor_id: 'anna' })).toEqual([
      'p_peer_mentor_id: expected a uuid (8-4-4-4-12 hexadecimal digits)',
    ]);
    expect(messages(ActivatePauseArgs, { ...validArgs, p_reason_code: 'burnout' })).toEqual([
      'p_reason_code: Invalid option: expected one of "personal"|"health"|"vacation"|"other"|"coordinator_decision"|"certification_expired"',
    ]);
    expect(messages(ActivatePauseArgs, { ...validArgs, p_expected_end: '10.12.2026' })).toEqual([
      'p_expected_end: expected a calendar date as YYYY-MM-DD',
    ]);
    expect(messages(ActivatePauseArgs, { ...validArgs, p_expected_end: '2026-02-30' })).toEqual([
      'p_expected_end: expected a calendar date as YYYY-MM-DD',
    ]);
    // PostgREST finds no function with an unknown argument name (PGRST202).
    expect(messages(DeactivatePauseArgs, validArgs)).toEqual([
      'Unrecognized keys: "p_reason_code", "p_expected_end"',
    ]);
    expect(messages(GetActivePausesForChapterArgs, { p_organization_id: orgId })).toEqual([
      'p_chapter_id: Invalid input: expected string, received undefined',
    ]);
  });

  it('count a note in characters as PostgreSQL does, not in UTF-16 units', () => {
    const emoji = '😀'; // one code point, two UTF-16 units
    expect(noteLength(emoji)).toBe(1);
    const longest = emoji.repeat(NOTE_MAX_LENGTH);
    expect(longest.length).toBe(2 * NOTE_MAX_LENGTH);
    const deactivate = (note: string) => ({
      p_peer_mentor_id: mentorId,
      p_organization_id: orgId,
      p_note: note,
    });
    expect(DeactivatePauseArgs.safeParse(deactivate(longest)).success).toBe(true);
    expect(messages(DeactivatePauseArgs, deactivate(`${longest}!`))).toEqual([
      `p_note: a note has at most ${NOTE_MAX_LENGTH} characters`,
    ]);
  });

  it('reject notes PostgreSQL text cannot hold', () => {
    for (const note of ['before\u0000after', 'lone \ud800 surrogate']) {
      expect(messages(ActivatePauseArgs, { ...validArgs, p_note: note })).toEqual([
        'p_note: a note must be valid Unicode text without the NUL character (U+0000)',
      ]);
    }
  });
});

describe('activatePauseArgsSchema: expected end in the organization’s calendar', () => {
  const args = (expectedEnd: string | null) => ({
    p_peer_mentor_id: mentorId,
    p_organization_id: orgId,
    p_reason_code: 'health',
    p_expected_end: expectedEnd,
  });

  it('rejects a past date with a message that names today and the time zone', () => {
    const schema = activatePauseArgsSchema({ now: () => new Date('2026-11-26T10:00:00Z') });
    expect(schema.safeParse(args('2026-11-26')).success).toBe(true);
    expect(schema.safeParse(args(null)).success).toBe(true);
    expect(messages(schema, args('2026-11-25'))).toEqual([
      'p_expected_end: p_expected_end 2026-11-25 is in the past: today is 2026-11-26 in Europe/Oslo',
    ]);
  });

  it('reads today in Oslo, not in UTC: 23:30 UTC is already tomorrow there', () => {
    const lateEvening = new Date('2026-11-26T23:30:00Z');
    expect(calendarDateIn('UTC', lateEvening)).toBe('2026-11-26');
    expect(calendarDateIn('Europe/Oslo', lateEvening)).toBe('2026-11-27');
    const oslo = activatePauseArgsSchema({ now: () => lateEvening });
    expect(oslo.safeParse(args('2026-11-26')).success).toBe(false);
    const utc = activatePauseArgsSchema({ timeZone: 'UTC', now: () => lateEvening });
    expect(utc.safeParse(args('2026-11-26')).success).toBe(true);
    // Across the summer-time change (UTC+2 in July).
    expect(calendarDateIn('Europe/Oslo', new Date('2026-07-01T22:30:00Z'))).toBe('2026-07-02');
  });

  it('reads the clock at every parse, so a long-lived schema is right after midnight', () => {
    let now = new Date('2026-11-26T22:00:00Z'); // 23:00 in Oslo
    const schema = activatePauseArgsSchema({ now: () => now });
    expect(schema.safeParse(args('2026-11-26')).success).toBe(true);
    now = new Date('2026-11-26T23:30:00Z'); // 00:30 the next day in Oslo
    expect(schema.safeParse(args('2026-11-26')).success).toBe(false);
  });

  it('takes a fixed today, and refuses a bad one or an unknown time zone at once', () => {
    const schema = activatePauseArgsSchema({ today: '2027-01-01' });
    expect(messages(schema, args('2026-12-31'))).toEqual([
      'p_expected_end: p_expected_end 2026-12-31 is in the past: today is 2027-01-01',
    ]);
    expect(() => activatePauseArgsSchema({ today: '01.01.2027' })).toThrow(RangeError);
    expect(() => activatePauseArgsSchema({ timeZone: 'Europe/Atlantis' })).toThrow(
      'unknown time zone "Europe/Atlantis"',
    );
  });

  it('reports a malformed date once, not also as a past one', () => {
    const schema = activatePauseArgsSchema({ today: '2026-11-26' });
    expect(messages(schema, args('yesterday'))).toEqual([
      'p_expected_end: expected a calendar date as YYYY-MM-DD',
    ]);
  });

  it('keeps every shape rule of the plain schema', () => {
    const schema = activatePauseArgsSchema({ today: '2026-11-26' });
    expect(schema.safeParse({ ...args('2026-12-01'), p_extra: 1 }).success).toBe(false);
    expect(Object.keys(schema.shape)).toEqual(Object.keys(ActivatePauseArgs.shape));
  });
});

describe('rpc table', () => {
  it('names each RPC with its schemas and how PostgREST shapes the response', () => {
    expect(rpcNames).toEqual([
      'activate_pause',
      'deactivate_pause',
      'get_active_pauses_for_chapter',
      'switch_organization',
      'change_member_role',
      'remove_member',
      'assign_coordinator_chapter',
      'unassign_coordinator_chapter',
      'add_mentor_chapter',
      'remove_mentor_chapter',
      'requeue_parked_events',
    ]);
    expect(isRpcName('activate_pause')).toBe(true);
    expect(isRpcName('toString')).toBe(false);
    for (const name of rpcNames) {
      const fn = rpcFunctions[name];
      const arrayResponse = fn.response.safeParse([]).success;
      expect(arrayResponse, name).toBe(fn.returns === 'set');
    }
  });
});
