import { type DatabaseRole, databaseRoles, ORGANIZATION_ID_CLAIM } from '@peer-mentor/contracts';
import pg from 'pg';

/** The JWT claims a request runs with; `role` picks the database role. */
export interface JwtClaims {
  role: DatabaseRole;
  sub?: string;
  aud?: string;
  exp?: number;
  app_metadata?: Record<string, unknown>;
  user_metadata?: Record<string, unknown>;
  [claim: string]: unknown;
}

/** Claims of a signed-in user acting in one organization (valid for an hour). */
export function userClaims(
  userId: string,
  organizationId: string | null,
  extra: Partial<JwtClaims> = {},
): JwtClaims {
  return {
    role: 'authenticated',
    aud: 'authenticated',
    sub: userId,
    exp: Math.floor(Date.now() / 1000) + 3600,
    app_metadata:
      organizationId === null ? {} : { [ORGANIZATION_ID_CLAIM.property]: organizationId },
    ...extra,
  };
}

export const anonClaims: JwtClaims = { role: 'anon' };
export const serviceRoleClaims: JwtClaims = { role: 'service_role' };

type Queryable = pg.Pool | pg.PoolClient | pg.Client;

/** Per-transaction settings applied together with the caller, in the same statement. */
export interface CallerTransactionOptions {
  /** `statement_timeout` for this transaction, in milliseconds. */
  statementTimeoutMs?: number;
  /** Run the transaction READ ONLY (PostgREST does for GET and for STABLE functions). */
  readOnly?: boolean;
}

/**
 * A string as a SQL string literal, safe to inline in any statement whatever
 * `standard_conforming_strings` says: quotes are doubled, and a value with a backslash becomes
 * an escape string (`E'…'`) with its backslashes doubled. A NUL cannot be held by a PostgreSQL
 * string at all and is refused rather than silently cut.
 */
export function sqlLiteral(value: string): string {
  if (value.includes('\0')) throw new TypeError('a SQL string cannot hold a NUL character');
  const quoted = value.replaceAll("'", "''");
  return value.includes('\\') ? ` E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

/**
 * `begin; select set_config(…)…`: the start of a caller's transaction as one simple-protocol
 * text, with `role`, `request.jwt.claims` and the per-request settings inlined as literals
 * (transaction-local). Refuses claims whose role is not one of the API's roles.
 */
export function callerTransactionBegin(
  claims: JwtClaims,
  options: CallerTransactionOptions & { timeZone?: string | undefined } = {},
): string {
  if (!databaseRoles.includes(claims.role)) {
    throw new Error(`unknown database role in claims: ${String(claims.role)}`);
  }
  const settings: [string, string][] = [
    ['role', claims.role],
    ['request.jwt.claims', JSON.stringify(claims)],
  ];
  if (options.statementTimeoutMs !== undefined) {
    settings.push([
      'statement_timeout',
      String(Math.max(0, Math.trunc(options.statementTimeoutMs))),
    ]);
  }
  if (options.readOnly) settings.push(['transaction_read_only', 'on']);
  if (options.timeZone !== undefined) settings.push(['timezone', options.timeZone]);
  return `begin; select ${settings
    .map(
      ([name, value]) => `pg_catalog.set_config(${sqlLiteral(name)}, ${sqlLiteral(value)}, true)`,
    )
    .join(', ')}`;
}

/**
 * Runs `work` in one transaction as the caller the claims describe, the way PostgREST runs a
 * request: `role`, `request.jwt.claims` and any per-request settings are set
 * transaction-locally in one statement, sent with BEGIN, so row-level security and function
 * grants apply, and nothing leaks to the next use of the connection. Three round trips per
 * call: BEGIN + settings, `work`, COMMIT.
 */
export async function withCaller<T>(
  db: Queryable,
  claims: JwtClaims,
  work: (client: pg.PoolClient | pg.Client) => Promise<T>,
  options: CallerTransactionOptions = {},
): Promise<T> {
  // BEGIN and the settings go as one simple-protocol message (one round trip, not two), so
  // the values are inlined as literals.
  const begin = callerTransactionBegin(claims, options);
  const isPool = db instanceof pg.Pool;
  const client = isPool ? await db.connect() : db;
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    if (isPool) (client as pg.PoolClient).release();
  }
}
