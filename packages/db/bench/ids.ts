import { sqlText } from './scripts.js';

/**
 * Deterministic ids for benchmark rows, so that pgbench scripts can name a row from an integer
 * without looking it up: the first group says what kind of row it is, the last group is
 * `100000000000 + n` (always 12 decimal digits, which are valid hex). pgbench computes that
 * integer with `\set`, and the script joins it to the rest of the id (pgbenchUuid).
 */
const KIND_PREFIX = {
  organization: '00000001',
  chapter: '00000002',
  peerMentor: '00000003',
  mentorUser: '00000004',
  coordinatorUser: '00000005',
} as const;

export type IdKind = keyof typeof KIND_PREFIX;

/** Added to n so the last uuid group has a fixed width without padding. */
export const ID_KEY_OFFSET = 100_000_000_000;

function idHead(kind: IdKind): string {
  return `${KIND_PREFIX[kind]}-0000-4000-8000-`;
}

/** The id of row number n (1-based) of a kind. */
export function benchId(kind: IdKind, n: number): string {
  return `${idHead(kind)}${ID_KEY_OFFSET + n}`;
}

/** A SQL expression for the id of row number `numberSql` (an integer expression). */
export function benchIdSql(kind: IdKind, numberSql: string): string {
  return `('${idHead(kind)}' || (${ID_KEY_OFFSET}::bigint + (${numberSql}))::text)::uuid`;
}

/**
 * An id's text in a pgbench script whose last group is the pgbench variable `keyVariable`, which
 * the script sets to `ID_KEY_OFFSET + n`: for claims, through sqlText.
 */
export function pgbenchId(kind: IdKind, keyVariable: string): string {
  return `${idHead(kind)}:${keyVariable}`;
}

/** pgbenchId as a SQL uuid expression, the variable passed as a value (see sqlText). */
export function pgbenchUuid(kind: IdKind, keyVariable: string): string {
  return `${sqlText(pgbenchId(kind, keyVariable))}::uuid`;
}
