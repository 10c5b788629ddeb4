import { cliDatabaseUrl, runSupabaseCli } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

const database = useTestDatabase();

/** `supabase db lint` (plpgsql_check over every function) on our two schemas. */
async function lint(): Promise<{ exitedCleanly: boolean; report: unknown[] }> {
  const args = ['db', 'lint', '--db-url', cliDatabaseUrl(database.url)];
  const options = ['--schema', 'public,private', '--level', 'warning', '--fail-on', 'warning'];
  try {
    const stdout = await runSupabaseCli([...args, ...options]);
    return { exitedCleanly: true, report: stdout.trim() ? JSON.parse(stdout) : [] };
  } catch (error) {
    const output = String((error as Error).message);
    const json = output.slice(output.indexOf('['), output.lastIndexOf(']') + 1);
    return { exitedCleanly: false, report: json ? JSON.parse(json) : [output] };
  }
}

describe('supabase db lint', () => {
  it('finds no error or warning in the migrated schemas', async () => {
    expect(await lint()).toEqual({ exitedCleanly: true, report: [] });
  });

  it('would catch a broken function (the check above can fail)', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(`create function private.lint_probe() returns integer language plpgsql
        set search_path = '' as $$ begin return missing_column; end $$`);
      const result = await lint();
      expect(result.exitedCleanly).toBe(false);
      expect(JSON.stringify(result.report)).toContain('private.lint_probe');
    } finally {
      await client.query('drop function if exists private.lint_probe()');
      await client.end();
    }
  });
});
