/**
 * Starts the API (`pnpm --filter @peer-mentor/api start`): configuration from the environment
 * (see src/env.ts), a bounded pool, the app on API_HOST:API_PORT (127.0.0.1:54321 by default).
 * SIGINT/SIGTERM stop it gracefully: no new connections, requests in flight finish, then the
 * pool closes.
 */
import pino from 'pino';
import { createApp } from './app.js';
import { authRoutesFromEnv, configFromEnv, readApiEnv } from './env.js';
import { createAuthPool } from './features/auth-routes/index.js';
import { createLogger } from './logging/logger.js';
import { createApiPool } from './pool.js';
import { listen } from './server.js';
import { apiVersion } from './version.js';

const env = readApiEnv();
// Log lines go out asynchronously (buffered, written when the event loop is free), off the
// request's path; stop() flushes what is left.
const logDestination = pino.destination({ sync: false });
const logger = createLogger(env.LOG_LEVEL, logDestination);
const pool = createApiPool(
  env.DATABASE_URL,
  { max: env.DB_POOL_MAX, acquireTimeoutMs: env.DB_POOL_ACQUIRE_TIMEOUT_MS },
  logger,
);
const authRoutes = authRoutesFromEnv(env);
const authPool = authRoutes ? createAuthPool(authRoutes.databaseUrl, logger) : undefined;
const app = createApp({
  pool,
  config: configFromEnv(env),
  logger,
  ...(authRoutes && authPool ? { auth: { pool: authPool, config: authRoutes.config } } : {}),
});
const server = await listen(app, { host: env.API_HOST, port: env.API_PORT });
logger.info({ url: server.url, version: apiVersion }, 'listening');

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping: draining requests');
  await server.close();
  await pool.end();
  await authPool?.end();
  logger.info('stopped');
  await new Promise<void>((flushed) => logger.flush(() => flushed()));
  process.exit(0);
}
// `on`, not `once`: a launcher such as tsx relays the terminal's signal only to a child that
// still listens for it; stop() runs once however often the signal comes.
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
