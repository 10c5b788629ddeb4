import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import type pg from 'pg';
import type { AppEnv } from './app-env.js';
import { authenticate } from './auth/middleware.js';
import { type Clock, createTokenVerifier, systemClock } from './auth/verifier.js';
import type { ApiConfig } from './config.js';
import {
  ApiError,
  internalServerError,
  isDatabaseError,
  postgrestError,
  postgrestErrorFromDatabase,
} from './errors.js';
import { serveDocs } from './features/docs/index.js';
import { healthFeature } from './features/health/index.js';
import { rpcFeature } from './features/rpc/index.js';
import { rateLimits } from './limits/rate-limit.js';
import type { Logger } from './logging/logger.js';
import { requestLog } from './logging/request-log.js';

export interface AppDeps {
  /** The bounded pool every request borrows one connection from. */
  pool: pg.Pool;
  config: ApiConfig;
  logger: Logger;
  /** Time for token checks (exp, nbf, iat); the system clock unless a test fixes it. */
  clock?: Clock;
}

/** The headers supabase-js and PostgREST clients send, allowed cross-origin like Supabase does. */
const CORS_ALLOWED_HEADERS = [
  'authorization',
  'apikey',
  'content-type',
  'content-profile',
  'accept-profile',
  'prefer',
  'x-client-info',
  'x-retry-count',
  'x-request-id',
];

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
    cors({
      origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
      allowHeaders: CORS_ALLOWED_HEADERS,
      allowMethods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
      exposeHeaders: ['Content-Range', 'X-Request-Id', 'Retry-After'],
    }),
  );
  app.use(
    bodyLimit({
      maxSize: config.bodyLimitBytes,
      onError: () => {
        throw postgrestError(413, 'PGRST102', 'Request body is too large', {
          details: `the limit is ${config.bodyLimitBytes} bytes`,
        });
      },
    }),
  );

  app.route('/', healthFeature({ pool }));
  app.use('/rest/v1/*', limits.byAddress, authenticate(config, verifier), limits.byUser);
  app.route('/rest/v1/rpc', rpcFeature({ pool, statementTimeoutMs: config.statementTimeoutMs }));
  // Only functions are served; PostgREST's answer for a table it does not know.
  app.all('/rest/v1/:resource', (c) => {
    throw postgrestError(
      404,
      'PGRST205',
      `Could not find the table 'public.${c.req.param('resource')}' in the schema cache`,
      { hint: 'This service serves only the allow-listed functions under /rest/v1/rpc/' },
    );
  });
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
    return c.json(apiError.body, apiError.status, apiError.headers);
  });
  return app;
}
