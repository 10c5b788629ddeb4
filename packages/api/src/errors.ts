import type { PostgrestErrorBody } from '@peer-mentor/contracts';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import pg from 'pg';

/** What Supabase's API gateway answers before a request reaches PostgREST (no `code`). */
export interface GatewayErrorBody {
  message: string;
  hint: string;
}

/**
 * An error with the exact HTTP answer it becomes. `createApp`'s one `onError` turns it into the
 * response; anything else thrown becomes a 500 that says nothing about its cause.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly body: PostgrestErrorBody | GatewayErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(body.message);
    this.name = 'ApiError';
  }
}

/** A PostgREST-shaped error: `{code, message, details, hint}`. */
export function postgrestError(
  status: ContentfulStatusCode,
  code: string,
  message: string,
  extra: { details?: string | null; hint?: string | null; headers?: Record<string, string> } = {},
): ApiError {
  return new ApiError(
    status,
    { code, message, details: extra.details ?? null, hint: extra.hint ?? null },
    extra.headers,
  );
}

/**
 * PostgREST's SQLSTATE → HTTP status table (docs: references/errors, "HTTP Status Codes"; source:
 * PostgREST.Error mapSQLtoHTTP). `authenticated` is PostgREST's notion: the request's role is not
 * the anonymous role. Everything not listed is 400, which is where our PM… codes land.
 */
export function httpStatusForSqlState(
  sqlState: string,
  message: string,
  authenticated: boolean,
): ContentfulStatusCode {
  const exact: Record<string, ContentfulStatusCode> = {
    '23503': 409,
    '23505': 409,
    '25006': 405,
    '53400': 500,
    '57P01': 503,
    P0001: 400,
    '42P01': 404,
    '42P17': 500,
  };
  if (sqlState in exact) return exact[sqlState] as ContentfulStatusCode;
  if (sqlState === '42501') return authenticated ? 403 : 401;
  if (sqlState === '42883') return message.startsWith('function xmlagg(') ? 406 : 404;
  if (sqlState === '21000') return message.endsWith('requires a WHERE clause') ? 400 : 500;
  if (sqlState === '22023') {
    return message.startsWith('role') && message.endsWith('does not exist') ? 401 : 400;
  }
  const byClass: Record<string, ContentfulStatusCode> = {
    '08': 503,
    '09': 500,
    '0L': 403,
    '0P': 403,
    '25': 500,
    '28': 403,
    '2D': 500,
    '38': 500,
    '39': 500,
    '3B': 500,
    '40': 500,
    '53': 503,
    '54': 500,
    '55': 500,
    '57': 500,
    '58': 500,
    F0: 500,
    HV: 500,
    P0: 500,
    XX: 500,
  };
  const klass = sqlState.slice(0, 2);
  if (klass in byClass) return byClass[klass] as ContentfulStatusCode;
  if (sqlState.startsWith('PT')) {
    const status = Number(sqlState.slice(2));
    return (
      Number.isInteger(status) && status >= 100 && status <= 599 ? status : 500
    ) as ContentfulStatusCode;
  }
  return 400;
}

/**
 * What a server-side failure says publicly: the SQLSTATE (clients switch on it, e.g. retry on
 * 40001) and the class description from PostgREST's table, never the server's own text.
 */
const serverErrorDescriptions: Record<string, string> = {
  '08': 'database connection error',
  '09': 'triggered action exception',
  '25': 'invalid transaction state',
  '2D': 'invalid transaction termination',
  '38': 'external routine exception',
  '39': 'external routine invocation',
  '3B': 'savepoint exception',
  '40': 'transaction rollback; retry the request',
  '53': 'insufficient resources',
  '54': 'program limit exceeded',
  '55': 'object not in prerequisite state',
  '57': 'operator intervention (for example a statement timeout)',
  '58': 'system error',
  F0: 'configuration file error',
  HV: 'foreign data wrapper error',
  P0: 'PL/pgSQL error',
  XX: 'internal error',
};

/** Turns an error the database raised into the response PostgREST would give. */
export function postgrestErrorFromDatabase(
  error: pg.DatabaseError,
  authenticated: boolean,
): ApiError {
  const sqlState = error.code ?? 'XX000';
  const status = httpStatusForSqlState(sqlState, error.message, authenticated);
  const headers: Record<string, string> = status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
  if (status >= 500) {
    const description = serverErrorDescriptions[sqlState.slice(0, 2)] ?? 'internal error';
    return postgrestError(status, sqlState, description, { headers });
  }
  return postgrestError(status, sqlState, error.message, {
    details: error.detail ?? null,
    hint: error.hint ?? null,
    headers,
  });
}

export function isDatabaseError(error: unknown): error is pg.DatabaseError {
  return error instanceof pg.DatabaseError;
}

/** The 500 for anything unexpected: no internal text leaves the process. */
export function internalServerError(): ApiError {
  return postgrestError(500, 'PGRSTX00', 'Internal server error');
}
