import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';
import type { ApiConfig, JwtKeyConfig } from './config.js';
import { type AuthRoutesConfig, authRoutesConfig } from './features/auth-routes/index.js';
import { DEFAULT_RATE_LIMITS } from './limits/rate-limit.js';

// The API's environment, parsed in one place: nothing else in the package reads process.env.

/** An unset variable and an empty one mean the same: not configured. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const positiveInt = (fallback: number) =>
  z.preprocess(
    (value) => (value === '' || value === undefined ? fallback : value),
    z.coerce.number().int().positive(),
  );

const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

const EnvSchema = z
  .object({
    /** The database the API runs every request against (as the caller's role). */
    DATABASE_URL: z.string().url(),
    /** Where to listen; loopback unless you mean to expose the service. */
    API_HOST: optional(z.string().min(1)).default('127.0.0.1'),
    API_PORT: positiveInt(54321).pipe(z.number().max(65535)),
    /** Legacy Supabase JWT secret (HS256), at least 32 characters as Supabase requires. */
    JWT_SECRET: optional(z.string().min(32, 'JWT_SECRET must have at least 32 characters')),
    /** Asymmetric signing keys (ES256/RS256): a JWKS document inline ... */
    JWT_JWKS: optional(z.string().min(2)),
    /** ... or fetched from a URL, e.g. https://<ref>.supabase.co/auth/v1/.well-known/jwks.json */
    JWT_JWKS_URL: optional(z.string().url()),
    /** The audience user tokens must carry (Supabase Auth issues `authenticated`). */
    JWT_AUDIENCE: optional(z.string().min(1)).default('authenticated'),
    /** Accepted `apikey` values besides JWTs this service can verify (e.g. sb_publishable_...). */
    API_KEYS: optional(commaList),
    DB_POOL_MAX: positiveInt(10),
    /** How long a request waits for a pooled connection before 504 PGRST003. */
    DB_POOL_ACQUIRE_TIMEOUT_MS: positiveInt(10_000),
    /** SET LOCAL statement_timeout for every request (Supabase's default for `authenticated`). */
    STATEMENT_TIMEOUT_MS: positiveInt(8_000),
    BODY_LIMIT_BYTES: positiveInt(100 * 1024),
    /** `on` (the default) or `off`: the request rate limits; `off` is for benchmarks. */
    RATE_LIMITS: optional(z.enum(['on', 'off'])).default('on'),
    /** Requests a minute one user (token `sub`) may make. */
    RATE_LIMIT_PER_USER_PER_MINUTE: positiveInt(DEFAULT_RATE_LIMITS.perUserPerMinute),
    /** Requests a minute one client address may make. */
    RATE_LIMIT_PER_ADDRESS_PER_MINUTE: positiveInt(DEFAULT_RATE_LIMITS.perAddressPerMinute),
    /** Browser origins allowed by CORS; `*` like Supabase's gateway. */
    CORS_ORIGINS: optional(commaList),
    LOG_LEVEL: optional(
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    ).default('info'),
    /** Serve Supabase Auth's sign-in routes under /auth/v1 (off: production uses Supabase Auth). */
    AUTH_ROUTES_ENABLED: optional(z.enum(['true', 'false'])).default('false'),
    /** The auth routes' database login: Supabase Auth's own role, supabase_auth_admin. */
    AUTH_DATABASE_URL: optional(z.string().url()),
    /** Access token lifetime in seconds (Supabase's jwt_expiry). */
    AUTH_JWT_EXPIRY: positiveInt(3600),
    /** The custom access token hook (`none` for none), as supabase/config.toml names it. */
    AUTH_HOOK_CUSTOM_ACCESS_TOKEN_URI: optional(z.string().min(1)).default(
      'pg-functions://postgres/public/custom_access_token_hook',
    ),
    /** Seconds a rotated refresh token may still be used (Supabase's refresh_token_reuse_interval). */
    AUTH_REFRESH_TOKEN_REUSE_INTERVAL: z.preprocess(
      (value) => (value === '' || value === undefined ? 10 : value),
      z.coerce.number().int().nonnegative(),
    ),
  })
  .refine((env) => env.JWT_SECRET || env.JWT_JWKS || env.JWT_JWKS_URL, {
    message: 'configure at least one of JWT_SECRET, JWT_JWKS, JWT_JWKS_URL',
    path: ['JWT_SECRET'],
  })
  .refine(
    (env) => env.AUTH_ROUTES_ENABLED === 'false' || (env.AUTH_DATABASE_URL && env.JWT_SECRET),
    {
      message:
        'AUTH_ROUTES_ENABLED=true needs AUTH_DATABASE_URL and JWT_SECRET (tokens are signed with it)',
      path: ['AUTH_ROUTES_ENABLED'],
    },
  )
  .refine((env) => !(env.JWT_JWKS && env.JWT_JWKS_URL), {
    message: 'JWT_JWKS and JWT_JWKS_URL are alternatives; set one',
    path: ['JWT_JWKS'],
  });

export type ApiEnv = z.infer<typeof EnvSchema>;

export function readApiEnv(source: NodeJS.ProcessEnv = process.env): ApiEnv {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

function jwtKeysFromEnv(env: ApiEnv): JwtKeyConfig {
  let jwks: JwtKeyConfig['jwks'];
  if (env.JWT_JWKS) {
    let document: unknown;
    try {
      document = JSON.parse(env.JWT_JWKS);
    } catch {
      throw new Error('invalid environment: JWT_JWKS is not JSON');
    }
    jwks = { kind: 'inline', document: document as JSONWebKeySet };
  } else if (env.JWT_JWKS_URL) {
    jwks = { kind: 'remote', url: env.JWT_JWKS_URL };
  }
  return { secret: env.JWT_SECRET, jwks, audience: env.JWT_AUDIENCE };
}

/** The service configuration the environment describes (everything but the database URL). */
export function configFromEnv(env: ApiEnv): ApiConfig {
  return {
    jwt: jwtKeysFromEnv(env),
    apiKeys: env.API_KEYS ?? [],
    statementTimeoutMs: env.STATEMENT_TIMEOUT_MS,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    corsOrigins: env.CORS_ORIGINS ?? ['*'],
    rateLimits: {
      enabled: env.RATE_LIMITS === 'on',
      perUserPerMinute: env.RATE_LIMIT_PER_USER_PER_MINUTE,
      perAddressPerMinute: env.RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
    },
  };
}

/** The auth routes' settings and database, when the environment turns them on. */
export function authRoutesFromEnv(
  env: ApiEnv,
): { databaseUrl: string; config: AuthRoutesConfig } | undefined {
  if (env.AUTH_ROUTES_ENABLED !== 'true' || !env.AUTH_DATABASE_URL || !env.JWT_SECRET) {
    return undefined;
  }
  const hook = env.AUTH_HOOK_CUSTOM_ACCESS_TOKEN_URI;
  return {
    databaseUrl: env.AUTH_DATABASE_URL,
    config: authRoutesConfig(env.JWT_SECRET, {
      jwtExpirySeconds: env.AUTH_JWT_EXPIRY,
      customAccessTokenHook: hook === 'none' ? undefined : hook,
      refreshTokenReuseIntervalSeconds: env.AUTH_REFRESH_TOKEN_REUSE_INTERVAL,
    }),
  };
}
