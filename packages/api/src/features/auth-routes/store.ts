import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';

// Supabase Auth's tables (auth.users, auth.sessions, auth.refresh_tokens), read and written the
// way it uses them. Every function takes the client of an open transaction.

export interface AuthUser {
  id: string;
  aud: string;
  role: string;
  email: string | null;
  phone: string | null;
  email_confirmed_at: Date | null;
  last_sign_in_at: Date | null;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  is_anonymous: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface AuthSession {
  id: string;
  user_id: string;
  created_at: Date;
}

const userColumns = `u.id, coalesce(u.aud, 'authenticated') as aud, coalesce(u.role, 'authenticated') as role,
  u.email, u.phone, u.email_confirmed_at, u.last_sign_in_at, u.raw_app_meta_data as app_metadata,
  u.raw_user_meta_data as user_metadata, u.is_anonymous, u.created_at, u.updated_at`;

/** The user with this email and whether the password matches its bcrypt hash (checked in SQL). */
export async function findUserByPassword(
  client: pg.PoolClient,
  email: string,
  password: string,
): Promise<{ user: AuthUser; passwordMatches: boolean } | undefined> {
  const { rows } = await client.query<AuthUser & { password_matches: boolean }>(
    `select ${userColumns},
            coalesce(u.encrypted_password = extensions.crypt($2, u.encrypted_password), false) as password_matches
     from auth.users u
     where lower(u.email) = lower($1)`,
    [email, password],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { password_matches, ...user } = row;
  return { user, passwordMatches: password_matches };
}

export async function findUser(client: pg.PoolClient, id: string): Promise<AuthUser | undefined> {
  const { rows } = await client.query<AuthUser>(
    `select ${userColumns} from auth.users u where u.id = $1`,
    [id],
  );
  return rows[0];
}

export async function findSession(
  client: pg.PoolClient,
  id: string,
): Promise<AuthSession | undefined> {
  const { rows } = await client.query<AuthSession>(
    'select id, user_id, created_at from auth.sessions where id = $1',
    [id],
  );
  return rows[0];
}

/** An opaque refresh token (Supabase Auth's are short random strings too). */
const newRefreshToken = () => randomBytes(16).toString('base64url');

async function insertRefreshToken(
  client: pg.PoolClient,
  session: AuthSession,
  parent: string | null,
): Promise<string> {
  const token = newRefreshToken();
  await client.query(
    `insert into auth.refresh_tokens (token, user_id, session_id, parent) values ($1, $2, $3, $4)`,
    [token, session.user_id, session.id, parent],
  );
  return token;
}

/** A new session for a password sign-in, with its first refresh token. */
export async function startSession(
  client: pg.PoolClient,
  userId: string,
  details: { userAgent: string | undefined; ip: string | undefined },
): Promise<{ session: AuthSession; refreshToken: string }> {
  const { rows } = await client.query<AuthSession>(
    `insert into auth.sessions (id, user_id, user_agent, ip, refreshed_at)
     values ($1, $2, $3, $4, now() at time zone 'utc')
     returning id, user_id, created_at`,
    [randomUUID(), userId, details.userAgent ?? null, details.ip ?? null],
  );
  await client.query(
    'update auth.users set last_sign_in_at = now(), updated_at = now() where id = $1',
    [userId],
  );
  const session = rows[0]!;
  return { session, refreshToken: await insertRefreshToken(client, session, null) };
}

export interface StoredRefreshToken {
  token: string;
  revoked: boolean;
  /** Seconds since the token was revoked (or last changed). */
  age_seconds: number;
  session: AuthSession;
}

/** The refresh token and its session, locked for the rotation that follows. */
export async function lockRefreshToken(
  client: pg.PoolClient,
  token: string,
): Promise<StoredRefreshToken | undefined> {
  const { rows } = await client.query<{
    token: string;
    revoked: boolean;
    age_seconds: number;
    session_id: string;
    user_id: string;
    session_created_at: Date;
  }>(
    `select t.token, t.revoked, extract(epoch from now() - t.updated_at)::float8 as age_seconds,
            s.id as session_id, s.user_id, s.created_at as session_created_at
     from auth.refresh_tokens t
     join auth.sessions s on s.id = t.session_id
     where t.token = $1
     for update of t, s`,
    [token],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    token: row.token,
    revoked: row.revoked,
    age_seconds: row.age_seconds,
    session: { id: row.session_id, user_id: row.user_id, created_at: row.session_created_at },
  };
}

/** The session's newest token that is not revoked, and the token it replaced. */
export async function activeRefreshToken(
  client: pg.PoolClient,
  sessionId: string,
): Promise<{ token: string; parent: string | null } | undefined> {
  const { rows } = await client.query<{ token: string; parent: string | null }>(
    `select token, parent from auth.refresh_tokens
     where session_id = $1 and not revoked order by id desc limit 1`,
    [sessionId],
  );
  return rows[0];
}

/** Revokes `token` and issues its child: the rotation of every refresh. */
export async function rotateRefreshToken(
  client: pg.PoolClient,
  stored: StoredRefreshToken,
): Promise<string> {
  await client.query(
    'update auth.refresh_tokens set revoked = true, updated_at = now() where token = $1 and not revoked',
    [stored.token],
  );
  await client.query(
    `update auth.sessions set refreshed_at = now() at time zone 'utc', updated_at = now() where id = $1`,
    [stored.session.id],
  );
  return insertRefreshToken(client, stored.session, stored.token);
}

/** Reuse detected: every token of the session is revoked, so the whole family is dead. */
export async function revokeSessionTokens(client: pg.PoolClient, sessionId: string) {
  await client.query(
    'update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = $1 and not revoked',
    [sessionId],
  );
}

/** Ends sessions (their refresh tokens go with them): this one, the others, or all of the user's. */
export async function endSessions(
  client: pg.PoolClient,
  session: AuthSession,
  scope: 'global' | 'local' | 'others',
) {
  await client.query(
    `delete from auth.sessions
     where user_id = $1
       and case $3::text when 'local' then id = $2::uuid when 'others' then id <> $2::uuid else true end`,
    [session.user_id, session.id, scope],
  );
}
