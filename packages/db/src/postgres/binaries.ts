import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface PostgresBinaries {
  /** Directory holding initdb, pg_ctl, postgres, pgbench, ... */
  binDir: string;
  /** Server major version, e.g. 15. */
  major: number;
}

/**
 * Finds the machine's PostgreSQL server binaries: `PG_BINDIR` if given, else the newest
 * `/usr/lib/postgresql/<major>/bin` with a server in it (Debian's layout), else `pg_config`.
 * The major version is read from the server binary itself, never assumed.
 */
export function findPostgresBinaries(binDirOverride?: string): PostgresBinaries {
  const candidates: string[] = [];
  if (binDirOverride) candidates.push(binDirOverride);
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const majors = readdirSync(debianRoot)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) candidates.push(path.join(debianRoot, major, 'bin'));
  }
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    // no pg_config on PATH
  }
  for (const binDir of candidates) {
    if (existsSync(path.join(binDir, 'postgres')) && existsSync(path.join(binDir, 'initdb'))) {
      return { binDir, major: serverMajorVersion(binDir) };
    }
  }
  throw new Error(
    'No PostgreSQL server binaries found (looked in PG_BINDIR, /usr/lib/postgresql/*/bin and pg_config --bindir). ' +
      'Install the Debian package postgresql, set PG_BINDIR, or set DATABASE_URL to an existing server.',
  );
}

function serverMajorVersion(binDir: string): number {
  const output = execFileSync(path.join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' });
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(output);
  if (!match) throw new Error(`cannot read the PostgreSQL version from: ${output.trim()}`);
  return Number(match[1]);
}
