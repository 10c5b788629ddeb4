/**
 * Helpers for the tests that start a production bundle the way a container does: a copy of the
 * bundle alone in a fresh directory (no node_modules above it, so every import must be inlined
 * or a Node built-in) and `node <file>` with nothing but the given environment.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Builds a package's bundle with its own `bundle` script into a fresh directory. */
export function buildBundle(packageName: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pm-bundle-'));
  const built = spawnSync('pnpm', ['--filter', packageName, 'run', 'bundle', '--out', dir], {
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`bundle of ${packageName} failed:\n${built.stderr}`);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies a bundle directory to a new directory outside the workspace. */
export function isolate(bundleDir: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pm-run-'));
  cpSync(bundleDir, dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The modules a bundle still imports at load time that are not Node built-ins (should be none). */
export function nonBuiltinImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const imported = [...source.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  if (imported.length === 0) throw new Error(`${file} imports nothing: not an ES module bundle?`);
  return imported.filter((name) => !isBuiltin(name));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningProcess {
  child: ChildProcess;
  /** Everything written to stdout so far, as lines. */
  lines: () => string[];
  /** Resolves with the first stdout line that matches, rejects when the process exits first. */
  waitForLine: (match: (line: string) => boolean, timeoutMs?: number) => Promise<string>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** `node <file> <args>` in `cwd` with exactly `env` (plus PATH). */
export function startNode(
  cwd: string,
  file: string,
  env: Record<string, string>,
  args: string[] = [],
): RunningProcess {
  const child = spawn(process.execPath, [file, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  let pending = '';
  const waiters: Array<() => void> = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    out.push(...parts);
    for (const wake of waiters) wake();
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // 'close', not 'exit': by then everything the process printed has been read.
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve(code)),
  );
  const waitForLine = (match: (line: string) => boolean, timeoutMs = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching line; stderr: ${stderr}`)),
        timeoutMs,
      );
      const check = () => {
        const found = out.find(match);
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        }
      };
      waiters.push(check);
      check();
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code} first; stderr: ${stderr}`));
      });
    });
  return { child, lines: () => [...out], waitForLine, exited };
}
