import pg from 'pg';
import type { Logger } from './logging/logger.js';

export interface ApiPoolOptions {
  /** Upper bound on open connections. */
  max: number;
  /** How long a request waits for a connection (then 504 PGRST003). */
  acquireTimeoutMs: number;
}

/** The bounded pool the API borrows one connection per request from. Connects lazily. */
export function createApiPool(url: string, options: ApiPoolOptions, logger?: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max,
    connectionTimeoutMillis: options.acquireTimeoutMs,
    application_name: 'peer-mentor-api',
  });
  // An idle connection that dies (server restart) must not crash the process.
  pool.on('error', (error) =>
    logger?.warn({ reason: error.message }, 'idle database connection failed'),
  );
  return pool;
}
