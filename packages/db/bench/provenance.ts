import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { migrationsDir, packageRoot, platformLayerFile } from '../src/paths.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: packageRoot, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/**
 * Which schema the figures belong to: the commit, whether the SQL had uncommitted changes, and
 * a hash of every file applied. Taken just before migrating, since the SQL may change while a
 * benchmark runs.
 */
export function schemaProvenance() {
  const files = [
    platformLayerFile,
    ...readdirSync(migrationsDir)
      .filter((name) => name.endsWith('.sql'))
      .sort()
      .map((name) => path.join(migrationsDir, name)),
  ];
  const changed = git(['status', '--porcelain', '--', migrationsDir, platformLayerFile]);
  return {
    gitCommit: git(['rev-parse', 'HEAD']),
    uncommittedSqlChanges: changed === null ? null : changed.length > 0,
    files: files.map((file) => ({ file: path.relative(packageRoot, file), sha256: sha256(file) })),
  };
}
