import { readJwtClaims } from '@peer-mentor/contracts';
import type { JwtClaims } from '@peer-mentor/db';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { JwtKeyConfig } from '../config.js';
import { type ApiError, postgrestError } from '../errors.js';
import type { Caller } from './claims.js';

/** PostgREST accepts 30 seconds of clock skew on exp, nbf and iat; so do we. */
export const CLOCK_SKEW_SECONDS = 30;

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** How many verified tokens to remember (PostgREST keeps a JWT cache too). */
const VERIFIED_TOKEN_CACHE_SIZE = 1000;

export interface TokenVerifier {
  /** The algorithms the configured keys can verify. */
  readonly algorithms: readonly string[];
  /** Verifies a Supabase access token; throws the 401 PostgREST would send. */
  verify(token: string): Promise<Caller>;
}

// PostgREST's JWT error family: PGRST301 when the token cannot be decoded or verified,
// PGRST303 when its claims are not acceptable (PostgREST.Error, JwtDecodeErr / JwtClaimsErr).
function jwtError(code: 'PGRST301' | 'PGRST303', message: string, details?: string): ApiError {
  return postgrestError(401, code, message, {
    details: details ?? null,
    headers: {
      'WWW-Authenticate': `Bearer error="invalid_token", error_description=${JSON.stringify(message)}`,
    },
  });
}

const claimsFailure = (message: string, details?: string) => jwtError('PGRST303', message, details);

function translateJoseError(error: unknown, algorithms: readonly string[]): ApiError {
  if (error instanceof errors.JWTExpired) return claimsFailure('JWT expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') {
      return claimsFailure('Parsing claims failed', `the '${error.claim}' claim is required`);
    }
    if (error.claim === 'nbf' && error.reason === 'check_failed') {
      return claimsFailure('JWT not yet valid');
    }
    if (['exp', 'nbf', 'iat'].includes(error.claim)) {
      return claimsFailure(`The JWT '${error.claim}' claim must be a number`);
    }
    return claimsFailure('Parsing claims failed', error.message);
  }
  if (error instanceof errors.JWTInvalid) return claimsFailure('Parsing claims failed');
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return jwtError('PGRST301', 'JWT cryptographic operation failed');
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return jwtError(
      'PGRST301',
      'Wrong or unsupported encoding algorithm',
      `accepted algorithms: ${algorithms.join(', ')}`,
    );
  }
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JWKInvalid ||
    error instanceof TypeError
  ) {
    return jwtError('PGRST301', 'No suitable key or wrong key type');
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    // Our side failed to fetch or read the signing keys: not the caller's fault.
    return postgrestError(500, 'PGRST300', 'Could not load the JWT signing keys');
  }
  return jwtError('PGRST301', "JWT couldn't be decoded");
}

/** Builds the verifier for the configured keys: HS256 with the secret, ES256/RS256 with the JWKS. */
export function createTokenVerifier(
  config: JwtKeyConfig,
  clock: Clock = systemClock,
): TokenVerifier {
  const secret = config.secret ? new TextEncoder().encode(config.secret) : undefined;
  let jwks: JWTVerifyGetKey | undefined;
  if (config.jwks?.kind === 'inline') jwks = createLocalJWKSet(config.jwks.document);
  if (config.jwks?.kind === 'remote') jwks = createRemoteJWKSet(new URL(config.jwks.url));
  const algorithms = [...(secret ? ['HS256'] : []), ...(jwks ? ['ES256', 'RS256'] : [])];
  if (algorithms.length === 0) throw new Error('no JWT verification key configured');

  // The header's alg picks the key source, and only among the configured ones, so a token
  // signed "HS256" with a public key (algorithm confusion) never meets that key.
  const keyFor = (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    if (header.alg === 'HS256' && secret) return secret;
    if (header.alg !== 'HS256' && jwks)
      return jwks(header as Parameters<JWTVerifyGetKey>[0], token);
    throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
  };

  // A token's verdict depends only on the token and the time. Once verified, it stays good
  // until its exp (nbf and iat only ever move from "not yet" to "fine"), so a hit only
  // re-checks exp. Bounded, oldest entry out first.
  const verified = new Map<string, { caller: Caller; exp: number }>();
  const remember = (token: string, caller: Caller, exp: number) => {
    if (verified.size >= VERIFIED_TOKEN_CACHE_SIZE) {
      verified.delete(verified.keys().next().value as string);
    }
    verified.set(token, { caller, exp });
  };

  const verifyFully = async (token: string): Promise<Caller> => {
    if (token === '') throw jwtError('PGRST301', 'Empty JWT is sent in Authorization header');
    const parts = token.split('.').length;
    if (parts !== 3) throw jwtError('PGRST301', `Expected 3 parts in JWT; got ${parts}`);

    const now = clock.now();
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, keyFor, {
        algorithms,
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: now,
      }));
    } catch (error) {
      throw translateJoseError(error, algorithms);
    }

    const claims = payload as Record<string, unknown>;
    const nowSeconds = Math.floor(now.getTime() / 1000);
    if (typeof claims.iat === 'number' && claims.iat > nowSeconds + CLOCK_SKEW_SECONDS) {
      throw claimsFailure('JWT issued at future');
    }
    // The contracts' reading of the claims (role, uuid sub, organization). Its expiry check
    // gets PostgREST's skew; within the skew window the database's own check still applies.
    const read = readJwtClaims(claims, {
      now: new Date(now.getTime() - CLOCK_SKEW_SECONDS * 1000),
    });
    if (!read.success) {
      throw read.error.reason === 'expired'
        ? claimsFailure('JWT expired')
        : claimsFailure('Parsing claims failed', read.error.message);
    }
    const identity = read.data;

    // Supabase Auth issues user tokens with aud "authenticated"; its anon and service_role
    // API keys carry no aud. A user token must name our audience; any token that names an
    // audience must name ours.
    const audiences =
      typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
    const namesOurs = audiences.includes(config.audience);
    if (identity.role === 'authenticated' ? !namesOurs : audiences.length > 0 && !namesOurs) {
      throw claimsFailure('JWT not in audience');
    }
    const caller: Caller = {
      role: identity.role,
      identity,
      claims: claims as JwtClaims,
      authenticated: identity.role !== 'anon',
    };
    remember(token, caller, claims.exp as number);
    return caller;
  };

  return {
    algorithms,
    verify(token) {
      const hit = verified.get(token);
      if (hit) {
        const nowSeconds = clock.now().getTime() / 1000;
        if (hit.exp > nowSeconds - CLOCK_SKEW_SECONDS) return Promise.resolve(hit.caller);
        verified.delete(token);
      }
      return verifyFully(token);
    },
  };
}
