import { z } from 'zod';
import { ActorRole, NOTE_MAX_LENGTH, PauseReasonCode, PauseStatus } from './enums.js';

// Wire shapes of the RPCs exactly as PostgREST sends and receives them: snake_case JSON,
// argument names as in the SQL signatures (PostgREST calls by name), dates as `YYYY-MM-DD`,
// timestamps as PostgreSQL renders timestamptz in JSON (`2026-11-26T16:15:20.768935+00:00`).

const Uuid = z.uuid();
/** A calendar date, `YYYY-MM-DD`. */
export const WireDate = z.iso.date();
/** A timestamptz as PostgreSQL writes it in JSON: fractional seconds optional, offset required. */
export const WireTimestamp = z.iso.datetime({ offset: true });
const Note = z.string().max(NOTE_MAX_LENGTH, `a note has at most ${NOTE_MAX_LENGTH} characters`);

/** Arguments of `activate_pause`. */
export const ActivatePauseArgs = z.object({
  p_peer_mentor_id: Uuid,
  p_organization_id: Uuid,
  p_reason_code: PauseReasonCode,
  p_note: Note.nullable().optional(),
  p_expected_end: WireDate.nullable().optional(),
});
export type ActivatePauseArgs = z.infer<typeof ActivatePauseArgs>;

/** Arguments of `deactivate_pause`. */
export const DeactivatePauseArgs = z.object({
  p_peer_mentor_id: Uuid,
  p_organization_id: Uuid,
  p_note: Note.nullable().optional(),
});
export type DeactivatePauseArgs = z.infer<typeof DeactivatePauseArgs>;

/** Arguments of `get_active_pauses_for_chapter`. */
export const GetActivePausesForChapterArgs = z.object({
  p_organization_id: Uuid,
  p_chapter_id: Uuid,
});
export type GetActivePausesForChapterArgs = z.infer<typeof GetActivePausesForChapterArgs>;

/** A row of `peer_mentor_status`: what `activate_pause` and `deactivate_pause` return. */
export const PeerMentorStatusRow = z.object({
  peer_mentor_id: Uuid,
  organization_id: Uuid,
  status: PauseStatus,
  reason_code: PauseReasonCode.nullable(),
  note: z.string().nullable(),
  paused_at: WireTimestamp.nullable(),
  paused_by: Uuid.nullable(),
  paused_by_role: ActorRole.nullable(),
  expected_end: WireDate.nullable(),
  version: z.number().int().nonnegative(),
  updated_at: WireTimestamp,
});
export type PeerMentorStatusRow = z.infer<typeof PeerMentorStatusRow>;

/** One paused mentor of a chapter, as `get_active_pauses_for_chapter` returns it. */
export const ActivePauseRow = z.object({
  peer_mentor_id: Uuid,
  display_name: z.string(),
  reason_code: PauseReasonCode,
  note: z.string().nullable(),
  paused_at: WireTimestamp,
  paused_by: Uuid.nullable(),
  paused_by_role: ActorRole,
  expected_end: WireDate.nullable(),
});
export type ActivePauseRow = z.infer<typeof ActivePauseRow>;

/**
 * The RPCs a client may call, with their argument and result schemas. `returns` says how
 * PostgREST shapes the result: `single` (a composite: one JSON object) or `set` (an array).
 */
export const rpcFunctions = {
  activate_pause: {
    args: ActivatePauseArgs,
    result: PeerMentorStatusRow,
    returns: 'single',
    volatility: 'volatile',
  },
  deactivate_pause: {
    args: DeactivatePauseArgs,
    result: PeerMentorStatusRow,
    returns: 'single',
    volatility: 'volatile',
  },
  get_active_pauses_for_chapter: {
    args: GetActivePausesForChapterArgs,
    result: ActivePauseRow,
    returns: 'set',
    volatility: 'stable',
  },
} as const;
export type RpcName = keyof typeof rpcFunctions;
export const rpcNames = Object.keys(rpcFunctions) as RpcName[];

export function isRpcName(name: string): name is RpcName {
  return Object.hasOwn(rpcFunctions, name);
}
