import { z } from 'zod';
import { calendarDateIn, DEFAULT_TIME_ZONE } from './calendar.js';
import { AccessTokenAppMetadata } from './claims.js';
import { ActorRole, NOTE_MAX_LENGTH, PauseReasonCode, PauseStatus } from './enums.js';
import { type DomainErrorCode, PostgrestErrorBody } from './errors.js';
import {
  ChangeMemberRoleArgs,
  CoordinatorChapterArgs,
  CoordinatorChapterRow,
  MentorChapterArgs,
  OrganizationMemberRow,
  OrganizationSwitchRow,
  OrganizationSwitchRows,
  PeerMentorChapterRow,
  RemoveMemberArgs,
  SwitchOrganizationArgs,
} from './memberships.js';
import { RequeuedEventRow, RequeuedEventRows, RequeueParkedEventsArgs } from './operations.js';
import { WireDate, WireTimestamp, WireUuid } from './wire.js';

export { WireDate, WireTimestamp, WireUuid };

// Wire shapes of the RPCs exactly as PostgREST sends and receives them: snake_case JSON,
// argument names as in the SQL signatures (PostgREST calls by name), dates as `YYYY-MM-DD`,
// timestamps as PostgreSQL renders timestamptz in JSON (`2026-11-26T16:15:20.768935+00:00`).

/** Characters as PostgreSQL's `char_length` counts them: code points, not UTF-16 units. */
export function noteLength(note: string): number {
  let length = 0;
  for (const _ of note) length += 1;
  return length;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A note argument. Limited in characters (code points) like the SQL check, so 1000 emoji
 * pass here as they do in the database; PostgreSQL text cannot hold U+0000 or a lone
 * surrogate, which fail before the function runs.
 */
const Note = z
  .string()
  .refine((note) => noteLength(note) <= NOTE_MAX_LENGTH, {
    message: `a note has at most ${NOTE_MAX_LENGTH} characters`,
  })
  .refine((note) => !note.includes('\u0000') && !LONE_SURROGATE.test(note), {
    message: 'a note must be valid Unicode text without the NUL character (U+0000)',
  })
  // JSON Schema counts code points too; zod cannot express the refinements as keywords.
  .meta({ maxLength: NOTE_MAX_LENGTH, pattern: '^[^\\u0000]*$' });

/**
 * Arguments of `activate_pause`, in the SQL signature's order. Shape only: whether
 * `p_expected_end` is in the past depends on the organization's calendar, which
 * `activatePauseArgsSchema()` adds.
 */
export const ActivatePauseArgs = z
  .strictObject({
    p_peer_mentor_id: WireUuid,
    p_organization_id: WireUuid,
    p_reason_code: PauseReasonCode,
    p_note: Note.nullable().optional(),
    p_expected_end: WireDate.nullable().optional(),
  })
  .meta({
    title: 'ActivatePauseArgs',
    description:
      'Arguments of activate_pause. p_expected_end must not be before today in the organization’s time zone.',
  });
export type ActivatePauseArgs = z.infer<typeof ActivatePauseArgs>;

/** Arguments of `deactivate_pause`. */
export const DeactivatePauseArgs = z
  .strictObject({
    p_peer_mentor_id: WireUuid,
    p_organization_id: WireUuid,
    p_note: Note.nullable().optional(),
  })
  .meta({ title: 'DeactivatePauseArgs', description: 'Arguments of deactivate_pause.' });
export type DeactivatePauseArgs = z.infer<typeof DeactivatePauseArgs>;

/** Arguments of `get_active_pauses_for_chapter`. */
export const GetActivePausesForChapterArgs = z
  .strictObject({
    p_organization_id: WireUuid,
    p_chapter_id: WireUuid,
  })
  .meta({
    title: 'GetActivePausesForChapterArgs',
    description: 'Arguments of get_active_pauses_for_chapter.',
  });
export type GetActivePausesForChapterArgs = z.infer<typeof GetActivePausesForChapterArgs>;

/**
 * A row of `peer_mentor_status`: what `activate_pause` and `deactivate_pause` return.
 * Unknown properties are ignored, so a column added later does not break an older client.
 */
export const PeerMentorStatusRow = z
  .object({
    peer_mentor_id: WireUuid,
    organization_id: WireUuid,
    status: PauseStatus,
    reason_code: PauseReasonCode.nullable(),
    note: z.string().nullable(),
    paused_at: WireTimestamp.nullable(),
    paused_by: WireUuid.nullable(),
    paused_by_role: ActorRole.nullable(),
    expected_end: WireDate.nullable(),
    version: z.int32().nonnegative(),
    updated_at: WireTimestamp,
  })
  .meta({
    title: 'PeerMentorStatusRow',
    description:
      'A peer mentor’s status row, as activate_pause and deactivate_pause return it. The pause fields are null while the mentor is active; note is the current pause’s note (the table keeps notes apart: need to know).',
  });
export type PeerMentorStatusRow = z.infer<typeof PeerMentorStatusRow>;

/** One paused mentor of a chapter, as `get_active_pauses_for_chapter` returns it. */
export const ActivePauseRow = z
  .object({
    peer_mentor_id: WireUuid,
    display_name: z.string(),
    reason_code: PauseReasonCode,
    note: z.string().nullable(),
    paused_at: WireTimestamp,
    paused_by: WireUuid.nullable(),
    paused_by_role: ActorRole,
    expected_end: WireDate.nullable(),
  })
  .meta({
    title: 'ActivePauseRow',
    description:
      'One paused mentor of a chapter. paused_by is null for a pause the system began; note is null unless the caller may read it (the mentor’s own coordinators and org admins: need to know).',
  });
export type ActivePauseRow = z.infer<typeof ActivePauseRow>;

/** The whole response of `get_active_pauses_for_chapter`: oldest pause first. */
export const ActivePauseRows = z.array(ActivePauseRow).meta({
  title: 'ActivePauseRows',
  description: 'The response of get_active_pauses_for_chapter: its paused mentors, oldest first.',
});
export type ActivePauseRows = z.infer<typeof ActivePauseRows>;

/** How the calendar check of `p_expected_end` learns what "today" is. */
export interface ExpectedEndCalendar {
  /** The organization's IANA time zone (`organizations.time_zone`); default Europe/Oslo. */
  timeZone?: string;
  /** Today as `YYYY-MM-DD`, or a function giving it; takes precedence over `timeZone`. */
  today?: string | (() => string);
  /** The clock read in `timeZone` (default: the current time). */
  now?: () => Date;
}

/**
 * `ActivatePauseArgs` plus the database's calendar rule: `p_expected_end` must not be before
 * today in the organization's time zone (else `PM422`). "Today" is read at every parse, so a
 * schema kept for a long-lived screen stays right after midnight. Throws a RangeError at once
 * for an unknown time zone. The database stays the authority: near midnight, clocks that
 * disagree can still make it answer `PM422` for a date that passed here.
 */
export function activatePauseArgsSchema(calendar: ExpectedEndCalendar = {}) {
  const timeZone = calendar.timeZone ?? DEFAULT_TIME_ZONE;
  const clock = calendar.now ?? (() => new Date());
  const fixed = calendar.today;
  if (typeof fixed === 'string' && !WireDate.safeParse(fixed).success) {
    throw new RangeError(`today must be a date as YYYY-MM-DD, got ${JSON.stringify(fixed)}`);
  }
  if (fixed === undefined) calendarDateIn(timeZone, clock()); // fails now for a bad zone
  const today = () =>
    typeof fixed === 'function' ? fixed() : (fixed ?? calendarDateIn(timeZone, clock()));
  const where = fixed === undefined ? ` in ${timeZone}` : '';

  const ExpectedEnd = WireDate.superRefine((date, context) => {
    // A malformed date already has its issue; comparing it as text would only add noise.
    if (!WireDate.safeParse(date).success) return;
    const current = today();
    if (date < current) {
      context.addIssue({
        code: 'custom',
        message: `p_expected_end ${date} is in the past: today is ${current}${where}`,
        params: { today: current },
      });
    }
  });
  return ActivatePauseArgs.extend({ p_expected_end: ExpectedEnd.nullable().optional() });
}

/**
 * The RPCs a client may call, with their argument and result schemas. `returns` says how
 * PostgREST shapes the result: `single` (a composite: one JSON object) or `set` (an array);
 * `response` is the whole response body. `errors` are the domain errors each can raise.
 */
export const rpcFunctions = {
  activate_pause: {
    args: ActivatePauseArgs,
    result: PeerMentorStatusRow,
    response: PeerMentorStatusRow,
    returns: 'single',
    volatility: 'volatile',
    errors: ['PM401', 'PM403', 'PM404', 'PM409', 'PM412', 'PM422', 'PM429'],
    description:
      'Pauses a peer mentor and logs it atomically: mentors pause themselves, coordinators the mentors of their chapters, org admins anyone in the organization.',
  },
  deactivate_pause: {
    args: DeactivatePauseArgs,
    result: PeerMentorStatusRow,
    response: PeerMentorStatusRow,
    returns: 'single',
    volatility: 'volatile',
    errors: ['PM401', 'PM403', 'PM404', 'PM410', 'PM412', 'PM422', 'PM423', 'PM429'],
    description:
      'Ends a peer mentor’s pause and logs it atomically. A mentor cannot end a pause imposed by a coordinator, an org admin or the system.',
  },
  get_active_pauses_for_chapter: {
    args: GetActivePausesForChapterArgs,
    result: ActivePauseRow,
    response: ActivePauseRows,
    returns: 'set',
    volatility: 'stable',
    errors: ['PM401', 'PM403', 'PM404', 'PM412', 'PM422'],
    description:
      'The paused mentors of one chapter, oldest pause first. Coordinators and org admins of the organization only.',
  },
  switch_organization: {
    args: SwitchOrganizationArgs,
    result: OrganizationSwitchRow,
    response: OrganizationSwitchRows,
    returns: 'set',
    volatility: 'volatile',
    errors: ['PM401', 'PM412', 'PM422'],
    description:
      'Selects the organization the caller’s next token claims (refresh the session afterwards); the caller must be a current member there.',
  },
  change_member_role: {
    args: ChangeMemberRoleArgs,
    result: OrganizationMemberRow,
    response: OrganizationMemberRow,
    returns: 'single',
    volatility: 'volatile',
    errors: ['PM401', 'PM403', 'PM404', 'PM412', 'PM422'],
    description:
      'Changes a member’s role in the organization; org admins only, audited. A member made peer_mentor loses their chapter assignments.',
  },
  remove_member: {
    args: RemoveMemberArgs,
    result: OrganizationMemberRow,
    response: OrganizationMemberRow,
    returns: 'single',
    volatility: 'volatile',
    errors: ['PM401', 'PM403', 'PM404', 'PM412', 'PM422'],
    description:
      'Removes a member from the organization at once, with their chapter assignments; org admins only, audited. Their next token refresh loses the claim.',
  },
  assign_coordinator_chapter: {
    args: CoordinatorChapterArgs,
    result: CoordinatorChapterRow,
    response: CoordinatorChapterRow,
    returns: 'single',
    volatility: 'volatile',
    errors: ['PM401', 'PM403', 'PM404', 'PM412', 'PM422'],
    description: 'Makes a coordinator cover a chapter; org admins only, audited.',
  },
  unassign_coordinator_chapter: {
    args: CoordinatorChapterArgs,
    result: CoordinatorChapterRow,
    response: CoordinatorChapterRow,
    returns: 'single',
    volatility: 'volatile',
    errors: ['PM401', 'PM403', 'PM404', 'PM412', 'PM422'],
    description: 'Ends a coordinator’s coverage of a chapter; org admins only, audited.',
  },
  add_mentor_chapter: {
    args: MentorChapterArgs,
    result: PeerMentorChapterRow,
    response: PeerMentorChapterRow,
    returns: 'single',
    volatility: 'volatile',
    errors: ['PM401', 'PM403', 'PM404', 'PM412', 'PM422'],
    description: 'Links a peer mentor to a chapter; org admins only, audited.',
  },
  remove_mentor_chapter: {
    args: MentorChapterArgs,
    result: PeerMentorChapterRow,
    response: PeerMentorChapterRow,
    returns: 'single',
    volatility: 'volatile',
    errors: ['PM401', 'PM403', 'PM404', 'PM412', 'PM422'],
    description: 'Removes a peer mentor’s link to a chapter; org admins only, audited.',
  },
  requeue_parked_events: {
    args: RequeueParkedEventsArgs,
    result: RequeuedEventRow,
    response: RequeuedEventRows,
    returns: 'set',
    volatility: 'volatile',
    errors: ['PM401', 'PM403', 'PM404', 'PM412', 'PM422'],
    description:
      'Requeues parked Dynamics outbox events of the organization (the named ones, or all): due now, attempts reset, audited; org admins only.',
  },
} as const satisfies Record<
  string,
  {
    args: z.ZodObject;
    result: z.ZodObject;
    response: z.ZodType;
    returns: 'single' | 'set';
    volatility: 'volatile' | 'stable';
    errors: readonly DomainErrorCode[];
    description: string;
  }
>;
export type RpcName = keyof typeof rpcFunctions;
export const rpcNames = Object.keys(rpcFunctions) as RpcName[];

export function isRpcName(name: string): name is RpcName {
  return Object.hasOwn(rpcFunctions, name);
}

/** The arguments and response body of each RPC, by name. */
export type RpcArgs<Name extends RpcName> = z.input<(typeof rpcFunctions)[Name]['args']>;
export type RpcResponse<Name extends RpcName> = z.output<(typeof rpcFunctions)[Name]['response']>;

/**
 * Every schema of a JSON body on the wire, by the name its JSON Schema file carries
 * (`json-schema/<name>.json`). Arguments are what a client sends; rows and responses are what
 * PostgREST sends back; the error body is what every failed call returns.
 */
export const wireSchemas = {
  ActivatePauseArgs,
  DeactivatePauseArgs,
  GetActivePausesForChapterArgs,
  PeerMentorStatusRow,
  ActivePauseRow,
  ActivePauseRows,
  PostgrestErrorBody,
  SwitchOrganizationArgs,
  OrganizationSwitchRow,
  OrganizationSwitchRows,
  ChangeMemberRoleArgs,
  RemoveMemberArgs,
  CoordinatorChapterArgs,
  MentorChapterArgs,
  OrganizationMemberRow,
  CoordinatorChapterRow,
  PeerMentorChapterRow,
  RequeueParkedEventsArgs,
  RequeuedEventRow,
  RequeuedEventRows,
  AccessTokenAppMetadata,
} as const;
export type WireSchemaName = keyof typeof wireSchemas;
