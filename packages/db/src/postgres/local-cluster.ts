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
  await runServerProgram(pgCtl, [
    'start',
    '--wait',
    '--pgdata',
    dataDir,
    '--log',
    path.join(root, 'server.log'),
    '--options',
    serverOptions,
  ]);

  let stopped = false;
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    binaries,
    preloaded,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await runServerProgram(pgCtl, ['stop', '--wait', '--mode', 'fast', '--pgdata', dataDir]);
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
