import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync } from 'node:fs';
import path from 'node:path';

/**
 * PostgreSQL refuses to run as root. When we are root (CI, containers), server programs run
 * as the `postgres` system user and the directories they write must belong to it.
 */
export const runningAsRoot = process.getuid?.() === 0;

const SERVICE_USER = 'postgres';

function serviceUserIds(): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync('id', ['-u', SERVICE_USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', SERVICE_USER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      `Running as root, PostgreSQL needs the system user "${SERVICE_USER}" (Debian's postgresql package creates it).`,
    );
  }
}

/** Gives a directory to the server's user when we are root; a no-op otherwise. */
export function handToServiceUser(directory: string): void {
  if (!runningAsRoot) return;
  const { uid, gid } = serviceUserIds();
  chownSync(directory, uid, gid);
}

/** The ids of the user server programs run as: the `postgres` user as root, else none (ourselves). */
export function serverProcessIds(): { uid: number; gid: number } | Record<string, never> {
  return runningAsRoot ? serviceUserIds() : {};
}

/**
 * Whether the server's user can use `target` (`x`: execute or enter it, `w`: write it; a
 * directory's every parent must be searchable too). Always true when not root.
 */
export function serviceUserCanUse(target: string, access: 'x' | 'w'): boolean {
  if (!runningAsRoot) return true;
  try {
    execFileSync('runuser', ['-u', SERVICE_USER, '--', 'test', `-${access}`, target], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * `preferred` when the server's user can reach it (its nearest existing ancestor is searchable
 * all the way down), else `fallback`. Always `preferred` when not root.
 */
export function reachableForServer(preferred: string, fallback: string): string {
  let existing = path.resolve(preferred);
  while (!existsSync(existing)) existing = path.dirname(existing);
  return serviceUserCanUse(existing, 'x') ? preferred : fallback;
}

/** What a failed spawn means, in words: which program, as whom, and what to do. */
export function spawnFailure(program: string, error: NodeJS.ErrnoException): Error {
  const who = runningAsRoot ? `the "${SERVICE_USER}" user` : 'this user';
  const reason =
    error.code === 'EACCES'
      ? `${who} may not execute it or cannot reach it (a parent directory is private, like a 0700 home)`
      : error.code === 'ENOENT'
        ? 'it does not exist'
        : (error.message ?? String(error));
  return new Error(`could not start ${program} as ${who}: ${reason} (${error.code ?? 'error'})`, {
    cause: error,
  });
}

/**
 * Throws a clear error when the server's user cannot reach `directory` (every parent must be
 * searchable by it, e.g. not under a 0700 home directory). A no-op when not root.
 */
export function assertServiceUserCanReach(directory: string): void {
  if (serviceUserCanUse(directory, 'w') && serviceUserCanUse(directory, 'x')) return;
  throw new Error(
    `PostgreSQL runs as the "${SERVICE_USER}" user here, and it cannot reach ${directory} ` +
      '(a parent directory is probably private, like a 0700 home). Use a data directory it can reach, ' +
      'e.g. --data-dir /var/tmp/peer-mentor, or leave --data-dir out and one is chosen.',
  );
}

/** The command line that runs `program` as the server's user. */
export function asServiceUser(program: string, args: string[]): [string, string[]] {
  return runningAsRoot
    ? ['runuser', ['-u', SERVICE_USER, '--', program, ...args]]
    : [program, args];
}

/** Runs a server program to completion; rejects with its output when it fails. */
export function runServerProgram(program: string, args: string[]): Promise<string> {
  const [command, commandArgs] = asServiceUser(program, args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', (error) => reject(spawnFailure(program, error)));
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${program} ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}
