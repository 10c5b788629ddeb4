import { SignJWT } from 'jose';
import type pg from 'pg';
import { AuthApiError, authErrors } from './errors.js';
import type { AuthSession, AuthUser } from './store.js';

/** The claims Supabase Auth requires in every access token, after the hook as well. */
export const REQUIRED_ACCESS_TOKEN_CLAIMS = [
  'iss',
  'aud',
  'exp',
  'iat',
  'sub',
  'role',
  'aal',
  'session_id',
  'email',
  'phone',
  'is_anonymous',
] as const;

/** How the session was established or continued, as Supabase Auth tells the hook. */
export type AuthenticationMethod = 'password' | 'token_refresh';

export interface AccessTokenOptions {
  secret: string;
  issuer: string;
  expirySeconds: number;
  /** The hook's quoted SQL name (`"public"."custom_access_token_hook"`), or none. */
  hookFunction: string | undefined;
  now: Date;
}

/** Supabase Auth's own claims, before the hook. */
function baseClaims(user: AuthUser, session: AuthSession, options: AccessTokenOptions) {
  const iat = Math.floor(options.now.getTime() / 1000);
  return {
    iss: options.issuer,
    aud: user.aud,
    exp: iat + options.expirySeconds,
    iat,
    sub: user.id,
    email: user.email ?? '',
    phone: user.phone ?? '',
    app_metadata: user.app_metadata,
    user_metadata: user.user_metadata,
    role: user.role,
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: Math.floor(session.created_at.getTime() / 1000) }],
    session_id: session.id,
    is_anonymous: user.is_anonymous,
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Runs the Postgres hook the way Supabase Auth does: in the grant's transaction, with a
 * statement timeout, `select <hook>($1)` with `{user_id, claims, authentication_method}`; an
 * `{error: {http_code, message}}` answer is refused, and the output's claims must still carry
 * every required claim.
 */
async function runCustomAccessTokenHook(
  client: pg.PoolClient,
  hookFunction: string,
  input: { user_id: string; claims: Record<string, unknown>; authentication_method: string },
): Promise<Record<string, unknown>> {
  await client.query(`set local statement_timeout to '2000'`);
  const { rows } = await client.query<{ output: unknown }>(
    `select ${hookFunction}($1::jsonb) as output`,
    [JSON.stringify(input)],
  );
  await client.query('set local statement_timeout to default');
  const output = rows[0]?.output;
  if (isRecord(output) && isRecord(output.error)) {
    const status = Number(output.error.http_code) || 500;
    throw new AuthApiError(
      status as AuthApiError['status'],
      'unexpected_failure',
      String(output.error.message ?? 'the access token hook failed'),
    );
  }
  const claims = isRecord(output) ? output.claims : undefined;
  if (!isRecord(claims)) {
    throw authErrors.unexpectedFailure('the access token hook returned no claims object');
  }
  const missing = REQUIRED_ACCESS_TOKEN_CLAIMS.filter((claim) => !(claim in claims));
  if (missing.length > 0) {
    throw authErrors.unexpectedFailure(
      `output claims do not conform to the expected schema: missing ${missing.join(', ')}`,
    );
  }
  return claims;
}

/** A signed access token for the session, with the hook's claims; and its expiry. */
export async function issueAccessToken(
  client: pg.PoolClient,
  user: AuthUser,
  session: AuthSession,
  method: AuthenticationMethod,
  options: AccessTokenOptions,
): Promise<{ token: string; expiresAt: number }> {
  let claims: Record<string, unknown> = baseClaims(user, session, options);
  if (options.hookFunction) {
    claims = await runCustomAccessTokenHook(client, options.hookFunction, {
      user_id: user.id,
      claims,
      authentication_method: method,
    });
  }
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(options.secret));
  return { token, expiresAt: Number(claims.exp) };
}
