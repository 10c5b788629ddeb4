-- The organization claim's lifecycle (DESIGN §14): the Custom Access Token Hook (claims in,
-- claims out, every branch, run as supabase_auth_admin), switch_organization, and the
-- membership administration RPCs with their audit log, for every kind of caller.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(148);

-- Calls the hook as Supabase Auth does: as supabase_auth_admin, with GoTrue's input shape.
create function tests.hook(p_user_id text, p_claims jsonb, p_method text default 'password')
returns jsonb
language plpgsql
as $$
declare
  v_result jsonb;
begin
  perform set_config('role', 'supabase_auth_admin', true);
  perform set_config('request.jwt.claims', '', true);
  v_result := public.custom_access_token_hook(jsonb_build_object(
    'user_id', p_user_id, 'claims', p_claims, 'authentication_method', p_method));
  perform set_config('role', 'none', true);
  return v_result;
end
$$;

-- The claims Supabase Auth makes before the hook (required ones, and some app_metadata).
create function tests.gotrue_claims(p_user text, p_app_metadata jsonb default '{"provider":"email","providers":["email"]}')
returns jsonb
language sql
as $$
  select jsonb_build_object(
    'iss', 'http://127.0.0.1:54321/auth/v1', 'aud', 'authenticated', 'exp', 1900000000,
    'iat', 1899996400, 'sub', tests.id(p_user), 'email', p_user || '@example.test', 'phone', '',
    'role', 'authenticated', 'aal', 'aal1', 'session_id', tests.id('session-' || p_user),
    'is_anonymous', false, 'amr', jsonb_build_array(jsonb_build_object('method', 'password', 'timestamp', 1899996400)),
    'app_metadata', p_app_metadata, 'user_metadata', '{}'::jsonb)
$$;

create function tests.membership_log_count()
returns bigint
language sql
security definer
set search_path = ''
as $$ select count(*) from public.organization_membership_log $$;

create function tests.member_role(p_org text, p_user text)
returns public.member_role
language sql
security definer
set search_path = ''
as $$ select m.role from public.organization_members m where m.organization_id = tests.id(p_org) and m.user_id = tests.id(p_user) $$;

create function tests.covers(p_user text, p_chapter text)
returns boolean
language sql
security definer
set search_path = ''
as $$ select exists (select from public.coordinator_chapters c where c.user_id = tests.id(p_user) and c.chapter_id = tests.id(p_chapter)) $$;

create function tests.serves(p_mentor text, p_chapter text)
returns boolean
language sql
security definer
set search_path = ''
as $$ select exists (select from public.peer_mentor_chapters c where c.peer_mentor_id = tests.id(p_mentor) and c.chapter_id = tests.id(p_chapter)) $$;

grant execute on all functions in schema tests to anon, authenticated, service_role, supabase_auth_admin;
grant usage on schema tests to supabase_auth_admin;

------------------------------------------------------------------------------------------------
-- 1. The hook's grants, as Supabase documents them
------------------------------------------------------------------------------------------------

select function_privs_are('public', 'custom_access_token_hook', array['jsonb'], 'supabase_auth_admin', array['EXECUTE'],
  'supabase_auth_admin may execute the hook');
select function_privs_are('public', 'custom_access_token_hook', array['jsonb'], 'authenticated', array[]::text[],
  'authenticated cannot execute the hook');
select function_privs_are('public', 'custom_access_token_hook', array['jsonb'], 'anon', array[]::text[],
  'anon cannot execute the hook');
select function_privs_are('public', 'custom_access_token_hook', array['jsonb'], 'service_role', array[]::text[],
  'service_role cannot execute the hook');
select isnt_definer('public', 'custom_access_token_hook', array['jsonb'],
  'the hook runs with supabase_auth_admin''s rights (SECURITY INVOKER)');
select is_empty(
  $$ select c.relname from pg_catalog.pg_class c
     where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
       and has_table_privilege('supabase_auth_admin', c.oid, 'SELECT, INSERT, UPDATE, DELETE') $$,
  'supabase_auth_admin holds no privilege on any table in public: it reads through the claim helper only');

select tests.act_as('admin_a', 'org_a');
select throws_ok(
  $$ select public.custom_access_token_hook('{}'::jsonb) $$,
  '42501', 'permission denied for function custom_access_token_hook',
  'a signed-in user calling the hook is refused by the grant layer');
select tests.act_as_owner();

------------------------------------------------------------------------------------------------
-- 2. The hook: claims in, claims out
------------------------------------------------------------------------------------------------

-- coord_north: one membership, no selection.
select is(
  tests.hook(tests.id('coord_north')::text, tests.gotrue_claims('coord_north')),
  jsonb_build_object('claims', tests.gotrue_claims('coord_north', jsonb_build_object(
    'provider', 'email', 'providers', jsonb_build_array('email'),
    'organization_id', tests.id('org_a'), 'organization_role', 'coordinator'))),
  'one membership: the claim names it, the role is added, every other claim is kept as it came');
select ok(
  (tests.hook(tests.id('coord_north')::text, tests.gotrue_claims('coord_north'), 'token_refresh') -> 'claims') ?& array[
    'iss', 'aud', 'exp', 'iat', 'sub', 'role', 'aal', 'session_id', 'email', 'phone', 'is_anonymous'],
  'Supabase''s required claims survive the hook (on a refresh too)');

-- dual_user: coordinator in org_a, org admin in org_b. With a selection, the selection wins.
insert into public.organization_selections (user_id, organization_id) values (tests.id('dual_user'), tests.id('org_b'));
select is(
  tests.hook(tests.id('dual_user')::text, tests.gotrue_claims('dual_user')) #>> '{claims,app_metadata,organization_id}',
  tests.id('org_b')::text,
  'a member of two organizations gets the one they selected');
select is(
  tests.hook(tests.id('dual_user')::text, tests.gotrue_claims('dual_user')) #>> '{claims,app_metadata,organization_role}',
  'org_admin',
  'with the role they hold there (informational)');

-- Without a selection: the oldest membership, ties broken by organization id.
update public.organization_members set created_at = now() - interval '1 day'
where user_id = tests.id('dual_user') and organization_id = tests.id('org_a');
delete from public.organization_selections where user_id = tests.id('dual_user');
select is(
  tests.hook(tests.id('dual_user')::text, tests.gotrue_claims('dual_user')) #>> '{claims,app_metadata,organization_id}',
  tests.id('org_a')::text,
  'without a selection, the oldest current membership is claimed');
update public.organization_members set created_at = now()
where user_id = tests.id('dual_user') and organization_id = tests.id('org_a');
select is(
  tests.hook(tests.id('dual_user')::text, tests.gotrue_claims('dual_user')) #>> '{claims,app_metadata,organization_id}',
  least(tests.id('org_a'), tests.id('org_b'))::text,
  'memberships of the same age: the lower organization id, so the fallback is deterministic');

-- A selection whose membership has ended falls back to a current one.
insert into public.organization_selections (user_id, organization_id) values (tests.id('dual_user'), tests.id('org_b'));
delete from public.organization_members where user_id = tests.id('dual_user') and organization_id = tests.id('org_b');
select is(
  tests.hook(tests.id('dual_user')::text, tests.gotrue_claims('dual_user')) #>> '{claims,app_metadata,organization_id}',
  tests.id('org_a')::text,
  'a selected organization the user has left is not claimed; a current membership is');

-- No membership: a stale or hand-set claim is removed, other app_metadata stays.
select is(
  tests.hook(tests.id('outsider')::text, tests.gotrue_claims('outsider',
    jsonb_build_object('provider', 'email', 'organization_id', tests.id('org_a'), 'organization_role', 'org_admin'))) -> 'claims' -> 'app_metadata',
  jsonb_build_object('provider', 'email'),
  'no current membership: organization_id and organization_role are removed, provider kept');
select is(
  tests.hook('not-a-uuid', tests.gotrue_claims('admin_a')) #> '{claims,app_metadata}',
  jsonb_build_object('provider', 'email', 'providers', jsonb_build_array('email')),
  'a user_id that is not a uuid claims nothing');
select is(
  tests.hook(null, tests.gotrue_claims('admin_a')) #> '{claims,app_metadata}',
  jsonb_build_object('provider', 'email', 'providers', jsonb_build_array('email')),
  'an absent user_id claims nothing');
select is(
  tests.hook(tests.id('admin_a')::text, tests.gotrue_claims('admin_a', '"oops"'::jsonb)) #> '{claims,app_metadata}',
  jsonb_build_object('organization_id', tests.id('org_a'), 'organization_role', 'org_admin'),
  'app_metadata that is not an object is replaced by one carrying the claim');
select is(
  tests.hook(tests.id('admin_a')::text, null),
  jsonb_build_object('claims', jsonb_build_object('app_metadata',
    jsonb_build_object('organization_id', tests.id('org_a'), 'organization_role', 'org_admin'))),
  'missing claims: the output is still {claims: {...}} with the organization');

------------------------------------------------------------------------------------------------
-- 3. switch_organization
------------------------------------------------------------------------------------------------

-- dual_user again in both organizations.
insert into public.organization_members (organization_id, user_id, role) values (tests.id('org_b'), tests.id('dual_user'), 'org_admin');
delete from public.organization_selections;

select tests.act_as('dual_user', 'org_a');
select throws_ok($$ select * from public.switch_organization(null) $$, 'PM422', 'invalid argument',
  'switch_organization(null) is PM422');
select throws_ok($$ select * from public.switch_organization(tests.id('outsider')) $$, 'PM412', 'organization does not match the caller',
  'switching to an organization one is not a member of is PM412');
select results_eq(
  $$ select organization_id, organization_name, role from public.switch_organization(tests.id('org_b')) $$,
  $$ values (tests.id('org_b'), 'Organization B'::text, 'org_admin'::public.member_role) $$,
  'switching returns the organization, its name and the caller''s role there');
select results_eq(
  $$ select user_id, organization_id from public.organization_selections $$,
  $$ values (tests.id('dual_user'), tests.id('org_b')) $$,
  'the caller reads their own selection');
select tests.act_as_owner();
select is(
  tests.hook(tests.id('dual_user')::text, tests.gotrue_claims('dual_user')) #>> '{claims,app_metadata,organization_id}',
  tests.id('org_b')::text,
  'the next token (the hook) claims the organization switched to');
select tests.act_as('dual_user', 'org_b');
select results_eq(
  $$ select organization_id, role from public.switch_organization(tests.id('org_a')) $$,
  $$ values (tests.id('org_a'), 'coordinator'::public.member_role) $$,
  'switching back replaces the selection');
select tests.act_as_owner();
select results_eq(
  $$ select organization_id from public.organization_selections where user_id = tests.id('dual_user') $$,
  $$ values (tests.id('org_a')) $$,
  'one selection per user, now organization A');

select tests.act_as('coord_b', 'org_b');
select is_empty($$ select 1 from public.organization_selections $$,
  'another user reads no one else''s selection');
select throws_ok($$ insert into public.organization_selections (user_id, organization_id) values (tests.id('coord_b'), tests.id('org_a')) $$,
  '42501', 'permission denied for table organization_selections',
  'a client cannot write a selection directly (only switch_organization does, after the membership check)');
select tests.act_as_service_role();
select throws_ok($$ select * from public.switch_organization(tests.id('org_a')) $$, 'PM401', 'not authenticated',
  'the service role names no user: PM401');
select tests.act_as_anon();
select throws_ok($$ select * from public.switch_organization(tests.id('org_a')) $$, '42501',
  'permission denied for function switch_organization', 'anon cannot switch');

------------------------------------------------------------------------------------------------
-- 4. Who may administer memberships
------------------------------------------------------------------------------------------------

select tests.act_as('coord_north', 'org_a');
select throws_ok($$ select public.change_member_role(tests.id('org_a'), tests.id('user_a1'), 'coordinator') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter', 'a coordinator cannot change roles (PM403)');
select throws_ok($$ select public.remove_member(tests.id('org_a'), tests.id('user_a1')) $$,
  'PM403', 'not allowed to act on this peer mentor or chapter', 'a coordinator cannot remove members (PM403)');
select tests.act_as('user_a1', 'org_a');
select throws_ok($$ select public.assign_coordinator_chapter(tests.id('org_a'), tests.id('user_a1'), tests.id('a_north')) $$,
  'PM403', 'not allowed to act on this peer mentor or chapter', 'a mentor cannot assign chapters (PM403)');
select throws_ok($$ select public.add_mentor_chapter(tests.id('org_a'), tests.id('mentor_a1'), tests.id('a_south')) $$,
  'PM403', 'not allowed to act on this peer mentor or chapter', 'a mentor cannot link themselves to a chapter (PM403)');
select tests.act_as('admin_b', 'org_b');
select throws_ok($$ select public.remove_member(tests.id('org_a'), tests.id('user_a1')) $$,
  'PM412', 'organization does not match the caller', 'an org admin of B naming organization A gets PM412');
select tests.act_as('admin_b', 'org_a');
select throws_ok($$ select public.remove_member(tests.id('org_a'), tests.id('user_a1')) $$,
  'PM412', 'organization does not match the caller', 'claiming A without a membership there is PM412');
select tests.act_as('admin_a');
select throws_ok($$ select public.remove_member(tests.id('org_a'), tests.id('user_a1')) $$,
  'PM412', 'organization does not match the caller', 'an org admin without a claim is PM412');
select tests.act_with_claims('{"role":"authenticated"}');
select throws_ok($$ select public.remove_member(tests.id('org_a'), tests.id('user_a1')) $$,
  'PM401', 'not authenticated', 'no sub: PM401');
select tests.act_as_anon();
select throws_ok($$ select public.remove_member(tests.id('org_a'), tests.id('user_a1')) $$,
  '42501', 'permission denied for function remove_member', 'anon cannot call it at all');
select tests.act_as_owner();
select is(tests.membership_log_count(), 0::bigint, 'the refused calls logged nothing');
select is(tests.member_role('org_a', 'user_a1'), 'peer_mentor'::public.member_role, 'and removed nobody');

------------------------------------------------------------------------------------------------
-- 5. change_member_role
------------------------------------------------------------------------------------------------

select tests.act_as('admin_a', 'org_a');
select throws_ok($$ select public.change_member_role(null, tests.id('user_a1'), 'coordinator') $$,
  'PM422', 'invalid argument', 'a null organization is PM422');
select throws_ok($$ select public.change_member_role(tests.id('org_a'), null, 'coordinator') $$,
  'PM422', 'invalid argument', 'a null user is PM422');
select throws_ok($$ select public.change_member_role(tests.id('org_a'), tests.id('user_a1'), null) $$,
  'PM422', 'invalid argument', 'a null role is PM422');
select throws_ok($$ select public.change_member_role(tests.id('org_a'), tests.id('user_a1'), 'boss') $$,
  '22P02', null, 'a role outside the enum cannot even be passed (22P02)');
select throws_ok($$ select public.change_member_role(tests.id('org_a'), tests.id('user_b1'), 'coordinator') $$,
  'PM404', 'peer mentor or chapter not found', 'a member of another organization is not found (PM404)');
select results_eq(
  $$ select organization_id, user_id, role from public.change_member_role(tests.id('org_a'), tests.id('coord_north'), 'coordinator') $$,
  $$ values (tests.id('org_a'), tests.id('coord_north'), 'coordinator'::public.member_role) $$,
  'setting the role a member already has returns their row');
select is(tests.membership_log_count(), 0::bigint, 'and changes and logs nothing');

select results_eq(
  $$ select role from public.change_member_role(tests.id('org_a'), tests.id('user_a1'), 'coordinator') $$,
  $$ values ('coordinator'::public.member_role) $$,
  'an org admin makes a mentor a coordinator');
select results_eq(
  $$ select action::text, actor_user_id, actor_role::text, subject_user_id, before ->> 'role', after ->> 'role'
     from public.organization_membership_log order by id $$,
  $$ values ('member_role_changed', tests.id('admin_a'), 'org_admin', tests.id('user_a1'), 'peer_mentor', 'coordinator') $$,
  'the change is logged: who, what, before and after, read by the org admin');

-- A coordinator made a peer mentor loses their chapters, each logged.
select results_eq(
  $$ select role from public.change_member_role(tests.id('org_a'), tests.id('coord_multi'), 'peer_mentor') $$,
  $$ values ('peer_mentor'::public.member_role) $$,
  'an org admin makes a coordinator a peer mentor');
select ok(not tests.covers('coord_multi', 'a_north') and not tests.covers('coord_multi', 'a_west'),
  'their chapter assignments are gone');
select set_eq(
  $$ select action::text, chapter_id from public.organization_membership_log where subject_user_id = tests.id('coord_multi') $$,
  $$ values ('coordinator_chapter_unassigned', tests.id('a_north')), ('coordinator_chapter_unassigned', tests.id('a_west')),
            ('member_role_changed', null::uuid) $$,
  'each lost assignment and the role change are logged');

-- The last org admin stays.
select throws_ok($$ select public.change_member_role(tests.id('org_a'), tests.id('admin_a'), 'coordinator') $$,
  'PM422', 'invalid argument', 'the only org admin cannot be demoted (PM422)');
select is(tests.member_role('org_a', 'admin_a'), 'org_admin'::public.member_role, 'and stays org admin');
select lives_ok($$ select public.change_member_role(tests.id('org_a'), tests.id('coord_south'), 'org_admin') $$,
  'an org admin makes a coordinator an org admin');
select results_eq(
  $$ select role from public.change_member_role(tests.id('org_a'), tests.id('admin_a'), 'coordinator') $$,
  $$ values ('coordinator'::public.member_role) $$,
  'with another org admin there, an org admin can step down');
select throws_ok($$ select public.change_member_role(tests.id('org_a'), tests.id('user_a2'), 'coordinator') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter', 'having stepped down, the former admin''s next call is PM403 at once');

select tests.act_as_service_role();
select results_eq(
  $$ select role from public.change_member_role(tests.id('org_a'), tests.id('admin_a'), 'org_admin') $$,
  $$ values ('org_admin'::public.member_role) $$,
  'the system (service role) may administer memberships');
select tests.act_as_owner();
select results_eq(
  $$ select actor_user_id, actor_role::text from public.organization_membership_log order by id desc limit 1 $$,
  $$ values (null::uuid, 'system') $$,
  'logged with actor role system and no user');

------------------------------------------------------------------------------------------------
-- 6. remove_member
------------------------------------------------------------------------------------------------

insert into public.organization_selections (user_id, organization_id) values (tests.id('dual_user'), tests.id('org_b'))
  on conflict (user_id) do update set organization_id = excluded.organization_id;
select tests.act_as('admin_b', 'org_b');
select throws_ok($$ select public.remove_member(tests.id('org_b'), null) $$,
  'PM422', 'invalid argument', 'remove_member with a null user is PM422');
select throws_ok($$ select public.remove_member(tests.id('org_b'), tests.id('outsider')) $$,
  'PM404', 'peer mentor or chapter not found', 'removing someone who is not a member is PM404');
select results_eq(
  $$ select organization_id, user_id, role from public.remove_member(tests.id('org_b'), tests.id('dual_user')) $$,
  $$ values (tests.id('org_b'), tests.id('dual_user'), 'org_admin'::public.member_role) $$,
  'an org admin removes another org admin and gets the removed row back');
select throws_ok($$ select public.remove_member(tests.id('org_b'), tests.id('admin_b')) $$,
  'PM422', 'invalid argument', 'the last org admin cannot remove themselves (PM422)');
select tests.act_as_owner();
select is_empty($$ select 1 from public.organization_selections where user_id = tests.id('dual_user') and organization_id = tests.id('org_b') $$,
  'the removed member''s selection of that organization is gone');
select is(
  tests.hook(tests.id('dual_user')::text, tests.gotrue_claims('dual_user')) #>> '{claims,app_metadata,organization_id}',
  tests.id('org_a')::text,
  'their next token falls back to the organization they still belong to');

insert into public.organization_selections (user_id, organization_id) values (tests.id('coord_north'), tests.id('org_a'));
select tests.act_as('admin_a', 'org_a');
select results_eq(
  $$ select user_id, role from public.remove_member(tests.id('org_a'), tests.id('coord_north')) $$,
  $$ values (tests.id('coord_north'), 'coordinator'::public.member_role) $$,
  'an org admin removes a coordinator');
select results_eq(
  $$ select before -> 'coordinator_chapter_ids', after from public.organization_membership_log
     where action = 'member_removed' and subject_user_id = tests.id('coord_north') $$,
  $$ values (jsonb_build_array(tests.id('a_north')), null::jsonb) $$,
  'the removal is logged with the chapters they covered');
select ok(not tests.covers('coord_north', 'a_north'), 'their chapter assignment went with the membership');
select tests.act_as('coord_north', 'org_a');
select throws_ok($$ select * from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_north')) $$,
  'PM412', 'organization does not match the caller',
  'the removed coordinator''s next call fails at once, with a token that still claims the organization');
select is_empty($$ select 1 from public.peer_mentor_status $$, 'and they read no status row any more');
select tests.act_as_owner();
select ok(
  not (tests.hook(tests.id('coord_north')::text, tests.gotrue_claims('coord_north')) #> '{claims,app_metadata}' ? 'organization_id'),
  'their next token carries no organization claim');

------------------------------------------------------------------------------------------------
-- 7. Coordinator chapters
------------------------------------------------------------------------------------------------

select tests.act_as('admin_a', 'org_a');
select throws_ok($$ select public.assign_coordinator_chapter(tests.id('org_a'), tests.id('coord_none'), null) $$,
  'PM422', 'invalid argument', 'assign with a null chapter is PM422');
select throws_ok($$ select public.assign_coordinator_chapter(tests.id('org_a'), tests.id('coord_b'), tests.id('a_north')) $$,
  'PM404', 'peer mentor or chapter not found', 'assigning a member of another organization is PM404');
select throws_ok($$ select public.assign_coordinator_chapter(tests.id('org_a'), tests.id('user_a2'), tests.id('a_north')) $$,
  'PM422', 'invalid argument', 'a peer mentor cannot be made to cover a chapter (PM422)');
select throws_ok($$ select public.assign_coordinator_chapter(tests.id('org_a'), tests.id('coord_none'), tests.id('b_main')) $$,
  'PM404', 'peer mentor or chapter not found', 'a chapter of another organization is PM404');
select ok(not tests.covers('coord_none', 'b_main'), 'the refused assignment made nothing');
select results_eq(
  $$ select user_id, chapter_id, organization_id from public.assign_coordinator_chapter(tests.id('org_a'), tests.id('coord_none'), tests.id('a_south')) $$,
  $$ values (tests.id('coord_none'), tests.id('a_south'), tests.id('org_a')) $$,
  'an org admin assigns a coordinator to a chapter');
select tests.act_as('coord_none', 'org_a');
select lives_ok($$ select * from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_south')) $$,
  'the new coordinator can list that chapter');
select lives_ok($$ select public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'coordinator_decision') $$,
  'and pause a mentor of that chapter at once');
select tests.act_as('admin_a', 'org_a');
select is(
  (select count(*) from public.organization_membership_log where action = 'coordinator_chapter_assigned'),
  1::bigint, 'the assignment is logged');
select results_eq(
  $$ select user_id, chapter_id from public.assign_coordinator_chapter(tests.id('org_a'), tests.id('coord_none'), tests.id('a_south')) $$,
  $$ values (tests.id('coord_none'), tests.id('a_south')) $$,
  'assigning again returns the assignment');
select is(
  (select count(*) from public.organization_membership_log where action = 'coordinator_chapter_assigned'),
  1::bigint, 'and logs nothing new');

select throws_ok($$ select public.unassign_coordinator_chapter(tests.id('org_a'), tests.id('coord_none'), tests.id('a_north')) $$,
  'PM404', 'peer mentor or chapter not found', 'unassigning a chapter the coordinator does not cover is PM404');
select throws_ok($$ select public.unassign_coordinator_chapter(null, tests.id('coord_none'), tests.id('a_north')) $$,
  'PM422', 'invalid argument', 'unassign with a null organization is PM422');
select results_eq(
  $$ select user_id, chapter_id from public.unassign_coordinator_chapter(tests.id('org_a'), tests.id('coord_none'), tests.id('a_south')) $$,
  $$ values (tests.id('coord_none'), tests.id('a_south')) $$,
  'an org admin ends a coordinator''s coverage');
select ok(not tests.covers('coord_none', 'a_south'), 'the assignment is gone');
select results_eq(
  $$ select before ->> 'chapter_id', after from public.organization_membership_log
     where action = 'coordinator_chapter_unassigned' and subject_user_id = tests.id('coord_none') $$,
  $$ values (tests.id('a_south')::text, null::jsonb) $$,
  'and the unassignment is logged with the row before');
select tests.act_as('coord_none', 'org_a');
select throws_ok($$ select public.deactivate_pause(tests.id('mentor_a2'), tests.id('org_a')) $$,
  'PM403', 'not allowed to act on this peer mentor or chapter', 'the unassigned coordinator cannot act on that chapter''s mentors any more');

------------------------------------------------------------------------------------------------
-- 8. Mentor chapters
------------------------------------------------------------------------------------------------

select tests.act_as('admin_a', 'org_a');
select throws_ok($$ select public.add_mentor_chapter(tests.id('org_a'), null, tests.id('a_south')) $$,
  'PM422', 'invalid argument', 'add with a null mentor is PM422');
select throws_ok($$ select public.add_mentor_chapter(tests.id('org_a'), tests.id('mentor_b1'), tests.id('a_south')) $$,
  'PM404', 'peer mentor or chapter not found', 'a mentor of another organization is PM404');
select throws_ok($$ select public.add_mentor_chapter(tests.id('org_a'), tests.id('mentor_a5'), tests.id('b_main')) $$,
  'PM404', 'peer mentor or chapter not found', 'a chapter of another organization is PM404');
select results_eq(
  $$ select peer_mentor_id, chapter_id, organization_id from public.add_mentor_chapter(tests.id('org_a'), tests.id('mentor_a5'), tests.id('a_south')) $$,
  $$ values (tests.id('mentor_a5'), tests.id('a_south'), tests.id('org_a')) $$,
  'an org admin links a mentor to a chapter');
select ok(tests.serves('mentor_a5', 'a_south'), 'the link exists');
select results_eq(
  $$ select peer_mentor_id, chapter_id from public.add_mentor_chapter(tests.id('org_a'), tests.id('mentor_a5'), tests.id('a_south')) $$,
  $$ values (tests.id('mentor_a5'), tests.id('a_south')) $$,
  'linking again returns the link');
select is(
  (select count(*) from public.organization_membership_log where action = 'mentor_chapter_added'),
  1::bigint, 'and only the first link is logged');
select throws_ok($$ select public.remove_mentor_chapter(tests.id('org_a'), tests.id('mentor_a5'), tests.id('a_north')) $$,
  'PM404', 'peer mentor or chapter not found', 'removing a link that does not exist is PM404');
select throws_ok($$ select public.remove_mentor_chapter(tests.id('org_a'), tests.id('mentor_a5'), null) $$,
  'PM422', 'invalid argument', 'remove with a null chapter is PM422');
select results_eq(
  $$ select peer_mentor_id, chapter_id from public.remove_mentor_chapter(tests.id('org_a'), tests.id('mentor_a5'), tests.id('a_south')) $$,
  $$ values (tests.id('mentor_a5'), tests.id('a_south')) $$,
  'an org admin removes a mentor''s chapter link');
select ok(not tests.serves('mentor_a5', 'a_south'), 'the link is gone');
select results_eq(
  $$ select action::text, peer_mentor_id, chapter_id from public.organization_membership_log
     where peer_mentor_id is not null order by id $$,
  $$ values ('mentor_chapter_added', tests.id('mentor_a5'), tests.id('a_south')),
            ('mentor_chapter_removed', tests.id('mentor_a5'), tests.id('a_south')) $$,
  'both are logged');

------------------------------------------------------------------------------------------------
-- 9. The matrix: every administration RPC refused to every caller who is not an org admin of
--    the organization, and nothing changed by any refusal.
------------------------------------------------------------------------------------------------

select tests.act_as_owner();
create temporary table admin_rpc_calls (name text, call text) on commit drop;
insert into admin_rpc_calls values
  ('change_member_role', $$ select public.change_member_role(tests.id('org_a'), tests.id('user_a3'), 'coordinator') $$),
  ('remove_member', $$ select public.remove_member(tests.id('org_a'), tests.id('user_a3')) $$),
  ('assign_coordinator_chapter', $$ select public.assign_coordinator_chapter(tests.id('org_a'), tests.id('coord_south'), tests.id('a_west')) $$),
  ('unassign_coordinator_chapter', $$ select public.unassign_coordinator_chapter(tests.id('org_a'), tests.id('coord_south'), tests.id('a_south')) $$),
  ('add_mentor_chapter', $$ select public.add_mentor_chapter(tests.id('org_a'), tests.id('mentor_a3'), tests.id('a_west')) $$),
  ('remove_mentor_chapter', $$ select public.remove_mentor_chapter(tests.id('org_a'), tests.id('mentor_a3'), tests.id('a_north')) $$);
grant select on admin_rpc_calls to anon, authenticated, service_role;
create temporary table log_before on commit drop as select tests.membership_log_count() as n;
grant select on log_before to anon, authenticated, service_role;

create temporary table callers (who text, claims jsonb, code text, message text) on commit drop;
insert into callers values
  ('a mentor of A', jsonb_build_object('sub', tests.id('user_a1'), 'role', 'authenticated', 'app_metadata', jsonb_build_object('organization_id', tests.id('org_a'))),
   'PM403', 'not allowed to act on this peer mentor or chapter'),
  ('a coordinator of A', jsonb_build_object('sub', tests.id('coord_none'), 'role', 'authenticated', 'app_metadata', jsonb_build_object('organization_id', tests.id('org_a'))),
   'PM403', 'not allowed to act on this peer mentor or chapter'),
  ('the org admin of B claiming B', jsonb_build_object('sub', tests.id('admin_b'), 'role', 'authenticated', 'app_metadata', jsonb_build_object('organization_id', tests.id('org_b'))),
   'PM412', 'organization does not match the caller'),
  ('the org admin of B claiming A', jsonb_build_object('sub', tests.id('admin_b'), 'role', 'authenticated', 'app_metadata', jsonb_build_object('organization_id', tests.id('org_a'))),
   'PM412', 'organization does not match the caller'),
  ('the org admin of A with a forged user_metadata claim only', jsonb_build_object('sub', tests.id('admin_a'), 'role', 'authenticated', 'user_metadata', jsonb_build_object('organization_id', tests.id('org_a'))),
   'PM412', 'organization does not match the caller'),
  ('the org admin of A with an expired token', jsonb_build_object('sub', tests.id('admin_a'), 'role', 'authenticated', 'exp', 1, 'app_metadata', jsonb_build_object('organization_id', tests.id('org_a'))),
   'PM401', 'not authenticated');

create function tests.refusal(p_claims jsonb, p_call text)
returns text
language plpgsql
as $$
begin
  perform tests.act_with_claims(p_claims);
  execute p_call;
  perform tests.act_as_owner();
  return 'no error';
exception when others then
  perform tests.act_as_owner();
  return sqlstate || ': ' || sqlerrm;
end
$$;

select is(tests.refusal(c.claims, r.call), c.code || ': ' || c.message,
  format('%s cannot call %s (%s)', c.who, r.name, c.code))
from callers c cross join admin_rpc_calls r
order by c.who, r.name;
select is(tests.membership_log_count(), (select n from log_before), 'none of the 36 refusals logged anything');
select ok(tests.covers('coord_south', 'a_south') and not tests.covers('coord_south', 'a_west')
  and tests.serves('mentor_a3', 'a_north') and not tests.serves('mentor_a3', 'a_west')
  and tests.member_role('org_a', 'user_a3') = 'peer_mentor',
  'and changed no membership or chapter link');

------------------------------------------------------------------------------------------------
-- 10. The membership log: who reads it, and nobody changes it
------------------------------------------------------------------------------------------------

select tests.act_as('admin_b', 'org_b');
select set_eq($$ select distinct organization_id from public.organization_membership_log $$,
  array[tests.id('org_b')], 'the org admin of B reads only B''s membership log');
select tests.act_as('coord_south', 'org_a');
select isnt_empty($$ select 1 from public.organization_membership_log $$, 'coord_south, now an org admin of A, reads A''s log');
select tests.act_as('coord_none', 'org_a');
select is_empty($$ select 1 from public.organization_membership_log $$, 'a coordinator reads no membership log');
select tests.act_as('user_a2', 'org_a');
select is_empty($$ select 1 from public.organization_membership_log $$, 'a mentor reads no membership log');
select throws_ok($$ insert into public.organization_membership_log (organization_id, action, actor_role, after) values (tests.id('org_a'), 'member_removed', 'system', '{}') $$,
  '42501', 'permission denied for table organization_membership_log', 'a client cannot write the log');
select tests.act_as_service_role();
select throws_ok($$ delete from public.organization_membership_log $$,
  '42501', 'permission denied for table organization_membership_log', 'the service role cannot delete from the log');
select tests.act_as_owner();
select throws_ok($$ update public.organization_membership_log set after = '{}' $$,
  '42501', 'organization_membership_log is append-only: update is not allowed', 'even the owner cannot update the log');
select throws_ok($$ delete from public.organization_membership_log $$,
  '42501', 'organization_membership_log is append-only: delete is not allowed', 'or delete from it');
select throws_ok($$ truncate public.organization_membership_log $$,
  '42501', 'organization_membership_log is append-only: truncate is not allowed', 'or truncate it');

select * from finish();
rollback;
