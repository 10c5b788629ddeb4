/**
 * The pre-deploy guard of `supabase db push` against a database the Supabase CLI migrated (the
 * harness's template): it accepts the repository's migrations as they are, refuses a push whose
 * applied migration was edited or removed (naming the file, exit code 1), and lets new
 * migrations through as pending.
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { databaseUrl, dropDatabase, useTestDatabase } from '@peer-mentor/db/testing';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkMigrations } from '../src/migration-guard.js';
import { migrationsDir, packageRoot } from '../src/paths.js';

const database = useTestDatabase();
const files = readdirSync(migrationsDir)
  .filter((name) => name.endsWith('.sql'))
  .sort();

let copies: string[] = [];
afterEach(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
  copies = [];
});

/** A copy of the migrations directory to edit. */
function migrationsCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pm-migrations-'));
  cpSync(migrationsDir, dir, { recursive: true });
  copies.push(dir);
  return dir;
}

function runCheck(url: string, dir: string) {
  return spawnSync('pnpm', ['run', '--silent', 'migrations:check', '--db-url', url, '--dir', dir], {
    cwd: packageRoot,
    encoding: 'utf8',
  });
}

describe('the migrations checksum guard', () => {
  it('accepts the migrations the CLI applied, untouched', async () => {
    const check = await checkMigrations(database.url, migrationsDir);
    expect(check).toEqual({
      ok: true,
      applied: files.map((file) => file.slice(0, 14)),
      pending: [],
      problems: [],
    });
    const cli = runCheck(database.url, migrationsDir);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain(`${files.length} applied and unchanged, 0 pending, 0 problem(s)`);
  });

  it('refuses an applied migration edited afterwards, naming it', async () => {
    const dir = migrationsCopy();
    const edited = files[1]!;
    appendFileSync(path.join(dir, edited), '\ncomment on schema public is $$edited later$$;\n');
    const check = await checkMigrations(database.url, dir);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([
      { kind: 'edited', version: edited.slice(0, 14), file: edited },
    ]);
    const cli = runCheck(database.url, dir);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(`refused: ${edited} was edited after it was applied`);
  });

  it('refuses a one-word change inside a statement, and ignores re-indentation', async () => {
    const dir = migrationsCopy();
    const [first] = files;
    const file = path.join(dir, first!);
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(/\n/g, '\n  '));
    expect((await checkMigrations(database.url, dir)).ok).toBe(true);
    writeFileSync(
      file,
      original.replace('create schema if not exists private', 'create schema if not exists privat'),
    );
    expect((await checkMigrations(database.url, dir)).problems).toEqual([
      { kind: 'edited', version: first!.slice(0, 14), file: first },
    ]);
  });

  it('refuses when an applied migration is missing from the repository', async () => {
    const dir = migrationsCopy();
    const removed = files.at(-1)!;
    rmSync(path.join(dir, removed));
    const check = await checkMigrations(database.url, dir);
    expect(check.problems).toEqual([
      { kind: 'missing', version: removed.slice(0, 14), name: removed.slice(15, -4) },
    ]);
    expect(runCheck(database.url, dir).status).toBe(1);
  });

  it('lets a new migration through as pending', async () => {
    const dir = migrationsCopy();
    const added = '29991231000000_later_change.sql';
    writeFileSync(path.join(dir, added), '-- A later change.\nselect 1;\n');
    const check = await checkMigrations(database.url, dir);
    expect(check.ok).toBe(true);
    expect(check.pending).toEqual([added]);
  });

  describe('on a project never pushed to', () => {
    const scratch = `pm_guard_${process.pid}`;
    afterAll(() => dropDatabase(database.adminUrl, scratch));

    it('accepts, with every migration pending', async () => {
      const admin = new pg.Client({ connectionString: database.adminUrl });
      await admin.connect();
      await admin.query(`create database ${scratch}`);
      await admin.end();
      const check = await checkMigrations(databaseUrl(database.adminUrl, scratch), migrationsDir);
      expect(check).toEqual({ ok: true, applied: [], pending: files, problems: [] });
    });
  });
});
