import type { MiddlewareHandler } from 'hono';
import type { RequestIdVariables } from 'hono/request-id';
import type { AuthVariables } from '../auth/middleware.js';
import type { Logger } from './logger.js';

export interface LogVariables {
  /** The request's child logger (carries the request id). */
  log: Logger;
  /** Set by handlers that want their outcome in the access log line (e.g. the SQLSTATE). */
  logFields: Record<string, unknown>;
}

/**
 * One access-log line per request with its latency. The path is logged without its query
 * string: a query may carry the `apikey` or RPC arguments.
 */
export function requestLog(
  logger: Logger,
): MiddlewareHandler<{ Variables: LogVariables & RequestIdVariables & Partial<AuthVariables> }> {
  return async (c, next) => {
    const started = performance.now();
    const log = logger.child({ requestId: c.get('requestId') });
    c.set('log', log);
    c.set('logFields', {});
    await next();
    const caller = c.get('caller');
    log.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
        role: caller?.role,
        ...c.get('logFields'),
      },
      'request',
    );
  };
}
