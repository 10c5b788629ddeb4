-- get_active_pauses_for_chapter: its row of the access matrix (DESIGN §5), the exact list it
-- returns, its errors, and that it is STABLE and runs in a read-only transaction (DESIGN §6).
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(40);

------------------------------------------------------------------------------------------------
-- Setup: three pauses in A North (one mentor also serves A South), one in B Main; every other
-- mentor stays active. The pauses are then dated apart, as if made on different days.
------------------------------------------------------------------------------------------------

select tests.act_as('user_a1', 'org_a');
select results_eq(
  $$ select version from public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health', 'flu',
                                                 (now() at time zone 'Europe/Oslo')::date + 7) $$,
  $$ values (1) $$,
  'setup: mentor_a1 (A North) pauses themselves'
);
select tests.act_as('coord_north', 'org_a');
select results_eq(
  $$ select version from public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'coordinator_decision',
                                                 'check-in first') $$,
  $$ values (1) $$,
  'setup: a coordinator pauses mentor_a3 (A North and A South)'
);
select tests.act_as_service_role();
select results_eq(
  $$ select version from public.activate_pause(tests.id('mentor_a6'), tests.id('org_a'), 'certification_expired') $$,
  $$ values (1) $$,
  'setup: the system pauses mentor_a6 (A North)'
);
select tests.act_as('coord_b', 'org_b');
select results_eq(
  $$ select version from public.activate_pause(tests.id('mentor_b1'), tests.id('org_b'), 'vacation') $$,
  $$ values (1) $$,
  'setup: organization B''s coordinator pauses mentor_b1 (B Main)'
);

select tests.act_as_owner();
update public.peer_mentor_status s
set paused_at = now() - d.age
from (values ('mentor_a6', interval '3 days'), ('mentor_a1', interval '2 days'), ('mentor_a3', interval '1 day'))
  as d (mentor, age)
where s.peer_mentor_id = tests.id(d.mentor);

select
  $$ select peer_mentor_id, display_name, reason_code::text, note, paused_at, paused_by, paused_by_role::text,
            expected_end
     from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_north')) $$ as north_list,
  $$ values
       (tests.id('mentor_a6'), 'Fie No-Login', 'certification_expired', null::text, now() - interval '3 days',
        null::uuid, 'system', null::date),
       (tests.id('mentor_a1'), 'Ada North', 'health', 'flu', now() - interval '2 days',
        tests.id('user_a1'), 'peer_mentor', (now() at time zone 'Europe/Oslo')::date + 7),
       (tests.id('mentor_a3'), 'Cai North-South', 'coordinator_decision', 'check-in first', now() - interval '1 day',
        tests.id('coord_north'), 'coordinator', null::date) $$ as north_expected,
  -- Notes are need to know (issue 16): a coordinator sees the notes of the mentors serving in
  -- a chapter she covers, not of every mentor of a chapter she lists.
  $$ values
       (tests.id('mentor_a6'), 'Fie No-Login', 'certification_expired', null::text, now() - interval '3 days',
        null::uuid, 'system', null::date),
       (tests.id('mentor_a1'), 'Ada North', 'health', null, now() - interval '2 days',
        tests.id('user_a1'), 'peer_mentor', (now() at time zone 'Europe/Oslo')::date + 7),
       (tests.id('mentor_a3'), 'Cai North-South', 'coordinator_decision', 'check-in first', now() - interval '1 day',
        tests.id('coord_north'), 'coordinator', null::date) $$ as north_expected_for_south,
  $$ values
       (tests.id('mentor_a6'), 'Fie No-Login', 'certification_expired', null::text, now() - interval '3 days',
        null::uuid, 'system', null::date),
       (tests.id('mentor_a1'), 'Ada North', 'health', null, now() - interval '2 days',
        tests.id('user_a1'), 'peer_mentor', (now() at time zone 'Europe/Oslo')::date + 7),
       (tests.id('mentor_a3'), 'Cai North-South', 'coordinator_decision', null, now() - interval '1 day',
        tests.id('coord_north'), 'coordinator', null::date) $$ as north_expected_without_notes,
  $$ select peer_mentor_id, display_name, reason_code::text, note, paused_at, paused_by, paused_by_role::text,
            expected_end
     from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_south')) $$ as south_list,
  $$ values
       (tests.id('mentor_a3'), 'Cai North-South', 'coordinator_decision', 'check-in first', now() - interval '1 day',
        tests.id('coord_north'), 'coordinator', null::date) $$ as south_expected
\gset

------------------------------------------------------------------------------------------------
-- Staff of the organization list any of its chapters
------------------------------------------------------------------------------------------------

select tests.act_as('coord_north', 'org_a');
select results_eq(:'north_list', :'north_expected',
  'the coordinator of A North lists its three paused mentors, oldest pause first, with every pause field');

select tests.act_as('coord_multi', 'org_a');
select results_eq(:'north_list', :'north_expected',
  'the second coordinator of A North gets the same list');

select tests.act_as('coord_south', 'org_a');
select results_eq(:'north_list', :'north_expected_for_south',
  'the coordinator of A South lists A North too (any chapter of their organization), with the note only of the mentor who also serves A South');

select tests.act_as('coord_none', 'org_a');
select results_eq(:'north_list', :'north_expected_without_notes',
  'a coordinator with no chapter lists A North too, without notes');

select tests.act_as('dual_user', 'org_a');
select results_eq(:'north_list', :'north_expected_without_notes',
  'a user with memberships in two organizations lists A North while claiming A, without notes (she covers A West only)');

select tests.act_as('admin_a', 'org_a');
select results_eq(:'north_list', :'north_expected',
  'the org admin lists A North');

select results_eq(:'south_list', :'south_expected',
  'A South lists only the mentor who also serves A North; its active mentor is absent');

select tests.act_as('coord_north', 'org_a');
select results_eq(:'south_list', :'south_expected',
  'the coordinator of A North gets the same A South list');

select is_empty(
  $$ select * from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_west')) $$,
  'A West, whose only mentor is active, lists nobody'
);

select tests.act_as_service_role();
select results_eq(:'north_list', :'north_expected',
  'the system (service_role) lists A North');

select tests.act_as('dual_user', 'org_b');
select results_eq(
  $$ select peer_mentor_id, display_name, reason_code::text, paused_by, paused_by_role::text
     from public.get_active_pauses_for_chapter(tests.id('org_b'), tests.id('b_main')) $$,
  $$ values (tests.id('mentor_b1'), 'Gro B', 'vacation', tests.id('coord_b'), 'coordinator') $$,
  'the same user, claiming organization B where they are org admin, lists B Main'
);

------------------------------------------------------------------------------------------------
-- Errors
------------------------------------------------------------------------------------------------

select tests.act_as('user_a1', 'org_a');
select tests.remember_state();
select throws_ok(:'north_list',
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'a peer mentor cannot list a chapter, not even their own');
select tests.state_unchanged('the mentor''s call changed nothing');

select tests.act_as('coord_north', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select * from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('b_main')) $$,
  'PM404', 'peer mentor or chapter not found',
  'a chapter of another organization is not found'
);
select tests.state_unchanged('asking for another organization''s chapter changed nothing');

select tests.remember_state();
select throws_ok(
  $$ select * from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('no_such_chapter')) $$,
  'PM404', 'peer mentor or chapter not found',
  'a chapter that does not exist is not found'
);
select tests.state_unchanged('asking for an unknown chapter changed nothing');

select tests.act_as('admin_b', 'org_b');
select tests.remember_state();
select throws_ok(
  $$ select * from public.get_active_pauses_for_chapter(tests.id('org_b'), tests.id('a_north')) $$,
  'PM404', 'peer mentor or chapter not found',
  'an org admin of B acting in B does not find a chapter of A'
);
select tests.state_unchanged('the other organization''s admin changed nothing');

select tests.remember_state();
select throws_ok(:'north_list',
  'PM412', 'organization does not match the caller',
  'an org admin of B naming organization A while claiming B gets PM412');
select tests.state_unchanged('naming another organization changed nothing');

select tests.act_as('coord_b', 'org_a');
select tests.remember_state();
select throws_ok(:'north_list',
  'PM412', 'organization does not match the caller',
  'a coordinator of B claiming A, where they have no membership, gets PM412');
select tests.state_unchanged('claiming an organization without a membership changed nothing');

select tests.act_as('outsider', 'org_a');
select tests.remember_state();
select throws_ok(:'north_list',
  'PM412', 'organization does not match the caller',
  'a user with no membership anywhere gets PM412');
select tests.state_unchanged('the outsider''s call changed nothing');

select tests.act_with_claims(jsonb_build_object(
  'role', 'authenticated', 'aud', 'authenticated',
  'app_metadata', jsonb_build_object('organization_id', tests.id('org_a'))));
select tests.remember_state();
select throws_ok(:'north_list',
  'PM401', 'not authenticated',
  'authenticated claims without a sub are not authenticated');
select tests.state_unchanged('the call without a sub changed nothing');

select tests.act_as('admin_a', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select * from public.get_active_pauses_for_chapter(null, tests.id('a_north')) $$,
  'PM422', 'invalid argument',
  'a null p_organization_id is an invalid argument'
);
select tests.state_unchanged('the call with a null organization id changed nothing');

select tests.remember_state();
select throws_ok(
  $$ select * from public.get_active_pauses_for_chapter(tests.id('org_a'), null) $$,
  'PM422', 'invalid argument',
  'a null p_chapter_id is an invalid argument'
);
select tests.state_unchanged('the call with a null chapter id changed nothing');

select tests.act_as_anon();
select tests.remember_state();
select throws_ok(:'north_list',
  '42501', 'permission denied for function get_active_pauses_for_chapter',
  'anon cannot execute get_active_pauses_for_chapter');
select tests.state_unchanged('the anonymous call changed nothing');

------------------------------------------------------------------------------------------------
-- STABLE, and usable in a read-only transaction (PostgREST runs STABLE functions read-only)
------------------------------------------------------------------------------------------------

select tests.act_as_owner();
select is(
  (select p.provolatile::text from pg_catalog.pg_proc p
   where p.oid = 'public.get_active_pauses_for_chapter(uuid, uuid)'::regprocedure),
  's',
  'get_active_pauses_for_chapter is STABLE'
);

set transaction read only;
select is(current_setting('transaction_read_only'), 'on', 'the transaction is now read-only');
select tests.act_as('coord_north', 'org_a');
select results_eq(:'north_list', :'north_expected',
  'in a read-only transaction the coordinator still gets the list');

select * from finish();
rollback;
