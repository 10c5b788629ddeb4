import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `cli.ts <args>` in a child process configured only through `env` (plus PATH). */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      path.join(packageRoot, 'node_modules', '.bin', 'tsx'),
      ['--conditions=@peer-mentor/source', 'src/cli.ts', ...args],
      { cwd: packageRoot, timeout: 60_000, env: { PATH: process.env.PATH, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `pnpm scheduler <args>` at the repository root, as an operator types it. */
export function runPnpmScheduler(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const { DATABASE_URL: _unset, ...env } = process.env;
    execFile(
      'pnpm',
      ['--silent', 'scheduler', ...args],
      { cwd: path.resolve(packageRoot, '..', '..'), timeout: 60_000, env },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * `cli.ts <args>` as one node process with tsx as its loader (not the tsx wrapper, which
 * would outlive a child killed with SIGKILL), for tests that signal it.
 */
export function spawnCli(
  args: string[],
  env: Record<string, string>,
  stdio: 'ignore' | 'pipe' = 'ignore',
): ChildProcess {
  return spawn(
    process.execPath,
    ['--conditions=@peer-mentor/source', '--import', 'tsx', 'src/cli.ts', ...args],
    { cwd: packageRoot, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', stdio, stdio] },
  );
}

/** Polls `condition` until it holds; throws after `deadlineMs` so a broken build fails, not hangs. */
export async function waitFor(
  condition: () => Promise<boolean> | boolean,
  deadlineMs: number,
): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > deadlineMs) throw new Error(`not reached within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The JSON lines a process printed (its logs and summaries), skipping anything else. */
export function jsonLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
