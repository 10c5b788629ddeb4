import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** What the tests need from the main job's banner: the console URL and the demo logins. */
function readBanner(banner: string) {
  const consoleUrl = /web console\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
  const apiUrl = /API URL\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
  const databaseUrl = /database\s+(postgresql:\S+)/.exec(banner)?.[1];
  if (!consoleUrl || !apiUrl) throw new Error(`the main job printed no console URL:\n${banner}`);
  const logins: Record<string, string> = {};
  for (const match of banner.matchAll(/^\s+(\S+@\S+)\s+password (\S+)/gm)) {
    logins[match[1]!] = match[2]!;
  }
  return { consoleUrl, apiUrl, databaseUrl, logins };
}

/**
 * Starts the main job (`pnpm start`'s program) on free ports in a fresh data directory, as a
 * person would, and hands its printed URL and logins to the tests. PM_E2E_BANNER (a running
 * stack's output file) reuses a stack instead, for work on the tests.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const reuse = process.env.PM_E2E_BANNER;
  if (reuse) {
    process.env.PM_E2E_STACK = JSON.stringify(readBanner(readFileSync(reuse, 'utf8')));
    return async () => {};
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pm-admin-e2e-'));
  // PostgreSQL runs as its own user when we are root; it must reach the data directory.
  chmodSync(dataDir, 0o755);
  const [api, db, web] = [await freePort(), await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    'pnpm',
    [
      'start',
      '--',
      '--port',
      `${api}`,
      '--db-port',
      `${db}`,
      '--console-port',
      `${web}`,
      '--data-dir',
      dataDir,
    ],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, LOG_LEVEL: 'warn' },
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the main job did not get ready:\n${output}`)),
      240_000,
    );
    const check = setInterval(() => {
      if (/^ready:/m.test(output)) {
        clearTimeout(timer);
        clearInterval(check);
        resolve();
      }
    }, 250);
    child.once('exit', (code) => {
      clearTimeout(timer);
      clearInterval(check);
      reject(new Error(`the main job exited (${code}):\n${output}`));
    });
  });
  process.env.PM_E2E_STACK = JSON.stringify(readBanner(output));
  return async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.pid) process.kill(-child.pid, 'SIGINT');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    rmSync(dataDir, { recursive: true, force: true });
  };
}
