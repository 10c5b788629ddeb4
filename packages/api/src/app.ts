import { OpenAPIHono } from '@hono/zod-openapi';
import { rpcNames } from '@peer-mentor/contracts';
import type { Context } from 'hono';
import { requestId } from 'hono/request-id';
import type pg from 'pg';
import type { AppEnv } from './app-env.js';
import { authenticate, requireApiKey } from './auth/middleware.js';
import { type Clock, createTokenVerifier, systemClock } from './auth/verifier.js';
import type { ApiConfig } from './config.js';
import { corsHeaders } from './cors.js';
import {
  ApiError,
  internalServerError,
  isDatabaseError,
  postgrestError,
  postgrestErrorFromDatabase,
} from './errors.js';
import { type AuthRoutesConfig, authRoutesFeature } from './features/auth-routes/index.js';
import { openApiInfo, serveDocs } from './features/docs/index.js';
import { healthFeature } from './features/health/index.js';
import { tableFeature } from './features/read/index.js';
import { rpcFeature } from './features/rpc/index.js';
import { limitBody } from './limits/body-limit.js';
import { rateLimits } from './limits/rate-limit.js';
import type { Logger } from './logging/logger.js';
import { requestLog } from './logging/request-log.js';
import { EXPOSED_SCHEMA, lazySchemaCache, loadSchemaCache } from './schema-cache.js';

export interface AppDeps {
  /** The bounded pool every request borrows one connection from. */
  pool: pg.Pool;
  config: ApiConfig;
  logger: Logger;
  /** Time for token checks (exp, nbf, iat); the system clock unless a test fixes it. */
  clock?: Clock;
  /**
   * Supabase Auth's password sign-in routes under /auth/v1, with their own pool (logged in as
   * supabase_auth_admin). Off unless given: production uses real Supabase Auth.
   */
  auth?: { pool: pg.Pool; config: AuthRoutesConfig };
  /** The functions served under /rest/v1/rpc/ (default: the contracts' allow-list). */
  servedFunctions?: readonly string[];
}

/**
 * CORS as Supabase's API gateway answers it: every header the preflight asks for (supabase-js's
 * `traceparent`/`tracestate`/`baggage`, an app's `global.headers`), every method (so a refused
 * table write reaches the browser as PostgREST's error, not as a CORS failure), the response
 * headers supabase-js reads, and a max-age so browsers do not preflight every call.
 */
const CORS_EXPOSED_HEADERS = [
  'Content-Range',
  'Content-Location',
  'Preference-Applied',
  'X-Request-Id',
  'Retry-After',
];
export const CORS_MAX_AGE_SECONDS = 3600;

function toApiError(error: unknown, c: Context<AppEnv>): ApiError {
  if (error instanceof ApiError) return error;
  if (isDatabaseError(error)) {
    c.get('logFields').sqlState = error.code;
    return postgrestErrorFromDatabase(error, c.get('caller')?.authenticated ?? false);
  }
  return internalServerError();
}

/** The peer-mentor pause API. Nothing connects or listens until a request or `serve` does. */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const { config, logger, pool } = deps;
  const verifier = createTokenVerifier(config.jwt, deps.clock ?? systemClock);
  const limits = rateLimits(config.rateLimits, deps.clock ?? systemClock);
  const app = new OpenAPIHono<AppEnv>();

  app.use(requestId());
  app.use(requestLog(logger));
  app.use(
    corsHeaders({
      origins: config.corsOrigins,
      allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      exposeHeaders: CORS_EXPOSED_HEADERS,
      maxAgeSeconds: CORS_MAX_AGE_SECONDS,
    }),
  );
  app.use(limitBody(config.bodyLimitBytes));

  app.route('/', healthFeature({ pool }));
  if (deps.auth) {
    app.use('/auth/v1/*', requireApiKey(config, verifier));
    app.route(
      '/auth/v1',
      authRoutesFeature({ ...deps.auth, logger, clock: deps.clock ?? systemClock }),
    );
  }
  app.use('/rest/v1/*', limits.byAddress, authenticate(config, verifier), limits.byUser);
  const servedFunctions = deps.servedFunctions ?? rpcNames;
  const schemaCache = lazySchemaCache(() => loadSchemaCache(pool, EXPOSED_SCHEMA, servedFunctions));
  const features = { pool, statementTimeoutMs: config.statementTimeoutMs, schemaCache };
  app.route('/rest/v1/rpc', rpcFeature({ ...features, servedFunctions }));
  // PostgREST's root: the OpenAPI document of what is served.
  app.get('/rest/v1/', (c) => c.json(app.getOpenAPIDocument(openApiInfo)));
  app.route('/rest/v1', tableFeature(features));
  serveDocs(app);

  app.notFound(() => {
    throw postgrestError(404, 'PGRST125', 'Invalid path specified in request URL');
  });
  app.onError((error, c) => {
    const apiError = toApiError(error, c);
    const log = c.get('log') ?? logger;
    if (apiError.status >= 500) {
      // The full cause stays in the log (with the request id); the response says only what failed.
      log.error({ err: error }, 'request failed');
    }
    if ('code' in apiError.body) c.get('logFields').code = apiError.body.code;
    // PostgREST's error responses say their charset.
    return c.body(JSON.stringify(apiError.body), apiError.status, {
      ...apiError.headers,
      'Content-Type': 'application/json; charset=utf-8',
    });
  });
  return app;
}
