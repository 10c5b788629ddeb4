import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { errors as joseErrors, jwtVerify } from 'jose';
import pg from 'pg';
import type { AppEnv } from '../../app-env.js';
import { type Clock, systemClock } from '../../auth/verifier.js';
import type { Logger } from '../../logging/logger.js';
import { type AuthenticationMethod, issueAccessToken } from './access-token.js';
import { type AuthRoutesConfig, hookFunctionName } from './config.js';
import { AuthApiError, authErrorResponse, authErrors } from './errors.js';
import { createFailedSignInLimiter } from './rate-limit.js';
import {
  type AuthSession,
  type AuthUser,
  activeRefreshToken,
  endSessions,
  findSession,
  findUser,
  findUserByPassword,
  lockRefreshToken,
  revokeSessionTokens,
  rotateRefreshToken,
  startSession,
} from './store.js';

export { type AuthRoutesConfig, authRoutesConfig, hookFunctionName } from './config.js';

/** The auth routes' own small pool, logged in as Supabase Auth's role (supabase_auth_admin). */
export function createAuthPool(url: string, logger?: Logger): pg.Pool {
  const authPool = new pg.Pool({
    connectionString: url,
    max: 4,
    application_name: 'peer-mentor-auth',
  });
  authPool.on('error', (error) =>
    logger?.warn({ reason: error.message }, 'idle auth database connection failed'),
  );
  return authPool;
}

export interface AuthRoutesDeps {
  /** Connects as Supabase Auth's own role (supabase_auth_admin), not as the request pool's. */
  pool: pg.Pool;
  config: AuthRoutesConfig;
  logger: Logger;
  clock?: Clock;
}

/** The user as Supabase Auth returns it (`data.user` in supabase-js). */
function userJson(user: AuthUser) {
  return {
    id: user.id,
    aud: user.aud,
    role: user.role,
    email: user.email ?? '',
    email_confirmed_at: user.email_confirmed_at,
    phone: user.phone ?? '',
    confirmed_at: user.email_confirmed_at,
    last_sign_in_at: user.last_sign_in_at,
    app_metadata: user.app_metadata,
    user_metadata: user.user_metadata,
    identities: [],
    created_at: user.created_at,
    updated_at: user.updated_at,
    is_anonymous: user.is_anonymous,
  };
}

/** Reads `{…}` as JSON or as a form, as Supabase Auth accepts both. */
async function readBody(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? '';
  try {
    if (type.includes('application/x-www-form-urlencoded')) {
      return Object.fromEntries(new URLSearchParams(await c.req.text()));
    }
    const body = await c.req.json();
    return typeof body === 'object' && body !== null ? body : {};
  } catch {
    throw authErrors.validationFailed('Could not parse request body as JSON');
  }
}

function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // in-process requests (app.request) have no socket
  }
}

const stringField = (body: Record<string, unknown>, key: string) =>
  typeof body[key] === 'string' ? (body[key] as string) : '';

/**
 * Supabase Auth's password sign-in surface, served over `auth.users` (bcrypt hashes) with
 * rotating refresh tokens and the same custom access token hook as production:
 * `POST /token?grant_type=password|refresh_token`, `GET /user`, `POST /logout`.
 */
export function authRoutesFeature(deps: AuthRoutesDeps): Hono<AppEnv> {
  const { config, pool, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const hookFunction = config.customAccessTokenHook
    ? hookFunctionName(config.customAccessTokenHook)
    : undefined;
  const limiter = createFailedSignInLimiter(config.failedSignIns, clock);
  const secret = new TextEncoder().encode(config.jwtSecret);
  const app = new Hono<AppEnv>();

  app.onError((error, c) => {
    if (error instanceof AuthApiError) return authErrorResponse(c, error);
    (c.get('log') ?? logger).error({ err: error }, 'auth request failed');
    return authErrorResponse(c, authErrors.unexpectedFailure());
  });

  /** Runs `work` in one transaction on the auth role's connection. */
  async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  const tokenOptions = (c: Context) => ({
    secret: config.jwtSecret,
    issuer: config.issuer ?? `${new URL(c.req.url).origin}/auth/v1`,
    expirySeconds: config.jwtExpirySeconds,
    hookFunction,
    now: clock.now(),
  });

  async function tokenResponse(
    c: Context,
    client: pg.PoolClient,
    user: AuthUser,
    session: AuthSession,
    refreshToken: string,
    method: AuthenticationMethod,
  ) {
    const { token, expiresAt } = await issueAccessToken(
      client,
      user,
      session,
      method,
      tokenOptions(c),
    );
    return {
      access_token: token,
      token_type: 'bearer',
      expires_in: config.jwtExpirySeconds,
      expires_at: expiresAt,
      refresh_token: refreshToken,
      user: userJson(user),
    };
  }

  async function passwordGrant(c: Context) {
    const body = await readBody(c);
    const email = stringField(body, 'email').trim();
    const password = stringField(body, 'password');
    if (!email) throw authErrors.validationFailed('missing email or phone');
    const address = clientAddress(c);
    if (limiter.blocked(address, email)) throw authErrors.overRequestRateLimit();
    const result = await inTransaction(async (client) => {
      const found = await findUserByPassword(client, email, password);
      if (!found?.passwordMatches) return undefined;
      if (!found.user.email_confirmed_at) throw authErrors.emailNotConfirmed();
      const { session, refreshToken } = await startSession(client, found.user.id, {
        userAgent: c.req.header('user-agent'),
        ip: address === 'unknown' ? undefined : address,
      });
      const user = (await findUser(client, found.user.id))!;
      return tokenResponse(c, client, user, session, refreshToken, 'password');
    });
    if (!result) {
      limiter.recordFailure(address, email);
      throw authErrors.invalidCredentials();
    }
    limiter.recordSuccess(email);
    return c.json(result);
  }

  async function refreshTokenGrant(c: Context) {
    const presented = stringField(await readBody(c), 'refresh_token');
    if (!presented) throw authErrors.validationFailed('refresh_token required');
    let reuseDetected = false;
    const result = await inTransaction(async (client) => {
      const stored = await lockRefreshToken(client, presented);
      if (!stored) throw authErrors.refreshTokenNotFound();
      let refreshToken: string | undefined;
      if (stored.revoked) {
        const active = await activeRefreshToken(client, stored.session.id);
        if (active?.parent === stored.token) {
          // The client lost the answer to its last refresh: it gets the same new token again.
          refreshToken = active.token;
        } else if (stored.age_seconds > config.refreshTokenReuseIntervalSeconds) {
          // A revoked token used again: possibly stolen. The whole session's family is revoked
          // (committed), and the caller must sign in again.
          await revokeSessionTokens(client, stored.session.id);
          reuseDetected = true;
          return undefined;
        }
      }
      refreshToken ??= await rotateRefreshToken(client, stored);
      const user = await findUser(client, stored.session.user_id);
      if (!user) throw authErrors.refreshTokenNotFound();
      return tokenResponse(c, client, user, stored.session, refreshToken, 'token_refresh');
    });
    if (reuseDetected || !result) throw authErrors.refreshTokenAlreadyUsed();
    return c.json(result);
  }

  app.post('/token', (c) => {
    const grantType = c.req.query('grant_type');
    if (grantType === 'password') return passwordGrant(c);
    if (grantType === 'refresh_token') return refreshTokenGrant(c);
    throw authErrors.unsupportedGrantType();
  });

  /** The signed-in user and session behind the request's bearer token, as Supabase Auth finds them. */
  async function requireSession(c: Context) {
    const match = c.req.header('authorization')?.match(/^bearer\s+(\S+)$/i);
    if (!match) throw authErrors.noAuthorization();
    let claims: { sub?: unknown; session_id?: unknown };
    try {
      ({ payload: claims } = await jwtVerify(match[1]!, secret, {
        algorithms: ['HS256'],
        currentDate: clock.now(),
      }));
    } catch (error) {
      throw authErrors.badJwt(
        error instanceof joseErrors.JWTExpired
          ? 'token has invalid claims: token is expired'
          : 'signature is invalid',
      );
    }
    if (typeof claims.sub !== 'string' || typeof claims.session_id !== 'string') {
      throw authErrors.badJwt('token has no sub or session_id claim');
    }
    const { sub, session_id: sessionId } = claims;
    return inTransaction(async (client) => {
      const user = await findUser(client, sub);
      if (!user) throw authErrors.userNotFound();
      const session = await findSession(client, sessionId);
      if (!session || session.user_id !== user.id) throw authErrors.sessionNotFound();
      return { user, session };
    });
  }

  app.get('/user', async (c) => {
    const { user } = await requireSession(c);
    return c.json(userJson(user));
  });

  app.post('/logout', async (c) => {
    const scope = c.req.query('scope') ?? 'global';
    if (scope !== 'global' && scope !== 'local' && scope !== 'others') {
      throw authErrors.validationFailed(`Unsupported logout scope "${scope}"`);
    }
    const { session } = await requireSession(c);
    await inTransaction((client) => endSessions(client, session, scope));
    return c.body(null, 204);
  });

  return app;
}
