import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/**
 * The pre-deploy check of the migrations (`pnpm --filter @peer-mentor/db migrations:check`):
 * `supabase db push` applies only versions missing from supabase_migrations.schema_migrations,
 * so a migration edited after it was applied would silently never reach production. The check
 * compares each applied migration's checksum with the file's and refuses the push when a file
 * was edited or removed.
 *
 * The CLI records a migration as the statements it split the file into (verbatim, trimmed,
 * without the terminating semicolons). Both sides are reduced to their text without whitespace
 * or semicolons before hashing, so the comparison is exact for every edit that changes a token
 * (comments included) and ignores only re-indentation.
 */

export interface LocalMigration {
  version: string;
  name: string;
  file: string;
  checksum: string;
}

export interface AppliedMigration {
  version: string;
  name: string | null;
  checksum: string;
}

export type MigrationProblem =
  | { kind: 'edited'; version: string; file: string }
  | { kind: 'missing'; version: string; name: string | null };

export interface MigrationCheck {
  ok: boolean;
  /** Versions applied and unchanged. */
  applied: string[];
  /** Files the push would apply. */
  pending: string[];
  problems: MigrationProblem[];
}

const migrationFile = /^(\d{14})_(.+)\.sql$/;

/** The checksum of SQL text as the guard compares it (see above). */
export function migrationChecksum(sql: string): string {
  return createHash('sha256')
    .update(sql.replace(/[\s;]+/g, ''))
    .digest('hex');
}

export function readLocalMigrations(dir: string): LocalMigration[] {
  return readdirSync(dir)
    .map((file) => ({ file, match: migrationFile.exec(file) }))
    .filter((entry): entry is { file: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ file, match }) => ({
      version: match[1]!,
      name: match[2]!,
      file,
      checksum: migrationChecksum(readFileSync(path.join(dir, file), 'utf8')),
    }))
    .sort((a, b) => a.version.localeCompare(b.version));
}

/** What the CLI recorded; none on a project it never pushed to. */
export async function readAppliedMigrations(databaseUrl: string): Promise<AppliedMigration[]> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: 'migrations:check',
  });
  await client.connect();
  try {
    const exists = await client.query<{ present: boolean }>(
      `select to_regclass('supabase_migrations.schema_migrations') is not null as present`,
    );
    if (!exists.rows[0]?.present) return [];
    const rows = await client.query<{
      version: string;
      name: string | null;
      statements: string[] | null;
    }>(
      'select version, name, statements from supabase_migrations.schema_migrations order by version',
    );
    return rows.rows.map((row) => ({
      version: row.version,
      name: row.name,
      checksum: migrationChecksum((row.statements ?? []).join('\n')),
    }));
  } finally {
    await client.end();
  }
}

export function compareMigrations(
  local: LocalMigration[],
  applied: AppliedMigration[],
): MigrationCheck {
  const byVersion = new Map(local.map((migration) => [migration.version, migration]));
  const problems: MigrationProblem[] = [];
  const unchanged: string[] = [];
  for (const record of applied) {
    const file = byVersion.get(record.version);
    if (!file) problems.push({ kind: 'missing', version: record.version, name: record.name });
    else if (file.checksum !== record.checksum)
      problems.push({ kind: 'edited', version: record.version, file: file.file });
    else unchanged.push(record.version);
  }
  const appliedVersions = new Set(applied.map((record) => record.version));
  return {
    ok: problems.length === 0,
    applied: unchanged,
    pending: local.filter((m) => !appliedVersions.has(m.version)).map((m) => m.file),
    problems,
  };
}

export async function checkMigrations(databaseUrl: string, dir: string): Promise<MigrationCheck> {
  return compareMigrations(readLocalMigrations(dir), await readAppliedMigrations(databaseUrl));
}

export function describeProblem(problem: MigrationProblem): string {
  return problem.kind === 'edited'
    ? `${problem.file} was edited after it was applied (its checksum differs from the database's record); restore it and put the change in a new migration`
    : `migration ${problem.version}${problem.name ? `_${problem.name}` : ''} is applied to the database but missing from the repository`;
}
