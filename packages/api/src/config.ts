import type { JSONWebKeySet } from 'jose';
import { DEFAULT_RATE_LIMITS, type RateLimitConfig } from './limits/rate-limit.js';

/** Which keys verify access tokens. Algorithms follow the keys: HS256 for the secret, ES256/RS256 for the JWKS. */
export interface JwtKeyConfig {
  /** Legacy shared secret (HS256), as Supabase projects had before asymmetric signing keys. */
  secret?: string | undefined;
  /** Asymmetric public keys: a JWKS document, or the URL Supabase Auth publishes it at. */
  jwks?: { kind: 'inline'; document: JSONWebKeySet } | { kind: 'remote'; url: string } | undefined;
  /** The audience a user (`authenticated`) token must carry. */
  audience: string;
}

/** The service configuration `createApp` needs (the database comes as its own dependency). */
export interface ApiConfig {
  jwt: JwtKeyConfig;
  /**
   * `apikey` values accepted besides JWTs this service verifies itself (Supabase's legacy anon
   * and service_role keys are such JWTs; its newer `sb_publishable_…` keys are opaque strings).
   */
  apiKeys: string[];
  /** SET LOCAL statement_timeout of every request, in milliseconds. */
  statementTimeoutMs: number;
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
  /** Origins allowed by CORS (`*` for any, like Supabase's gateway). */
  corsOrigins: string[];
  /** Request rate limits per user and per client address (429 with Retry-After). */
  rateLimits: RateLimitConfig;
}

/** Reasonable defaults for everything but the keys. */
export function apiConfig(
  jwt: JwtKeyConfig,
  overrides: Partial<Omit<ApiConfig, 'jwt'>> = {},
): ApiConfig {
  return {
    jwt,
    apiKeys: [],
    statementTimeoutMs: 8_000,
    bodyLimitBytes: 100 * 1024,
    corsOrigins: ['*'],
    rateLimits: DEFAULT_RATE_LIMITS,
    ...overrides,
  };
}
