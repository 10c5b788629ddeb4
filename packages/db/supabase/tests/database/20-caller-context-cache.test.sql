-- The caller's context cached per transaction (migration 20261208000000) must answer exactly
-- as if it were resolved afresh for every statement:
--   * with full-size Supabase claims (what the API forwards): the same context, and cached;
--   * a membership's role changed or removed, a mentor's user link changed, inside the same
--     transaction with the same claims: the next statement sees the change (triggers clear it);
--   * a rollback to a savepoint reverts the cache with the data;
--   * switch_organization records a selection; the claims still decide until they change;
--   * a claims setting, the legacy sub setting or the role changes: recomputed;
--   * a forged cache value under another key is ignored; a garbled one under the right key
--     fails the statement (grants nothing).
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(23);

-- Changes made as the owner WITHOUT touching the caller's settings (role, claims), so only the
-- triggers can tell the cache that something changed.
create function tests.set_member_role(p_user text, p_organization text, p_role public.member_role)
returns void
language sql
security definer
set search_path = ''
as $$
  update public.organization_members set role = p_role
  where user_id = tests.id(p_user) and organization_id = tests.id(p_organization)
$$;
create function tests.delete_member(p_user text, p_organization text)
returns void
language sql
security definer
set search_path = ''
as $$
  delete from public.organization_members
  where user_id = tests.id(p_user) and organization_id = tests.id(p_organization)
$$;
create function tests.unlink_mentor_user(p_mentor text)
returns void
language sql
security definer
set search_path = ''
as $$ update public.peer_mentors set user_id = null where id = tests.id(p_mentor) $$;

-- The claims of a real Supabase access token, as the API forwards them.
create function tests.full_claims(p_user text, p_organization text)
returns jsonb
language sql
stable
as $$
  select jsonb_build_object(
    'iss', 'https://project-ref.supabase.co/auth/v1',
    'aud', 'authenticated',
    'exp', extract(epoch from now() + interval '1 hour')::bigint,
    'iat', extract(epoch from now())::bigint,
    'sub', tests.id(p_user),
    'email', p_user || '@example.org',
    'phone', '',
    'app_metadata', jsonb_build_object('provider', 'email', 'providers', jsonb_build_array('email'),
                                       'organization_id', tests.id(p_organization)),
    'user_metadata', jsonb_build_object('display_name', 'A very ordinary user name', 'locale', 'nb'),
    'role', 'authenticated',
    'aal', 'aal1',
    'amr', jsonb_build_array(jsonb_build_object('method', 'password', 'timestamp', extract(epoch from now())::bigint)),
    'session_id', tests.id('session-' || p_user),
    'is_anonymous', false)
$$;

------------------------------------------------------------------------------------------------
-- Full-size claims: the same context, resolved once
------------------------------------------------------------------------------------------------

select tests.act_with_claims(tests.full_claims('user_a1', 'org_a'));
select row_eq(
  $$ select * from private.caller_context() $$,
  row(tests.id('user_a1'), false, false, tests.id('org_a'), 'peer_mentor'::public.member_role,
      tests.id('org_a'), null::uuid, null::uuid, tests.id('mentor_a1'))::private.caller_context,
  'full-size Supabase claims: the mentor''s context'
);
select isnt(nullif(current_setting('peer_mentor.caller_context_key', true), ''), null,
  'the context is kept for the rest of the transaction');
select row_eq(
  $$ select * from private.caller_context() $$,
  row(tests.id('user_a1'), false, false, tests.id('org_a'), 'peer_mentor'::public.member_role,
      tests.id('org_a'), null::uuid, null::uuid, tests.id('mentor_a1'))::private.caller_context,
  'read back from the cache: the same context'
);
select is((select count(*)::int from public.peer_mentor_status), 1,
  'full-size claims: the mentor sees her own status row only');

------------------------------------------------------------------------------------------------
-- Changes inside the transaction, same claims
------------------------------------------------------------------------------------------------

select tests.act_with_claims(tests.full_claims('coord_north', 'org_a'));
select is((select count(*)::int from public.peer_mentor_status), 6,
  'a coordinator sees her organization''s six status rows');
select tests.set_member_role('coord_north', 'org_a', 'peer_mentor');
select is((select c.membership_role from private.caller_context() c), 'peer_mentor'::public.member_role,
  'her role is changed to peer_mentor in the same transaction: the next statement sees it');
select is((select count(*)::int from public.peer_mentor_status), 0,
  '... and she no longer reads the organization''s statuses (she has no mentor row)');

select tests.act_with_claims(tests.full_claims('user_a2', 'org_a'));
select is((select c.own_peer_mentor_id from private.caller_context() c), tests.id('mentor_a2'),
  'a mentor''s own id, cached');
select tests.delete_member('user_a2', 'org_a');
select row_eq(
  $$ select c.membership_role, c.active_organization_id, c.own_peer_mentor_id from private.caller_context() c $$,
  row(null::public.member_role, null::uuid, null::uuid),
  'her membership removed in the same transaction: no role, no organization, no mentor id'
);
select is((select count(*)::int from public.peer_mentor_status), 0,
  '... and she reads nothing');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'personal') $$,
  'PM412', null,
  '... and cannot pause herself (the transition core resolves the context again)'
);

select tests.act_with_claims(tests.full_claims('user_a4', 'org_a'));
select is((select c.own_peer_mentor_id from private.caller_context() c), tests.id('mentor_a4'),
  'another mentor''s own id, cached');
select tests.unlink_mentor_user('mentor_a4');
select is((select c.own_peer_mentor_id from private.caller_context() c), null,
  'her mentor row unlinked from her user in the same transaction: no own mentor id');

------------------------------------------------------------------------------------------------
-- Savepoints
------------------------------------------------------------------------------------------------

select tests.act_with_claims(tests.full_claims('user_a3', 'org_a'));
select is((select c.membership_role from private.caller_context() c), 'peer_mentor'::public.member_role,
  'before the savepoint: a mentor');
savepoint before_removal;
select tests.delete_member('user_a3', 'org_a');
select is((select c.membership_role from private.caller_context() c), null,
  'inside the savepoint, her membership removed: no role');
rollback to savepoint before_removal;
select is((select c.membership_role from private.caller_context() c), 'peer_mentor'::public.member_role,
  'rolled back to the savepoint: the membership and her role are back');

------------------------------------------------------------------------------------------------
-- Claims and role changes
------------------------------------------------------------------------------------------------

select tests.act_with_claims(tests.full_claims('dual_user', 'org_a'));
select public.switch_organization(tests.id('org_b'));
select is((select c.membership_role from private.caller_context() c), 'coordinator'::public.member_role,
  'switch_organization records a selection; until the claims change, they still select org A');
select tests.act_with_claims(tests.full_claims('dual_user', 'org_b'));
select is((select c.membership_role from private.caller_context() c), 'org_admin'::public.member_role,
  'the refreshed claims select org B: org admin there, recomputed');

select tests.act_with_claims(tests.full_claims('user_a1', 'org_a'));
select set_config('request.jwt.claim.sub', tests.id('user_a5')::text, true);
select is((select c.own_peer_mentor_id from private.caller_context() c), tests.id('mentor_a5'),
  'the legacy request.jwt.claim.sub setting takes precedence, as in auth.uid(): recomputed');
select set_config('request.jwt.claim.sub', '', true);

select tests.act_as_service_role();
select is((select c.is_system from private.caller_context() c), true, 'the service role is the system');
select set_config('role', 'authenticated', true);
select is((select c.is_system from private.caller_context() c), false,
  'the same claims after a role change to authenticated: no longer the system');

------------------------------------------------------------------------------------------------
-- Forged and garbled cache values
------------------------------------------------------------------------------------------------

select tests.act_with_claims(tests.full_claims('user_a5', 'org_a'));
select set_config('peer_mentor.caller_context',
  row(tests.id('user_a5'), false, true, tests.id('org_a'), 'org_admin'::public.member_role,
      tests.id('org_a'), tests.id('org_a'), tests.id('org_a'), null::uuid)::private.caller_context::text, true);
select set_config('peer_mentor.caller_context_key', 'a key written for other claims', true);
select is((select c.membership_role from private.caller_context() c), 'peer_mentor'::public.member_role,
  'a forged org-admin context under another key is ignored: she is a mentor');
select set_config('peer_mentor.caller_context', 'not a context', true);
select throws_ok(
  $$ select count(*) from public.peer_mentor_status $$,
  '22P02', null,
  'a garbled value under the right key fails the statement: it grants nothing'
);

select * from finish();
rollback;
