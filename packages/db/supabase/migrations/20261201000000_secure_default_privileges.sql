-- Deny by default for objects that later migrations create (issue 16, item 4).
--
-- Touches only default privileges (pg_default_acl) of the role that runs the migrations
-- (`postgres` on Supabase and locally); no existing object changes.
--
-- Why: `alter default privileges in schema … revoke execute … from public` (our first
-- migration) removes nothing, because schema-level default privileges can only add to the
-- global ones, and PostgreSQL's global default grants EXECUTE on every new function to PUBLIC.
-- So a new function in public or private was callable by anon and authenticated. And
-- Supabase's defaults grant ALL on every new table and sequence in public (TRUNCATE included)
-- to anon and authenticated, with row-level security off until a migration turns it on.
--
-- After this migration a new function is executable by its owner only, and a new table or
-- sequence in public is usable by service_role only, until the migration that creates it grants
-- more (as every migration here already does, right after each object).

-- The global default: no EXECUTE for PUBLIC on new functions, in any schema.
alter default privileges revoke execute on functions from public;
-- Supabase's schema-level defaults in public: nothing for the client roles.
alter default privileges in schema public revoke execute on functions from anon, authenticated;
alter default privileges in schema public revoke all on tables from anon, authenticated;
alter default privileges in schema public revoke all on sequences from anon, authenticated;
