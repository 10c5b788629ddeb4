import { readdirSync } from 'node:fs';
import { applyPlatformLayer, cliDatabaseUrl, migrate } from '@peer-mentor/db';
import { databaseUrl, dropDatabase, useTestDatabase } from '@peer-mentor/db/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationsDir } from '../src/paths.js';

const database = useTestDatabase();

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const migrationVersions = readdirSync(migrationsDir)
  .filter((name) => name.endsWith('.sql'))
  .map((name) => name.split('_')[0])
  .sort();

describe('migrations', () => {
  it('were applied by the Supabase CLI: its history table lists every migration file', async () => {
    const rows = await query<{ version: string }>(
      database.url,
      'select version from supabase_migrations.schema_migrations order by version',
    );
    expect(rows.map((row) => row.version)).toEqual(migrationVersions);
  });

  it('migrating an up-to-date database again changes nothing and skips the platform layer', async () => {
    const fingerprint = `select md5(string_agg(format('%s.%s', n.nspname, c.relname), ',' order by 1))
      as digest from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname in ('public', 'private', 'auth')`;
    const before = await query(database.url, fingerprint);
    const log: string[] = [];
    await migrate(database.url, (line) => log.push(line));
    expect(log.join('\n')).toContain('platform layer skipped');
    expect(await query(database.url, fingerprint)).toEqual(before);
  });
});

describe('the local Supabase platform layer', () => {
  const scratch = `pm_platform_${process.pid}`;
  afterAll(() => dropDatabase(database.adminUrl, scratch));

  it('is applied to an empty database and skipped once its auth tables exist', async () => {
    await query(database.adminUrl, `create database ${scratch}`);
    const url = databaseUrl(database.adminUrl, scratch);
    expect(await applyPlatformLayer(url)).toBe('applied');
    expect(await applyPlatformLayer(url)).toBe('skipped');
    const [roles] = await query<{ roles: string[]; bypass: boolean }>(
      url,
      `select array_agg(rolname::text order by rolname) as roles,
              bool_or(rolbypassrls) filter (where rolname = 'service_role') as bypass
       from pg_roles where rolname in ('anon', 'authenticated', 'service_role', 'authenticator')`,
    );
    expect(roles).toEqual({
      roles: ['anon', 'authenticated', 'authenticator', 'service_role'],
      bypass: true,
    });
  });

  it('is applied again over an older copy of itself (users only), adding what sign-in needs', async () => {
    const older = `${scratch}_older`;
    await query(database.adminUrl, `create database ${older}`);
    try {
      const url = databaseUrl(database.adminUrl, older);
      await query(
        url,
        `create schema auth;
         create table auth.users (id uuid primary key, email varchar(255),
           raw_app_meta_data jsonb not null default '{}', raw_user_meta_data jsonb not null default '{}',
           is_anonymous boolean not null default false, created_at timestamptz not null default now(),
           updated_at timestamptz not null default now())`,
      );
      expect(await applyPlatformLayer(url)).toBe('applied');
      const [state] = await query<{ columns: string[]; tables: string[]; role: boolean }>(
        url,
        `select array(select column_name::text from information_schema.columns
                      where table_schema = 'auth' and table_name = 'users'
                        and column_name in ('encrypted_password', 'email_confirmed_at') order by 1) as columns,
                array(select table_name::text from information_schema.tables
                      where table_schema = 'auth' order by 1) as tables,
                exists (select from pg_roles where rolname = 'supabase_auth_admin' and rolcanlogin) as role`,
      );
      expect(state).toEqual({
        columns: ['email_confirmed_at', 'encrypted_password'],
        tables: ['refresh_tokens', 'sessions', 'users'],
        role: true,
      });
    } finally {
      await dropDatabase(database.adminUrl, older);
    }
  });

  it('reproduces Supabase default privileges: a new public table is open to the API roles', async () => {
    const url = databaseUrl(database.adminUrl, scratch);
    await query(url, 'create table public.probe (id int)');
    const rows = await query<{ role: string; can_select: boolean; can_delete: boolean }>(
      url,
      `select r as role, has_table_privilege(r, 'public.probe', 'select') as can_select,
              has_table_privilege(r, 'public.probe', 'delete') as can_delete
       from unnest(array['anon', 'authenticated', 'service_role']) as r order by r`,
    );
    expect(rows).toEqual([
      { role: 'anon', can_select: true, can_delete: true },
      { role: 'authenticated', can_select: true, can_delete: true },
      { role: 'service_role', can_select: true, can_delete: true },
    ]);
  });

  it('auth.uid(), auth.role() and auth.jwt() read the request claims as PostgREST sets them', async () => {
    const url = databaseUrl(database.adminUrl, scratch);
    const [claims] = await query(
      url,
      `select set_config('request.jwt.claims', '{"sub":"9f6c2d7e-1b3a-4c5d-8e9f-0a1b2c3d4e5f","role":"authenticated"}', false),
              auth.uid()::text as uid, auth.role() as role, auth.jwt() ->> 'sub' as sub`,
    );
    expect(claims).toMatchObject({
      uid: '9f6c2d7e-1b3a-4c5d-8e9f-0a1b2c3d4e5f',
      role: 'authenticated',
      sub: '9f6c2d7e-1b3a-4c5d-8e9f-0a1b2c3d4e5f',
    });
  });
});

describe('cliDatabaseUrl', () => {
  it('turns TLS off for loopback servers only', () => {
    expect(cliDatabaseUrl('postgresql://postgres@127.0.0.1:5432/db')).toBe(
      'postgresql://postgres@127.0.0.1:5432/db?sslmode=disable',
    );
    expect(cliDatabaseUrl('postgresql://postgres@db.example.supabase.co:5432/postgres')).toBe(
      'postgresql://postgres@db.example.supabase.co:5432/postgres',
    );
  });
});
