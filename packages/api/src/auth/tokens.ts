import { type JwtClaims, userClaims } from '@peer-mentor/db';
import { SignJWT } from 'jose';

// Tokens signed with the legacy shared secret (HS256), shaped like Supabase's: for the local
// stack's demo logins and anon key, and for tests. A real project's tokens come from Supabase Auth.

const encode = (secret: string) => new TextEncoder().encode(secret);

export interface SignOptions {
  /** Lifetime in seconds (default one hour, Supabase Auth's default). */
  expiresInSeconds?: number;
  now?: Date;
}

/** Signs arbitrary claims (iat and exp are filled in unless given). */
export function signToken(
  secret: string,
  claims: Record<string, unknown>,
  options: SignOptions = {},
): Promise<string> {
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return new SignJWT({
    iat,
    exp: iat + (options.expiresInSeconds ?? 3600),
    ...claims,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(encode(secret));
}

/** The claims Supabase Auth puts in a signed-in user's access token (the ones we use). */
export function userTokenClaims(
  userId: string,
  organizationId: string | null,
  extra: Partial<JwtClaims> = {},
): JwtClaims {
  // The claim shape is db's userClaims; the token's own iat/exp come from signToken.
  const { exp: _exp, ...claims } = userClaims(userId, organizationId);
  return { ...claims, user_metadata: {}, ...extra };
}

export function signUserToken(
  secret: string,
  userId: string,
  organizationId: string | null,
  options: SignOptions = {},
): Promise<string> {
  return signToken(secret, { ...userTokenClaims(userId, organizationId) }, options);
}

/**
 * An API key like Supabase's legacy anon or service_role key: a long-lived JWT with only
 * issuer and role (no aud, no sub).
 */
export function signApiKey(
  secret: string,
  role: 'anon' | 'service_role',
  options: SignOptions = {},
): Promise<string> {
  return signToken(
    secret,
    { iss: 'supabase-local', role },
    { expiresInSeconds: 10 * 365 * 24 * 3600, ...options },
  );
}
