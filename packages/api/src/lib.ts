// The package's public surface: build the app, configure it, run it, and sign local tokens.
export { type AppDeps, createApp } from './app.js';
export type { AppEnv } from './app-env.js';
export { anonymousCaller, type Caller } from './auth/claims.js';
export {
  type SignOptions,
  signApiKey,
  signToken,
  signUserToken,
  userTokenClaims,
} from './auth/tokens.js';
export {
  CLOCK_SKEW_SECONDS,
  type Clock,
  createTokenVerifier,
  systemClock,
} from './auth/verifier.js';
export { type ApiConfig, apiConfig, type JwtKeyConfig } from './config.js';
export { type ApiEnv, authRoutesFromEnv, configFromEnv, readApiEnv } from './env.js';
export { ApiError, httpStatusForSqlState } from './errors.js';
export {
  type AuthRoutesConfig,
  authRoutesConfig,
  createAuthPool,
} from './features/auth-routes/index.js';
export { DOCS_PATH, OPENAPI_PATH } from './features/docs/index.js';
export { DEFAULT_RATE_LIMITS, type RateLimitConfig } from './limits/rate-limit.js';
export { createLogger, type Logger } from './logging/logger.js';
export { type ApiPoolOptions, createApiPool } from './pool.js';
export { listen, type RunningServer } from './server.js';
