import pg from 'pg';
import { readEnv } from '../env.js';
import { type Logger, migrate } from '../migrate.js';
import { startLocalCluster } from '../postgres/local-cluster.js';

export interface TestServer {
  /** A superuser (or CREATEDB) connection to the server's `postgres` database. */
  adminUrl: string;
  /** True when branch coverage can be measured (plpgsql_check preloaded, profiler on). */
  profiler: boolean;
  stop(): Promise<void>;
}

/**
 * The PostgreSQL server tests run against: `DATABASE_URL` when set (a server you manage),
 * otherwise a throwaway cluster from the machine's binaries with plpgsql_check's profiler on.
 */
export async function startTestServer(): Promise<TestServer> {
  const env = readEnv();
  if (env.DATABASE_URL) {
    return { adminUrl: env.DATABASE_URL, profiler: false, stop: async () => {} };
  }
  const cluster = await startLocalCluster({
    binDir: env.PG_BINDIR,
    preloadIfInstalled: ['plpgsql_check'],
    settings: { 'plpgsql_check.profiler': 'on' },
  });
  return {
    adminUrl: cluster.url,
    profiler: cluster.preloaded.includes('plpgsql_check'),
    stop: () => cluster.stop(),
  };
}

/** The same server, another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, (client) =>
    client.query(`drop database if exists ${quoteIdentifier(name)} with (force)`),
  );
}

/**
 * Builds the template every test database is cloned from: a fresh database with the
 * platform layer and all migrations applied by the Supabase CLI. Migrating once and cloning
 * per test file keeps files isolated and fast.
 */
export async function createTemplateDatabase(
  adminUrl: string,
  name: string,
  log?: Logger,
): Promise<string> {
  await dropDatabase(adminUrl, name);
  await withAdmin(adminUrl, (client) => client.query(`create database ${quoteIdentifier(name)}`));
  const url = databaseUrl(adminUrl, name);
  await migrate(url, log);
  return url;
}

/** A new database cloned from the template; returns its URL. */
export async function cloneDatabase(
  adminUrl: string,
  template: string,
  name: string,
): Promise<string> {
  await withAdmin(adminUrl, (client) =>
    client.query(`create database ${quoteIdentifier(name)} template ${quoteIdentifier(template)}`),
  );
  return databaseUrl(adminUrl, name);
}
