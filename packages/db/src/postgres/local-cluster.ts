import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findPostgresBinaries, type PostgresBinaries } from './binaries.js';
import { handToServiceUser, runServerProgram } from './service-user.js';

export interface LocalClusterOptions {
  /** Binary directory override (PG_BINDIR). */
  binDir?: string | undefined;
  /** Server settings passed as `-c name=value`. */
  settings?: Record<string, string | number>;
  /** Libraries to preload when the machine has them installed (others are skipped). */
  preloadIfInstalled?: string[];
}

export interface LocalCluster {
  /** Superuser connection URL on 127.0.0.1. */
  url: string;
  port: number;
  binaries: PostgresBinaries;
  /** The preload libraries that were found and loaded. */
  preloaded: string[];
  /** A directory of the cluster's (removed with it) that the server's user may write. */
  workDir: string;
  /**
   * Stops the server and starts it again on the same data, optionally through `serverWrapper`:
   * an executable that pg_ctl runs in place of `postgres` with the same arguments (one that
   * execs the server under a profiler, say).
   */
  restart(options?: { serverWrapper?: string }): Promise<void>;
  stop(): Promise<void>;
}

/** Settings that trade durability for speed: a throwaway cluster never needs crash safety. */
const THROWAWAY_SETTINGS = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: 200,
};

/**
 * Starts a throwaway PostgreSQL cluster from the machine's server binaries, listening on
 * 127.0.0.1 only, with its data in a fresh temporary directory that `stop()` removes.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const binaries = findPostgresBinaries(options.binDir);
  const root = mkdtempSync(path.join(os.tmpdir(), 'peer-mentor-pg-'));
  handToServiceUser(root);
  const dataDir = path.join(root, 'data');
  const port = await freeLoopbackPort();

  await runServerProgram(path.join(binaries.binDir, 'initdb'), [
    '--pgdata',
    dataDir,
    '--username',
    'postgres',
    '--auth',
    'trust',
    '--encoding',
    'UTF8',
    '--no-locale',
    '--no-sync',
  ]);

  const libDir = path.join(binaries.binDir, '..', 'lib');
  const preloaded = (options.preloadIfInstalled ?? []).filter((library) =>
    existsSync(path.join(libDir, `${library}.so`)),
  );
  const settings: Record<string, string | number> = {
    ...THROWAWAY_SETTINGS,
    listen_addresses: '127.0.0.1',
    port,
    unix_socket_directories: root,
    ...(preloaded.length > 0 ? { shared_preload_libraries: preloaded.join(',') } : {}),
    ...options.settings,
  };
  const serverOptions = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
  const pgCtl = path.join(binaries.binDir, 'pg_ctl');
  const start = (serverWrapper?: string) =>
    runServerProgram(pgCtl, [
      'start',
      '--wait',
      // A server under a profiler takes far longer than the default minute to accept connections.
      '--timeout=600',
      '--pgdata',
      dataDir,
      '--log',
      path.join(root, 'server.log'),
      '--options',
      serverOptions,
      ...(serverWrapper ? ['-p', serverWrapper] : []),
    ]);
  const stopServer = () =>
    runServerProgram(pgCtl, [
      'stop',
      '--wait',
      '--timeout=600',
      '--mode',
      'fast',
      '--pgdata',
      dataDir,
    ]);
  await start();

  let stopped = false;
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    binaries,
    preloaded,
    workDir: root,
    async restart(restartOptions = {}) {
      await stopServer();
      await start(restartOptions.serverWrapper);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await stopServer();
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not obtain a free port'));
      });
    });
  });
}
