import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.js';

export type PeerMentorDatabase = NodePgDatabase<typeof schema>;

export interface Db {
  /** Typed queries over the tables (as the connecting role: the owner bypasses RLS). */
  orm: PeerMentorDatabase;
  /** The underlying pool, for caller-scoped transactions (`withCaller`). */
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /** Upper bound on open connections (default 10). */
  maxConnections?: number;
  /** Applied to every connection, in milliseconds (default: none). */
  statementTimeoutMs?: number;
  /**
   * Told when an idle connection fails (the server restarted or terminated it, the network
   * dropped); the pool has already discarded it. Default: one line on stderr.
   */
  onIdleConnectionError?: (error: Error) => void;
}

/** Opens a connection pool and a drizzle instance over it. Nothing connects at import time. */
export function createDb(url: string, options: CreateDbOptions = {}): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  // Without a listener, the error of an idle connection (even one the pool is closing: end()
  // resolves before the sockets have closed) would be an unhandled 'error' event and end the
  // process.
  pool.on(
    'error',
    options.onIdleConnectionError ??
      ((error) =>
        console.warn(
          `database pool: an idle connection failed and was discarded: ${error.message}`,
        )),
  );
  return {
    orm: drizzle(pool, { schema }),
    pool,
    close: () => pool.end(),
  };
}
