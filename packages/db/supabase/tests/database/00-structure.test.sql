-- Structure: the promises the migrations make about tables, policies, privileges and functions
-- (DESIGN.md §4–§8). Where a rule covers every object of a kind, it is a query over the
-- catalog that lists the offenders, so a table or function added later is checked too.
begin;
create extension if not exists pgtap with schema extensions;

-- 12 of the assertions below are generated from the catalog, one per table in public
-- (authenticated's privileges); tables_are pins that count.
select plan(139);

------------------------------------------------------------------------------------------------
-- Tables
------------------------------------------------------------------------------------------------

select tables_are(
  'public',
  array[
    'organizations', 'chapters', 'organization_members', 'peer_mentors', 'peer_mentor_chapters',
    'coordinator_chapters', 'peer_mentor_status', 'peer_mentor_status_log', 'peer_mentor_certifications',
    'peer_mentor_status_notes', 'organization_selections', 'organization_membership_log'
  ],
  'public holds exactly the twelve tables of the data model (notes apart since issue 16: need to know)'
);

select is_empty(
  $$ select c.oid::regclass::text
     from pg_catalog.pg_class c
     where c.relnamespace in ('public'::regnamespace, 'private'::regnamespace)
       and c.relkind in ('r', 'p')
       and not c.relrowsecurity $$,
  'every table in public and private has row-level security enabled'
);

select is_empty(
  $$ select c.oid::regclass::text
     from pg_catalog.pg_class c
     where c.relnamespace = 'public'::regnamespace
       and c.relkind in ('r', 'p')
       and not exists (
         select from pg_catalog.pg_constraint k where k.conrelid = c.oid and k.contype = 'p') $$,
  'every table in public has a primary key'
);

------------------------------------------------------------------------------------------------
-- Policies: one permissive SELECT policy per table, for authenticated
------------------------------------------------------------------------------------------------

create temporary table expected_policies (table_name name, policy_name name) on commit drop;
insert into expected_policies values
  ('organizations', 'Members read their organization'),
  ('chapters', 'Members read their organization''s chapters'),
  ('organization_members', 'Users read own memberships; staff read their organization''s'),
  ('peer_mentors', 'Staff read org mentors; mentors read themselves'),
  ('peer_mentor_chapters', 'Staff read org mentor chapters; mentors read their own'),
  ('coordinator_chapters', 'Staff read org coordinator assignments'),
  ('peer_mentor_status', 'Staff read org statuses; mentors read their own'),
  ('peer_mentor_status_log', 'Staff read org status log; mentors read their own'),
  ('peer_mentor_certifications', 'Staff read org certifications; mentors read their own'),
  ('peer_mentor_status_notes', 'Need to know: the mentor, her chapters'' coordinators and org admins read notes'),
  ('organization_selections', 'Users read their own organization selection'),
  ('organization_membership_log', 'Org admins read their organization''s membership log');

select policies_are('public', table_name, array[policy_name],
  format('%s has exactly one policy, "%s"', table_name, policy_name))
from expected_policies order by table_name;

select policy_roles_are('public', table_name, policy_name, array['authenticated'],
  format('the policy on %s applies to authenticated only', table_name))
from expected_policies order by table_name;

select policy_cmd_is('public', table_name, policy_name, 'select',
  format('the policy on %s is FOR SELECT', table_name))
from expected_policies order by table_name;

select is_empty(
  $$ select c.oid::regclass::text, count(p.oid)
     from pg_catalog.pg_class c
     left join pg_catalog.pg_policy p on p.polrelid = c.oid
     where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
     group by c.oid
     having count(p.oid) <> 1 $$,
  'every table in public has exactly one policy'
);

select is_empty(
  $$ select tablename, policyname, permissive, roles, cmd
     from pg_catalog.pg_policies
     where schemaname = 'public'
       and (permissive <> 'PERMISSIVE' or roles <> array['authenticated']::name[] or cmd <> 'SELECT') $$,
  'no policy in public is restrictive, applies to another role, or covers a command other than SELECT'
);

------------------------------------------------------------------------------------------------
-- Comments
------------------------------------------------------------------------------------------------

select is_empty(
  $$ select p.polrelid::regclass::text, p.polname
     from pg_catalog.pg_policy p
     join pg_catalog.pg_class c on c.oid = p.polrelid
     where c.relnamespace in ('public'::regnamespace, 'private'::regnamespace)
       and obj_description(p.oid, 'pg_policy') is null $$,
  'every policy has a comment'
);

select is_empty(
  $$ select c.oid::regclass::text
     from pg_catalog.pg_class c
     where c.relnamespace in ('public'::regnamespace, 'private'::regnamespace)
       and c.relkind in ('r', 'p')
       and obj_description(c.oid, 'pg_class') is null $$,
  'every table in public and private has a comment'
);

select is_empty(
  $$ select t.oid::regtype::text
     from pg_catalog.pg_type t
     where t.typnamespace in ('public'::regnamespace, 'private'::regnamespace)
       and t.typtype = 'e'
       and obj_description(t.oid, 'pg_type') is null $$,
  'every enum type has a comment'
);

select ok(
  obj_description(to_regnamespace('private'), 'pg_namespace') is not null,
  'schema private has a comment'
);

select is_empty(
  $$ select p.oid::regprocedure::text
     from pg_catalog.pg_proc p
     where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
       and obj_description(p.oid, 'pg_proc') is null $$,
  'every function in public and private has a comment'
);

------------------------------------------------------------------------------------------------
-- Table and sequence privileges
------------------------------------------------------------------------------------------------

select is_empty(
  $$ select c.oid::regclass::text
     from pg_catalog.pg_class c
     where c.relnamespace = 'public'::regnamespace
       and c.relkind in ('r', 'p', 'v', 'm', 'f')
       and (has_table_privilege('anon', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
         or has_any_column_privilege('anon', c.oid, 'SELECT, INSERT, UPDATE, REFERENCES')) $$,
  'anon holds no privilege on any table in public'
);

-- Generated: one assertion per table in public (11 while tables_are holds).
select table_privs_are('public', c.relname, 'authenticated', array['SELECT'],
  format('authenticated may only SELECT from %s (writes go through the RPCs)', c.relname))
from pg_catalog.pg_class c
where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
order by c.relname;

select table_privs_are('public', table_name, 'service_role', privileges, description)
from (values
  ('organizations', array['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'service_role maintains organizations'),
  ('chapters', array['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'service_role maintains chapters'),
  ('organization_members', array['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'service_role maintains organization_members'),
  ('peer_mentors', array['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'service_role maintains peer_mentors'),
  ('peer_mentor_chapters', array['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'service_role maintains peer_mentor_chapters'),
  ('coordinator_chapters', array['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'service_role maintains coordinator_chapters'),
  ('peer_mentor_certifications', array['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'service_role maintains peer_mentor_certifications'),
  ('peer_mentor_status', array['SELECT'], 'service_role only reads peer_mentor_status (changes go through the transition)'),
  ('peer_mentor_status_log', array['SELECT'], 'service_role only reads peer_mentor_status_log (append-only, written by the transition)'),
  ('organization_selections', array['SELECT'], 'service_role only reads organization_selections (switch_organization writes them)'),
  ('organization_membership_log', array['SELECT'], 'service_role only reads organization_membership_log (append-only, written by the administration RPCs)')
) as expected (table_name, privileges, description)
order by table_name;

select is_empty(
  $$ select c.oid::regclass::text,
            case a.grantee when 0 then 'PUBLIC' else pg_catalog.pg_get_userbyid(a.grantee) end,
            a.privilege_type
     from pg_catalog.pg_class c
     cross join lateral aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
     where c.relnamespace = 'public'::regnamespace
       and c.relkind in ('r', 'p', 'v', 'm', 'f')
       and a.grantee <> c.relowner
       and a.privilege_type in ('TRUNCATE', 'REFERENCES', 'TRIGGER') $$,
  'nobody but the owner holds TRUNCATE, REFERENCES or TRIGGER on a table in public'
);

select is_empty(
  $$ select s.oid::regclass::text, r.role_name
     from pg_catalog.pg_class s
     cross join unnest(array['anon', 'authenticated', 'service_role']) as r (role_name)
     where s.relnamespace = 'public'::regnamespace
       and s.relkind = 'S'
       and case when s.relkind = 'S' then has_sequence_privilege(r.role_name, s.oid, 'USAGE, SELECT, UPDATE') end $$,
  'no client role holds a privilege on a sequence in public (the status log''s identity sequence included)'
);

------------------------------------------------------------------------------------------------
-- Function privileges
------------------------------------------------------------------------------------------------

select is_empty(
  $$ select p.oid::regprocedure::text
     from pg_catalog.pg_proc p
     where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
       and has_function_privilege('anon', p.oid, 'EXECUTE') $$,
  'anon cannot execute any function in public or private'
);

select function_privs_are('public', function_name, args, role_name, array['EXECUTE'],
  format('%s may execute %s', role_name, function_name))
from (values
  ('activate_pause', array['uuid', 'uuid', 'text', 'text', 'date']),
  ('deactivate_pause', array['uuid', 'uuid', 'text']),
  ('get_active_pauses_for_chapter', array['uuid', 'uuid']),
  ('switch_organization', array['uuid']),
  ('change_member_role', array['uuid', 'uuid', 'member_role']),
  ('remove_member', array['uuid', 'uuid']),
  ('assign_coordinator_chapter', array['uuid', 'uuid', 'uuid']),
  ('unassign_coordinator_chapter', array['uuid', 'uuid', 'uuid']),
  ('add_mentor_chapter', array['uuid', 'uuid', 'uuid']),
  ('remove_mentor_chapter', array['uuid', 'uuid', 'uuid']),
  ('requeue_parked_events', array['uuid', 'uuid[]'])
) as rpc (function_name, args)
cross join (values ('authenticated'), ('service_role')) as roles (role_name)
order by function_name, role_name;

select is_empty(
  $$ select p.oid::regprocedure::text
     from pg_catalog.pg_proc p
     cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
     where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
       and a.grantee = 0
       and a.privilege_type = 'EXECUTE' $$,
  'PUBLIC holds EXECUTE on no function in public or private'
);

select function_privs_are('private', function_name, args, 'authenticated', array[]::name[],
  format('authenticated cannot execute private.%s (it runs only inside security-definer code)', function_name))
from (values
  ('coordinates_peer_mentor', array['uuid', 'uuid']),
  ('lock_peer_mentor', array['uuid']),
  ('pause_locking_actor_roles', array[]::text[])
) as helper (function_name, args)
order by function_name;

------------------------------------------------------------------------------------------------
-- Function properties
------------------------------------------------------------------------------------------------

-- The one exception is private.run_nightly_jobs (20261203000000), the procedure pg_cron calls:
-- it commits after each batch, and PostgreSQL forbids transaction control in a routine with a
-- SET clause. The two assertions after this one hold it to the same effect by other means.
select is_empty(
  $$ select p.oid::regprocedure::text, p.proconfig
     from pg_catalog.pg_proc p
     where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
       and p.oid is distinct from to_regprocedure('private.run_nightly_jobs(integer, interval)')
       and not (coalesce(p.proconfig, '{}') @> array['search_path=""']) $$,
  'every function in public and private has a fixed, empty search_path (but the committing procedure below)'
);
select isnt_definer('private', 'run_nightly_jobs', array['integer', 'interval'],
  'private.run_nightly_jobs runs with its caller''s rights, so its search_path cannot lend anyone the owner''s');
select ok(
  (select p.prosrc ~ $re$loop\s+perform pg_catalog\.set_config\('search_path', '', true\);$re$
   from pg_catalog.pg_proc p where p.oid = to_regprocedure('private.run_nightly_jobs(integer, interval)')),
  'private.run_nightly_jobs empties its search_path first thing in each transaction'
);

select isnt_definer('public', 'activate_pause', array['uuid', 'uuid', 'text', 'text', 'date'],
  'activate_pause runs with the caller''s rights (SECURITY INVOKER)');
select isnt_definer('public', 'deactivate_pause', array['uuid', 'uuid', 'text'],
  'deactivate_pause runs with the caller''s rights (SECURITY INVOKER)');
select isnt_definer('public', 'get_active_pauses_for_chapter', array['uuid', 'uuid'],
  'get_active_pauses_for_chapter runs with the caller''s rights (SECURITY INVOKER)');

select is_empty(
  $$ select p.oid::regprocedure::text
     from pg_catalog.pg_proc p
     where p.pronamespace = 'public'::regnamespace and p.prosecdef $$,
  'no function in public is SECURITY DEFINER'
);

select set_eq(
  $$ select p.oid::regprocedure::text
     from pg_catalog.pg_proc p
     where p.pronamespace = 'private'::regnamespace and p.prosecdef $$,
  $$ values
       -- The caller's context (20261207000000): policies read the membership tables through it.
       (to_regprocedure('private.caller_context()')::text),
       (to_regprocedure('private.active_membership_role()')::text),
       (to_regprocedure('private.own_peer_mentor_id()')::text),
       (to_regprocedure('private.assert_caller_in_organization(uuid)')::text),
       (to_regprocedure('private.transition_peer_mentor_status(public.pause_status, uuid, uuid, public.pause_reason_code, text, date)')::text),
       (to_regprocedure('private.create_peer_mentor_status()')::text),
       -- They keep private.paused_mentor_chapters equal to the status rows, whoever writes
       -- the status or a chapter link (20261207000000).
       (to_regprocedure('private.sync_paused_chapters_of_status()')::text),
       (to_regprocedure('private.sync_paused_chapter_link()')::text),
       -- get_active_pauses_for_chapter's body: the caller resolved once (20261207000000).
       (to_regprocedure('private.list_chapter_pauses(uuid, uuid)')::text),
       -- The notes policy's coordinator probe, for the caller's own assignments (20261208000000).
       (to_regprocedure('private.caller_coordinates_peer_mentor(uuid)')::text),
       -- The outbox dispatcher's functions (20260401000000): nobody holds a privilege on
       -- private.status_change_outbox, so these are the only ways to change it.
       (to_regprocedure('private.claim_status_changes(text, integer, integer)')::text),
       (to_regprocedure('private.mark_status_change_delivered(uuid, uuid, text)')::text),
       (to_regprocedure('private.retry_status_change_later(uuid, uuid, integer, text)')::text),
       (to_regprocedure('private.release_status_change(uuid, uuid, integer, text)')::text),
       (to_regprocedure('private.park_status_change(uuid, uuid, text)')::text),
       (to_regprocedure('private.requeue_parked_status_changes(uuid[])')::text),
       -- The dispatchers' shared request pace (20261204000000): nobody holds a privilege on
       -- private.dynamics_send_pace either.
       (to_regprocedure('private.take_dynamics_send_permits(integer, double precision, integer, integer)')::text),
       (to_regprocedure('private.slow_dynamics_sends(integer, double precision)')::text),
       -- The nightly jobs' entry point (20260402000000): nobody holds a privilege on the run
       -- tables, and it takes the system's claims from its caller like the transition core.
       (to_regprocedure('private.run_scheduler_step(uuid, text[], timestamptz, date, integer, text, boolean, integer)')::text),
       -- The organization claim's lifecycle (20261202000000): the hook's one read, and the
       -- write paths of switch_organization and the membership administration RPCs.
       (to_regprocedure('private.organization_claim_for(uuid)')::text),
       (to_regprocedure('private.record_organization_selection(uuid)')::text),
       (to_regprocedure('private.change_member_role(uuid, uuid, public.member_role)')::text),
       (to_regprocedure('private.remove_member(uuid, uuid)')::text),
       (to_regprocedure('private.assign_coordinator_chapter(uuid, uuid, uuid)')::text),
       (to_regprocedure('private.unassign_coordinator_chapter(uuid, uuid, uuid)')::text),
       (to_regprocedure('private.add_mentor_chapter(uuid, uuid, uuid)')::text),
       (to_regprocedure('private.remove_mentor_chapter(uuid, uuid, uuid)')::text),
       -- The console's organization read paths (20261206000000): the caller's own
       -- memberships by organization name, and people by name on need to know.
       (to_regprocedure('private.caller_organizations()')::text),
       (to_regprocedure('private.member_directory_rows()')::text),
       -- The console's operations panel (20261206000100): the readers behind the operations
       -- views (each reads only the caller's organization, for its org admins) and requeue.
       (to_regprocedure('private.operations_outbox_backlog()')::text),
       (to_regprocedure('private.operations_parked_events()')::text),
       (to_regprocedure('private.operations_nightly_runs()')::text),
       (to_regprocedure('private.requeue_parked_events(uuid, uuid[])')::text) $$,
  'the SECURITY DEFINER functions in private are exactly the caller''s context and the three policy helpers, the identity check, the transition core, the chapter pause list, the status-row trigger, the paused-chapter triggers, the outbox functions, the nightly jobs'' step, the claim lifecycle''s read and write paths, the console''s organization read paths and the operations panel''s readers and requeue'
);

select volatility_is('public', 'get_active_pauses_for_chapter', array['uuid', 'uuid'], 'stable',
  'get_active_pauses_for_chapter is STABLE (PostgREST runs it read-only and allows GET)');
select volatility_is('public', 'activate_pause', array['uuid', 'uuid', 'text', 'text', 'date'], 'volatile',
  'activate_pause is VOLATILE');
select volatility_is('public', 'deactivate_pause', array['uuid', 'uuid', 'text'], 'volatile',
  'deactivate_pause is VOLATILE');

------------------------------------------------------------------------------------------------
-- The wire contract: argument names, defaults, return types
------------------------------------------------------------------------------------------------

select is(
  (select p.proargnames from pg_catalog.pg_proc p
   where p.oid = to_regprocedure('public.activate_pause(uuid, uuid, text, text, date)')),
  array['p_peer_mentor_id', 'p_organization_id', 'p_reason_code', 'p_note', 'p_expected_end'],
  'activate_pause takes (p_peer_mentor_id, p_organization_id, p_reason_code, p_note, p_expected_end)'
);
select is(
  (select p.pronargdefaults::integer from pg_catalog.pg_proc p
   where p.oid = to_regprocedure('public.activate_pause(uuid, uuid, text, text, date)')),
  2,
  'activate_pause: p_note and p_expected_end have defaults'
);
select is(
  (select p.proargnames from pg_catalog.pg_proc p
   where p.oid = to_regprocedure('public.deactivate_pause(uuid, uuid, text)')),
  array['p_peer_mentor_id', 'p_organization_id', 'p_note'],
  'deactivate_pause takes (p_peer_mentor_id, p_organization_id, p_note)'
);
select is(
  (select p.pronargdefaults::integer from pg_catalog.pg_proc p
   where p.oid = to_regprocedure('public.deactivate_pause(uuid, uuid, text)')),
  1,
  'deactivate_pause: p_note has a default'
);
select is(
  (select array_agg(a.name order by a.position)
   from pg_catalog.pg_proc p
   cross join lateral unnest(p.proargnames, p.proargmodes) with ordinality as a (name, mode, position)
   where p.oid = to_regprocedure('public.get_active_pauses_for_chapter(uuid, uuid)')
     and a.mode in ('i', 'b', 'v')),
  array['p_organization_id', 'p_chapter_id']::text[],
  'get_active_pauses_for_chapter takes (p_organization_id, p_chapter_id)'
);

select function_returns('public', 'activate_pause', array['uuid', 'uuid', 'text', 'text', 'date'],
  'public.peer_mentor_status_result'::regtype::text, 'activate_pause returns a peer_mentor_status_result');
select function_returns('public', 'deactivate_pause', array['uuid', 'uuid', 'text'],
  'public.peer_mentor_status_result'::regtype::text, 'deactivate_pause returns a peer_mentor_status_result');
select results_eq(
  $$ select a.attname::text collate "default", format_type(a.atttypid, a.atttypmod)
     from pg_catalog.pg_attribute a join pg_catalog.pg_type t on t.typrelid = a.attrelid
     where t.oid = 'public.peer_mentor_status_result'::regtype and a.attnum > 0 and not a.attisdropped
     order by a.attnum $$,
  $$ select x.name, x.type from (
       select a.attname::text collate "default" as name, format_type(a.atttypid, a.atttypmod) as type,
              a.attnum::numeric as position
       from pg_catalog.pg_attribute a
       where a.attrelid = 'public.peer_mentor_status'::regclass and a.attnum > 0 and not a.attisdropped
       union all
       select 'note', 'text', 4.5) x
     order by x.position $$,
  'the write RPCs return the status row''s columns in order, with the pause''s note after reason_code (the wire shape before issue 16)');
select function_returns('public', 'get_active_pauses_for_chapter', array['uuid', 'uuid'],
  'setof record', 'get_active_pauses_for_chapter returns a set of rows');

select results_eq(
  $$ select a.name::text collate "default", a.type::regtype::text
     from pg_catalog.pg_proc p
     cross join lateral unnest(p.proargnames, p.proallargtypes, p.proargmodes)
       with ordinality as a (name, type, mode, position)
     where p.oid = to_regprocedure('public.get_active_pauses_for_chapter(uuid, uuid)')
       and a.mode = 't'
     order by a.position $$,
  $$ values
       ('peer_mentor_id', 'uuid'::regtype::text),
       ('display_name', 'text'::regtype::text),
       ('reason_code', 'public.pause_reason_code'::regtype::text),
       ('note', 'text'::regtype::text),
       ('paused_at', 'timestamptz'::regtype::text),
       ('paused_by', 'uuid'::regtype::text),
       ('paused_by_role', 'public.status_actor_role'::regtype::text),
       ('expected_end', 'date'::regtype::text) $$,
  'get_active_pauses_for_chapter returns the columns of the wire contract, in order, with their types'
);

------------------------------------------------------------------------------------------------
-- Enum values
------------------------------------------------------------------------------------------------

select enum_has_labels('public', 'pause_status', array['active', 'paused'],
  'pause_status is (active, paused)');
select enum_has_labels('public', 'pause_reason_code',
  array['personal', 'health', 'vacation', 'other', 'coordinator_decision', 'certification_expired'],
  'pause_reason_code is (personal, health, vacation, other, coordinator_decision, certification_expired)');
select enum_has_labels('public', 'member_role', array['peer_mentor', 'coordinator', 'org_admin'],
  'member_role is (peer_mentor, coordinator, org_admin)');
select enum_has_labels('public', 'status_actor_role', array['peer_mentor', 'coordinator', 'org_admin', 'system'],
  'status_actor_role is (peer_mentor, coordinator, org_admin, system)');

------------------------------------------------------------------------------------------------
-- Supabase database-linter (splinter) rules, as our own checks over schema public
------------------------------------------------------------------------------------------------

select is_empty(
  $$ select tablename, policyname
     from pg_catalog.pg_policies
     where schemaname = 'public'
       and concat_ws(' ', qual, with_check) ~* '(user_metadata|raw_user_meta_data)' $$,
  'no policy reads user_metadata (end users can rewrite it)'
);

-- Beyond splinter: the helpers a policy calls must not read it either.
select is_empty(
  $$ select p.oid::regprocedure::text
     from pg_catalog.pg_proc p
     where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
       and p.prosrc ~* '(user_metadata|raw_user_meta_data)' $$,
  'no function in public or private reads user_metadata'
);

-- pg_policies prints a wrapped call as "( SELECT private.f() AS f)", or, reading one field of
-- the caller's context, "( SELECT (private.caller_context()).field AS field)". One call is per
-- row on purpose (20261208000000): the notes policy's coordinator probe, run only for the rows
-- the mentor and org-admin branches leave, instead of an array of all her mentors per statement.
select is_empty(
  $$ select tablename, policyname, concat_ws(' / ', qual, with_check)
     from pg_catalog.pg_policies
     where schemaname = 'public'
       and replace(concat_ws(' ', qual, with_check),
                   'private.caller_coordinates_peer_mentor(peer_mentor_id)', '')
           ~ '(?<!\( SELECT )(?<!\( SELECT \()\m(auth\.|private\.|current_setting\()' $$,
  'every auth.*, private.* or current_setting call in a policy is wrapped in (select ...), so it runs once per statement (but the notes policy''s per-row coordinator probe)'
);

select is_empty(
  $$ select k.conrelid::regclass::text, k.conname
     from pg_catalog.pg_constraint k
     join pg_catalog.pg_class c on c.oid = k.conrelid
     where c.relnamespace = 'public'::regnamespace
       and k.contype = 'f'
       and not exists (
         select
         from pg_catalog.pg_index i
         cross join lateral (
           select (string_to_array(i.indkey::text, ' ')::smallint[])[1:cardinality(k.conkey)] as leading
         ) l
         where i.indrelid = k.conrelid
           and i.indisvalid
           and i.indnkeyatts >= cardinality(k.conkey)
           and l.leading @> k.conkey
           and l.leading <@ k.conkey) $$,
  'every foreign key in public has an index whose leading columns are exactly the key''s columns'
);

-- The columns a policy reads are the ones its expression depends on (pg_depend).
select is_empty(
  $$ select p.polrelid::regclass::text, p.polname, a.attname
     from pg_catalog.pg_policy p
     join pg_catalog.pg_class c on c.oid = p.polrelid
     join pg_catalog.pg_depend d
       on d.classid = 'pg_catalog.pg_policy'::regclass and d.objid = p.oid
      and d.refclassid = 'pg_catalog.pg_class'::regclass and d.refobjid = p.polrelid
      and d.refobjsubid > 0
     join pg_catalog.pg_attribute a on a.attrelid = p.polrelid and a.attnum = d.refobjsubid
     where c.relnamespace = 'public'::regnamespace
       and not exists (
         select from pg_catalog.pg_index i
         where i.indrelid = p.polrelid and i.indisvalid and i.indkey[0] = d.refobjsubid) $$,
  'every column a policy in public filters on is the leading column of an index'
);

select is_empty(
  $$ select i.indrelid::regclass::text, array_agg(i.indexrelid::regclass::text order by i.indexrelid)
     from pg_catalog.pg_index i
     join pg_catalog.pg_class c on c.oid = i.indrelid
     where c.relnamespace = 'public'::regnamespace
     group by i.indrelid, i.indkey::text, i.indclass::text, i.indcollation::text, i.indoption::text,
              pg_get_expr(i.indexprs, i.indrelid), pg_get_expr(i.indpred, i.indrelid)
     having count(*) > 1 $$,
  'no table in public has two identical indexes'
);

select is_empty(
  $$ select c.oid::regclass::text
     from pg_catalog.pg_class c
     where c.relnamespace = 'public'::regnamespace
       and (c.relkind = 'm'
         or (c.relkind = 'v' and not coalesce(c.reloptions @> array['security_invoker=true'], false))) $$,
  'public has no view that runs as its owner (it would bypass row-level security): views are security_invoker, no materialized views'
);

select is_empty(
  $$ select e.extname from pg_catalog.pg_extension e where e.extnamespace = 'public'::regnamespace $$,
  'no extension is installed in schema public'
);

------------------------------------------------------------------------------------------------
-- Constraints and triggers
------------------------------------------------------------------------------------------------

select col_is_pk('public', 'peer_mentor_status', array['peer_mentor_id'],
  'peer_mentor_status is keyed by peer_mentor_id: one status row per mentor');
select col_is_unique('public', 'peer_mentor_status_log', array['peer_mentor_id', 'version'],
  'peer_mentor_status_log has unique (peer_mentor_id, version): a duplicated transition cannot be stored');

select trigger_is('public', 'peer_mentors', 'peer_mentors_create_status',
  'private', 'create_peer_mentor_status',
  'a new peer mentor gets its status row from trigger peer_mentors_create_status');
select trigger_is('public', 'peer_mentor_status_log', 'peer_mentor_status_log_append_only',
  'private', 'reject_status_log_change',
  'trigger peer_mentor_status_log_append_only rejects update and delete on the log');
select trigger_is('public', 'peer_mentor_status_log', 'peer_mentor_status_log_no_truncate',
  'private', 'reject_status_log_change',
  'trigger peer_mentor_status_log_no_truncate rejects truncate on the log');

------------------------------------------------------------------------------------------------
-- Schema private and the migration history
------------------------------------------------------------------------------------------------

select schema_privs_are('private', 'anon', array[]::name[],
  'anon has no privilege on schema private (no USAGE)');

select set_has(
  $$ select version from supabase_migrations.schema_migrations $$,
  $$ values ('20260329000000'), ('20260330000000') $$,
  'supabase_migrations.schema_migrations lists both migrations (applied with the Supabase CLI)'
);

select * from finish();
rollback;
