import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gitFacts } from '@peer-mentor/bench';
import { migrationsDir, packageRoot, platformLayerFile } from '../src/paths.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

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
  const git = gitFacts(packageRoot, [migrationsDir, platformLayerFile]);
  return {
    gitCommit: git.commit,
    uncommittedSqlChanges: git.uncommittedChanges,
    files: files.map((file) => ({ file: path.relative(packageRoot, file), sha256: sha256(file) })),
  };
}
