-- Local Supabase platform layer.
--
-- A hosted Supabase project already has everything in this file; it is NOT a migration and is
-- never pushed to a real project. `pnpm db:migrate` applies it first to databases that have no
-- `auth.users` table (a local cluster, an embedded PostgreSQL, a test database), so that our
-- migrations meet the same roles, schemas, auth functions and default privileges they meet in
-- production. It reproduces Supabase's documented behaviour, not its implementation.
--
-- Objects: roles anon, authenticated, service_role, authenticator; schemas auth and extensions;
-- table auth.users; functions auth.uid(), auth.role(), auth.email(), auth.jwt(); Supabase's
-- default privileges in schema public. Safe to run more than once.

-- Roles are cluster-wide, so they may already exist from another database of this cluster.
do $roles$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  -- The service role bypasses row-level security, as in Supabase.
  if not exists (select from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  -- PostgREST logs in as authenticator and switches to one of the three roles per request; so
  -- does our API. NOINHERIT and a member of those three only: SET ROLE is checked against the
  -- session user, so its sessions can never become a superuser. No password here: the main
  -- job sets one for its cluster; test clusters trust loopback logins.
  if not exists (select from pg_catalog.pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
end
$roles$;

grant anon, authenticated, service_role to authenticator;

create schema if not exists extensions;
grant usage on schema extensions to anon, authenticated, service_role;

create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

-- The columns of Supabase's auth.users that this project and its demo data use.
create table if not exists auth.users (
  id uuid primary key,
  aud varchar(255) default 'authenticated',
  role varchar(255) default 'authenticated',
  email varchar(255),
  raw_app_meta_data jsonb not null default '{}'::jsonb,
  raw_user_meta_data jsonb not null default '{}'::jsonb,
  is_anonymous boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table auth.users is
  'Local stand-in for Supabase Auth''s users table (a subset of its columns).';

-- Like Supabase's own, these are plain SQL functions without a SET clause, so PostgreSQL can
-- inline them into the queries that call them; they name pg_catalog and auth explicitly.
--
-- The verified JWT claims of the current request. PostgREST sets `request.jwt.claims`
-- transaction-locally; older versions set one `request.jwt.claim.<name>` per claim.
create or replace function auth.jwt()
returns jsonb
language sql
stable
as $$
  select coalesce(
    nullif(pg_catalog.current_setting('request.jwt.claim', true), ''),
    nullif(pg_catalog.current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

create or replace function auth.uid()
returns uuid
language sql
stable
as $$
  select coalesce(
    nullif(pg_catalog.current_setting('request.jwt.claim.sub', true), ''),
    auth.jwt() ->> 'sub'
  )::uuid
$$;

create or replace function auth.role()
returns text
language sql
stable
as $$
  select coalesce(
    nullif(pg_catalog.current_setting('request.jwt.claim.role', true), ''),
    auth.jwt() ->> 'role'
  )
$$;

create or replace function auth.email()
returns text
language sql
stable
as $$
  select coalesce(
    nullif(pg_catalog.current_setting('request.jwt.claim.email', true), ''),
    auth.jwt() ->> 'email'
  )
$$;

grant execute on function auth.jwt(), auth.uid(), auth.role(), auth.email()
  to anon, authenticated, service_role;

-- Supabase's defaults that matter most: everything created in schema public is granted to
-- the three API roles, so row-level security is the only fence unless a migration revokes.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
