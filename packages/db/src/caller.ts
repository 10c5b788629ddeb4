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

/**
 * Runs `work` in one transaction as the caller the claims describe, the way PostgREST runs a
 * request: `role` and `request.jwt.claims` are set transaction-locally, so row-level security
 * and function grants apply, and nothing leaks to the next use of the connection.
 */
export async function withCaller<T>(
  db: Queryable,
  claims: JwtClaims,
  work: (client: pg.PoolClient | pg.Client) => Promise<T>,
): Promise<T> {
  if (!databaseRoles.includes(claims.role)) {
    throw new Error(`unknown database role in claims: ${String(claims.role)}`);
  }
  const isPool = db instanceof pg.Pool;
  const client = isPool ? await db.connect() : db;
  try {
    await client.query('begin');
    try {
      await client.query(
        "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)",
        [claims.role, JSON.stringify(claims)],
      );
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
  } finally {
    if (isPool) (client as pg.PoolClient).release();
  }
}
