/**
 * Supabase's database linter (Splinter, what the Dashboard's Security Advisor shows), the
 * rules that apply to our migrations, run against the migrated schema: a warning fails the
 * test unless supabase/splinter-exceptions.json accepts it for that exact object, with a
 * reason. An accepted exception names one signature, so it cannot hide a new warning, even on
 * a function of the same name; an exception that no longer matches a warning fails too.
 *
 * function_search_path_mutable (lint 0011): a function or procedure outside the schemas
 * Supabase manages, not created by an extension, whose configuration does not set
 * search_path to ''.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { useTestDatabase } from '@peer-mentor/db/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { supabaseDir } from '../src/paths.js';

const database = useTestDatabase();

/** The schemas Splinter leaves out of lint 0011 (Supabase's and extensions' own). */
const SUPABASE_MANAGED_SCHEMAS = [
  '_timescaledb_cache',
  '_timescaledb_catalog',
  '_timescaledb_config',
  '_timescaledb_internal',
  'auth',
  'cron',
  'extensions',
  'graphql',
  'graphql_public',
  'information_schema',
  'net',
  'pgbouncer',
  'pg_catalog',
  'pgroonga',
  'pgsodium',
  'pgsodium_masks',
  'pgtle',
  'realtime',
  'repack',
  'storage',
  'supabase_functions',
  'supabase_migrations',
  'tiger',
  'topology',
  'vault',
];

interface AcceptedWarning {
  object: string;
  reason: string;
}
type Exceptions = Record<string, AcceptedWarning[]>;

function readExceptions(): Exceptions {
  const { $comment: _comment, ...lints } = JSON.parse(
    readFileSync(path.join(supabaseDir, 'splinter-exceptions.json'), 'utf8'),
  ) as Exceptions & { $comment?: string };
  return lints;
}

/** Lint 0011 as Splinter defines it: the objects it warns about, as regprocedure text. */
async function functionSearchPathMutable(client: pg.Client): Promise<string[]> {
  await client.query('set search_path = pg_catalog');
  const { rows } = await client.query<{ object: string }>(
    `select p.oid::regprocedure::text as object
     from pg_proc p
     join pg_namespace n on n.oid = p.pronamespace
     where n.nspname <> all ($1)
       and n.nspname not like 'pg_temp%' and n.nspname not like 'pg_toast%'
       and not exists (
         select from pg_depend d
         where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
       and not coalesce(p.proconfig, '{}') && array['search_path=""']
     order by 1`,
    [SUPABASE_MANAGED_SCHEMAS],
  );
  return rows.map((row) => row.object);
}

/** The warnings no exception accepts, and the exceptions that match no warning. */
function compare(warnings: string[], accepted: AcceptedWarning[]) {
  const objects = new Set(accepted.map((entry) => entry.object));
  return {
    unaccepted: warnings.filter((object) => !objects.has(object)),
    stale: accepted
      .filter((entry) => !warnings.includes(entry.object))
      .map((entry) => entry.object),
  };
}

async function withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe("Splinter's function_search_path_mutable", () => {
  it('warns about nothing but the accepted exceptions, each with its reason, none stale', async () => {
    const accepted = readExceptions().function_search_path_mutable ?? [];
    for (const entry of accepted) expect(entry.reason.length, entry.object).toBeGreaterThan(40);
    const warnings = await withClient(functionSearchPathMutable);
    expect(compare(warnings, accepted)).toEqual({ unaccepted: [], stale: [] });
  });

  it('an exception names one signature: a new routine of the same name still warns', async () => {
    const accepted = readExceptions().function_search_path_mutable ?? [];
    await withClient(async (client) => {
      await client.query(`create procedure private.run_nightly_jobs(p_note text)
        language plpgsql as $$ begin perform 1; end $$`);
      await client.query(`create function private.lint_probe() returns integer
        language sql as $$ select 1 $$`);
      try {
        const warnings = await functionSearchPathMutable(client);
        expect(compare(warnings, accepted)).toEqual({
          unaccepted: ['private.lint_probe()', 'private.run_nightly_jobs(text)'],
          stale: [],
        });
      } finally {
        await client.query('drop procedure private.run_nightly_jobs(text)');
        await client.query('drop function private.lint_probe()');
      }
    });
  });
});
