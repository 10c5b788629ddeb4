-- The organization claim and the caller's identity (DESIGN §3, §5 permutations):
-- a user in two organizations, a claim without a membership, forged user_metadata, a claim that
-- is not a uuid, expired and absent JWTs, a membership removed mid-session, a mentor without a
-- login. Every refused RPC call is followed by proof that it changed nothing.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(119);

------------------------------------------------------------------------------------------------
-- 1. A user with memberships in two organizations: the claim selects one.
--    dual_user: coordinator of a_west in organization A, org admin of organization B.
------------------------------------------------------------------------------------------------
select tests.act_as('dual_user', 'org_a');
select set_eq($$ select id from public.organizations $$, array[tests.id('org_a')],
  'dual_user claiming A sees organization A only');
select set_eq($$ select peer_mentor_id from public.peer_mentor_status $$,
  array[tests.id('mentor_a1'), tests.id('mentor_a2'), tests.id('mentor_a3'), tests.id('mentor_a4'),
        tests.id('mentor_a5'), tests.id('mentor_a6')],
  'dual_user claiming A sees, as a coordinator, every status of organization A and none of B');
select set_eq($$ select id from public.chapters $$,
  array[tests.id('a_north'), tests.id('a_south'), tests.id('a_west')],
  'dual_user claiming A sees the chapters of A and not the chapter of B');
select set_eq($$ select user_id, chapter_id from public.coordinator_chapters $$,
  $$ values (tests.id('coord_north'), tests.id('a_north')), (tests.id('coord_south'), tests.id('a_south')),
            (tests.id('coord_multi'), tests.id('a_north')), (tests.id('coord_multi'), tests.id('a_west')),
            (tests.id('dual_user'), tests.id('a_west')) $$,
  'dual_user claiming A sees the coordinator assignments of A and not those of B');
-- Own membership rows stay visible in every organization (to switch between them); no other
-- membership of B is.
select set_eq($$ select organization_id, user_id from public.organization_members where organization_id = tests.id('org_b') $$,
  $$ values (tests.id('org_b'), tests.id('dual_user')) $$,
  'dual_user claiming A sees only their own membership in B, no other member of B');
select is_empty($$ select 1 from public.peer_mentors where organization_id = tests.id('org_b') $$,
  'dual_user claiming A sees no mentor of B, although they are an org admin there');

select tests.act_as('dual_user', 'org_b');
select set_eq($$ select id from public.organizations $$, array[tests.id('org_b')],
  'dual_user claiming B sees organization B only');
select set_eq($$ select peer_mentor_id from public.peer_mentor_status $$, array[tests.id('mentor_b1')],
  'dual_user claiming B sees, as an org admin, every status of B and none of A');
select set_eq($$ select id from public.chapters $$, array[tests.id('b_main')],
  'dual_user claiming B sees the chapter of B and none of A');
select set_eq($$ select organization_id, user_id from public.organization_members where organization_id = tests.id('org_a') $$,
  $$ values (tests.id('org_a'), tests.id('dual_user')) $$,
  'dual_user claiming B sees only their own membership in A, no other member of A');
select is_empty($$ select 1 from public.coordinator_chapters where organization_id = tests.id('org_a') $$,
  'dual_user claiming B sees no coordinator assignment of A, not even their own');

-- RPCs under the B claim: organization A's mentors are out of reach.
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM412', 'organization does not match the caller',
  'dual_user claiming B cannot pause mentor_a4 by naming organization A'
);
select tests.state_unchanged('the refused pause under the B claim changed nothing');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a4'), tests.id('org_b'), 'coordinator_decision') $$,
  'PM404', 'peer mentor or chapter not found',
  'dual_user claiming B does not find mentor_a4 in organization B'
);
select tests.state_unchanged('the not-found pause under the B claim changed nothing');
select throws_ok(
  $$ select * from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_west')) $$,
  'PM412', 'organization does not match the caller',
  'dual_user claiming B cannot list the pauses of their A chapter'
);
select tests.state_unchanged('the refused listing changed nothing');
-- As org admin of B they may pause any mentor of B.
select results_eq(
  $$ select peer_mentor_id, status::text, paused_by, paused_by_role::text, version
     from public.activate_pause(tests.id('mentor_b1'), tests.id('org_b'), 'other') $$,
  $$ values (tests.id('mentor_b1'), 'paused', tests.id('dual_user'), 'org_admin', 1) $$,
  'dual_user claiming B pauses mentor_b1 as an org admin'
);

-- RPCs under the A claim: they act as a coordinator of a_west, and nothing of B.
select tests.act_as('dual_user', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_b1'), tests.id('org_b')) $$,
  'PM412', 'organization does not match the caller',
  'dual_user claiming A cannot resume mentor_b1 by naming organization B'
);
select tests.state_unchanged('the refused resume under the A claim changed nothing');
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_b1'), tests.id('org_a')) $$,
  'PM404', 'peer mentor or chapter not found',
  'dual_user claiming A does not find mentor_b1 in organization A'
);
select tests.state_unchanged('the not-found resume under the A claim changed nothing');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'dual_user claiming A is only a coordinator there: mentor_a1 (a_north) is not theirs to pause'
);
select tests.state_unchanged('the forbidden pause under the A claim changed nothing');
select results_eq(
  $$ select peer_mentor_id, status::text, reason_code::text, paused_by, paused_by_role::text, version
     from public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'coordinator_decision') $$,
  $$ values (tests.id('mentor_a4'), 'paused', 'coordinator_decision', tests.id('dual_user'), 'coordinator', 1) $$,
  'dual_user claiming A pauses mentor_a4 of their chapter a_west, as a coordinator'
);
select results_eq(
  $$ select peer_mentor_id from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_west')) $$,
  array[tests.id('mentor_a4')],
  'dual_user claiming A lists the pause in a_west'
);
select is(tests.log_count('mentor_a4'), 1::bigint, 'the pause of mentor_a4 wrote exactly one log row');

------------------------------------------------------------------------------------------------
-- 2. A claim naming an organization without a membership row: nothing, and PM412.
------------------------------------------------------------------------------------------------
select tests.act_as('coord_north', 'org_b');
select is_empty($$ select 1 from public.organizations $$,
  'a coordinator of A claiming B sees no organization');
select is_empty($$ select 1 from public.peer_mentor_status $$,
  'a coordinator of A claiming B sees no status, neither of A nor of B');
select is_empty($$ select 1 from public.peer_mentors $$,
  'a coordinator of A claiming B sees no mentor');
select is_empty($$ select 1 from public.peer_mentor_status_log $$,
  'a coordinator of A claiming B sees no audit-log row');
select is_empty($$ select 1 from public.chapters $$,
  'a coordinator of A claiming B sees no chapter');
select set_eq($$ select organization_id, user_id from public.organization_members $$,
  $$ values (tests.id('org_a'), tests.id('coord_north')) $$,
  'a coordinator of A claiming B sees only their own membership row, nothing of B');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_b1'), tests.id('org_b'), 'health') $$,
  'PM412', 'organization does not match the caller',
  'claiming and naming B without a membership there: pausing a mentor of B raises PM412'
);
select tests.state_unchanged('that refused pause changed nothing');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health') $$,
  'PM412', 'organization does not match the caller',
  'claiming B without a membership: pausing their own chapter''s mentor in A raises PM412 too'
);
select tests.state_unchanged('that refused pause changed nothing either');
select throws_ok(
  $$ select * from public.get_active_pauses_for_chapter(tests.id('org_b'), tests.id('b_main')) $$,
  'PM412', 'organization does not match the caller',
  'claiming B without a membership: listing a chapter of B raises PM412'
);
select tests.state_unchanged('the refused listing changed nothing');

select tests.act_as('outsider', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a4'), tests.id('org_a')) $$,
  'PM412', 'organization does not match the caller',
  'a user with no membership anywhere who claims A cannot resume a mentor of A'
);
select tests.state_unchanged('the outsider''s refused resume changed nothing');

------------------------------------------------------------------------------------------------
-- 3. A forged user_metadata.organization_id has no effect.
------------------------------------------------------------------------------------------------
-- The claim only in user_metadata: nothing visible, RPCs PM412.
select tests.act_as('coord_north', null,
  jsonb_build_object('user_metadata', jsonb_build_object('organization_id', tests.id('org_a'))));
select is_empty($$ select 1 from public.peer_mentor_status $$,
  'organization A named only in user_metadata shows a coordinator of A no status');
select is_empty($$ select 1 from public.organizations $$,
  'organization A named only in user_metadata shows no organization');
select is_empty($$ select 1 from public.peer_mentors $$,
  'organization A named only in user_metadata shows no mentor');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM412', 'organization does not match the caller',
  'organization A named only in user_metadata does not let a coordinator pause'
);
select tests.state_unchanged('the pause refused for a user_metadata-only claim changed nothing');

-- user_metadata names B while app_metadata names A: only A counts, even for a user who is a
-- member (org admin) of B.
select tests.act_as('dual_user', 'org_a',
  jsonb_build_object('user_metadata', jsonb_build_object('organization_id', tests.id('org_b'))));
select set_eq($$ select id from public.organizations $$, array[tests.id('org_a')],
  'with user_metadata naming B and app_metadata naming A, dual_user sees organization A only');
select is_empty($$ select 1 from public.peer_mentor_status where organization_id = tests.id('org_b') $$,
  'with user_metadata naming B, dual_user sees no status of B');
select set_eq($$ select peer_mentor_id from public.peer_mentor_status $$,
  array[tests.id('mentor_a1'), tests.id('mentor_a2'), tests.id('mentor_a3'), tests.id('mentor_a4'),
        tests.id('mentor_a5'), tests.id('mentor_a6')],
  'with user_metadata naming B, dual_user sees exactly the statuses of A');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_b1'), tests.id('org_b')) $$,
  'PM412', 'organization does not match the caller',
  'with user_metadata naming B, dual_user cannot act in B'
);
select tests.state_unchanged('the action refused despite user_metadata changed nothing');

select tests.act_as('coord_b', 'org_b',
  jsonb_build_object('user_metadata', jsonb_build_object('organization_id', tests.id('org_a'))));
select is_empty($$ select 1 from public.peer_mentor_status where organization_id = tests.id('org_a') $$,
  'a coordinator of B with user_metadata naming A sees no status of A');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'health') $$,
  'PM412', 'organization does not match the caller',
  'a coordinator of B with user_metadata naming A cannot pause a mentor of A'
);
select tests.state_unchanged('that refused pause changed nothing');

------------------------------------------------------------------------------------------------
-- 4. A claim that is not a uuid: nothing visible, no SQL error on reads, PM412 on RPCs.
------------------------------------------------------------------------------------------------
select tests.act_as('admin_a', null, '{"app_metadata": {"organization_id": "org_a"}}');
select lives_ok($$ select * from public.peer_mentor_status $$,
  'a claim that is not a uuid does not make reading statuses fail');
select lives_ok($$ select * from public.organizations $$,
  'a claim that is not a uuid does not make reading organizations fail');
select is_empty($$ select 1 from public.peer_mentor_status $$,
  'an org admin whose claim is not a uuid sees no status');
select is_empty($$ select 1 from public.organizations $$,
  'an org admin whose claim is not a uuid sees no organization');
select is_empty($$ select 1 from public.peer_mentor_status_log $$,
  'an org admin whose claim is not a uuid sees no audit-log row');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM412', 'organization does not match the caller',
  'an org admin whose claim is not a uuid cannot pause'
);
select tests.state_unchanged('the pause refused for a non-uuid claim changed nothing');

select tests.act_as('admin_a', null, '{"app_metadata": {"organization_id": 42}}');
select lives_ok($$ select * from public.peer_mentors $$,
  'a numeric claim does not make reading mentors fail');
select is_empty($$ select 1 from public.peer_mentors $$,
  'an org admin whose claim is a number sees no mentor');

select tests.act_as('admin_a', null, '{"app_metadata": {"organization_id": {"id": "x"}}}');
select lives_ok($$ select * from public.chapters $$,
  'a claim that is a JSON object does not make reading chapters fail');
select is_empty($$ select 1 from public.chapters $$,
  'an org admin whose claim is a JSON object sees no chapter');
select tests.remember_state();
select throws_ok(
  $$ select * from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_north')) $$,
  'PM412', 'organization does not match the caller',
  'an org admin whose claim is a JSON object cannot list a chapter''s pauses'
);
select tests.state_unchanged('the refused listing for a JSON-object claim changed nothing');

------------------------------------------------------------------------------------------------
-- 5. Expired JWT: reads return nothing, RPCs raise PM401.
------------------------------------------------------------------------------------------------
select tests.act_as('admin_a', 'org_a',
  jsonb_build_object('exp', extract(epoch from now() - interval '1 minute')::bigint));
select is_empty($$ select 1 from public.peer_mentor_status $$,
  'an org admin with an expired token sees no status');
select is_empty($$ select 1 from public.organizations $$,
  'an org admin with an expired token sees no organization');
select is_empty($$ select 1 from public.organization_members $$,
  'an org admin with an expired token does not even see their own membership');
select is_empty($$ select 1 from public.peer_mentor_status_log $$,
  'an org admin with an expired token sees no audit-log row');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM401', 'not authenticated',
  'an org admin with an expired token cannot pause'
);
select tests.state_unchanged('the pause refused for an expired token changed nothing');
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a4'), tests.id('org_a')) $$,
  'PM401', 'not authenticated',
  'an org admin with an expired token cannot resume'
);
select tests.state_unchanged('the resume refused for an expired token changed nothing');
select throws_ok(
  $$ select * from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_west')) $$,
  'PM401', 'not authenticated',
  'an org admin with an expired token cannot list a chapter''s pauses'
);
select tests.state_unchanged('the listing refused for an expired token changed nothing');

select tests.act_as('user_a1', 'org_a',
  jsonb_build_object('exp', extract(epoch from now() - interval '1 second')::bigint));
select is_empty($$ select 1 from public.peer_mentor_status $$,
  'a peer mentor with an expired token does not see even their own status');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health') $$,
  'PM401', 'not authenticated',
  'a peer mentor with an expired token cannot pause themselves'
);
select tests.state_unchanged('the self-pause refused for an expired token changed nothing');

------------------------------------------------------------------------------------------------
-- 6. Absent claims while the role is authenticated: nothing, and PM401.
------------------------------------------------------------------------------------------------
select tests.act_with_claims('{}');
select is_empty($$ select 1 from public.peer_mentor_status $$,
  'an authenticated session without any claims sees no status');
select is_empty($$ select 1 from public.organization_members $$,
  'an authenticated session without any claims sees no membership');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health') $$,
  'PM401', 'not authenticated',
  'an authenticated session without any claims cannot pause'
);
select tests.state_unchanged('the pause refused without claims changed nothing');

-- An organization claim and the authenticated role, but no sub.
select tests.act_with_claims(jsonb_build_object(
  'role', 'authenticated',
  'exp', extract(epoch from now() + interval '1 hour')::bigint,
  'app_metadata', jsonb_build_object('organization_id', tests.id('org_a'))));
select is_empty($$ select 1 from public.peer_mentor_status $$,
  'claims with an organization but no user id show no status');
select is_empty($$ select 1 from public.chapters $$,
  'claims with an organization but no user id show no chapter');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a4'), tests.id('org_a')) $$,
  'PM401', 'not authenticated',
  'claims with an organization but no user id cannot resume a pause'
);
select tests.state_unchanged('the resume refused without a user id changed nothing');
select throws_ok(
  $$ select * from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_west')) $$,
  'PM401', 'not authenticated',
  'claims with an organization but no user id cannot list a chapter''s pauses'
);
select tests.state_unchanged('the listing refused without a user id changed nothing');

------------------------------------------------------------------------------------------------
-- 7. A coordinator whose membership is deleted is locked out at once, with the same JWT.
------------------------------------------------------------------------------------------------
select tests.act_as('coord_multi', 'org_a');
select set_eq($$ select peer_mentor_id from public.peer_mentor_status $$,
  array[tests.id('mentor_a1'), tests.id('mentor_a2'), tests.id('mentor_a3'), tests.id('mentor_a4'),
        tests.id('mentor_a5'), tests.id('mentor_a6')],
  'before removal, coord_multi sees every status of A');

select tests.act_as_owner();
delete from public.organization_members
where organization_id = tests.id('org_a') and user_id = tests.id('coord_multi');

select is_empty(
  $$ select 1 from public.coordinator_chapters where user_id = tests.id('coord_multi') $$,
  'removing the membership also removed coord_multi''s chapter assignments'
);

select tests.act_as('coord_multi', 'org_a');
select is_empty($$ select 1 from public.peer_mentor_status $$,
  'a removed coordinator with a still-valid token sees no status');
select is_empty($$ select 1 from public.organizations $$,
  'a removed coordinator sees no organization');
select is_empty($$ select 1 from public.chapters $$,
  'a removed coordinator sees no chapter');
select is_empty($$ select 1 from public.organization_members $$,
  'a removed coordinator sees no membership');
select is_empty($$ select 1 from public.coordinator_chapters $$,
  'a removed coordinator sees no coordinator assignment');
select is_empty($$ select 1 from public.peer_mentor_status_log $$,
  'a removed coordinator sees no audit-log row');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a6'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM412', 'organization does not match the caller',
  'a removed coordinator cannot pause a mentor of their former chapter'
);
select tests.state_unchanged('the pause refused after removal changed nothing');
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a4'), tests.id('org_a')) $$,
  'PM412', 'organization does not match the caller',
  'a removed coordinator cannot resume a mentor of their former chapter'
);
select tests.state_unchanged('the resume refused after removal changed nothing');
select throws_ok(
  $$ select * from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_west')) $$,
  'PM412', 'organization does not match the caller',
  'a removed coordinator cannot list their former chapter''s pauses'
);
select tests.state_unchanged('the listing refused after removal changed nothing');

------------------------------------------------------------------------------------------------
-- 8. A mentor without a login (mentor_a6, a_north) can be paused and resumed by staff, and
--    nobody becomes that mentor by having no user id.
------------------------------------------------------------------------------------------------
select tests.act_as('user_a5', 'org_a');
select is_empty($$ select 1 from public.peer_mentor_status where peer_mentor_id = tests.id('mentor_a6') $$,
  'another peer mentor does not see the status of the mentor without a login');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a6'), tests.id('org_a'), 'health') $$,
  'PM404', 'peer mentor or chapter not found',
  'another peer mentor cannot pause the mentor without a login'
);
select tests.state_unchanged('that refused pause changed nothing');

select tests.act_as('coord_north', 'org_a');
select results_eq(
  $$ select peer_mentor_id, status::text, reason_code::text, paused_by, paused_by_role::text, version
     from public.activate_pause(tests.id('mentor_a6'), tests.id('org_a'), 'health', 'called in sick') $$,
  $$ values (tests.id('mentor_a6'), 'paused', 'health', tests.id('coord_north'), 'coordinator', 1) $$,
  'a coordinator of a_north pauses the mentor without a login'
);
select results_eq(
  $$ select peer_mentor_id from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_north')) $$,
  array[tests.id('mentor_a6')],
  'the pause of the mentor without a login is listed for a_north'
);
select tests.act_as('admin_a', 'org_a');
select results_eq(
  $$ select status::text, version from public.deactivate_pause(tests.id('mentor_a6'), tests.id('org_a'), 'recovered') $$,
  $$ values ('active', 2) $$,
  'an org admin resumes the mentor without a login'
);
select results_eq(
  $$ select to_status::text, actor_user_id, actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a6') order by version $$,
  $$ values ('paused', tests.id('coord_north'), 'coordinator', 1), ('active', tests.id('admin_a'), 'org_admin', 2) $$,
  'the log of the mentor without a login names the coordinator and the org admin who acted'
);

-- Claims alone do not make a session the system, and an exp that is not a number is expired.
select tests.act_with_claims('{"role":"service_role"}');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'certification_expired') $$,
  'PM401', 'not authenticated',
  'service_role claims on an authenticated session do not act as the system (PM401)'
);
select tests.state_unchanged('the claims-only "system" call changed nothing');
select tests.act_with_claims(jsonb_build_object(
  'sub', tests.id('coord_north'), 'role', 'service_role',
  'app_metadata', jsonb_build_object('organization_id', tests.id('org_a'))));
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'certification_expired') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'a user whose claims say service_role still acts as themselves: a coordinator cannot use certification_expired'
);
select tests.state_unchanged('the refused call changed nothing');
select tests.act_as('user_a1', 'org_a', '{"exp":"4102444800"}');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health') $$,
  'PM401', 'not authenticated',
  'claims whose exp is a string, not a NumericDate, identify nobody (PM401)'
);
select is_empty(
  $$ select 1 from public.peer_mentor_status $$,
  'and they read nothing'
);
select tests.act_as_service_role();
select from set_config('request.jwt.claims', jsonb_build_object('role', 'service_role',
  'exp', extract(epoch from now() - interval '1 minute')::bigint)::text, true);
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'certification_expired') $$,
  'PM401', 'not authenticated',
  'the service role with expired claims is not the system (PM401)'
);
select tests.state_unchanged('the expired system call changed nothing');

select * from finish();
rollback;
