-- deactivate_pause: every cell of its row of the access matrix (DESIGN §5), the pause lock
-- (PM423), argument validation (DESIGN §6), and the versions and log rows of a long history.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(80);

-- mentor_a1 starts out paused by themselves (version 1).
select tests.act_as('user_a1', 'org_a');
select results_eq(
  $$ select status::text, paused_by_role::text, version
     from public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health', 'flu',
                                (now() at time zone 'Europe/Oslo')::date + 7) $$,
  $$ values ('paused', 'peer_mentor', 1) $$,
  'setup: mentor_a1 pauses themselves'
);

------------------------------------------------------------------------------------------------
-- Argument validation: PM422 before anything is touched
------------------------------------------------------------------------------------------------

select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(null, tests.id('org_a'), 'back') $$,
  'PM422', 'invalid argument',
  'a null p_peer_mentor_id is an invalid argument'
);
select tests.state_unchanged('the call with a null mentor id changed nothing');

select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), null, 'back') $$,
  'PM422', 'invalid argument',
  'a null p_organization_id is an invalid argument'
);
select tests.state_unchanged('the call with a null organization id changed nothing');

select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a'), repeat('x', 1001)) $$,
  'PM422', 'invalid argument',
  'a resume note of 1001 characters is an invalid argument'
);
select tests.state_unchanged('the call with a 1001-character note changed nothing');

select tests.act_as('admin_a', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('nobody'), tests.id('org_a')) $$,
  'PM404', 'peer mentor or chapter not found',
  'a mentor id that does not exist is not found, even for an org admin'
);
select tests.state_unchanged('the call with a nonexistent mentor changed nothing');

------------------------------------------------------------------------------------------------
-- Callers without an identity, a membership, the right organization or sight of the mentor
------------------------------------------------------------------------------------------------

select tests.act_as_anon();
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  '42501', 'permission denied for function deactivate_pause',
  'anon cannot execute deactivate_pause'
);
select tests.state_unchanged('the anonymous call changed nothing');

select tests.act_with_claims(jsonb_build_object(
  'role', 'authenticated', 'aud', 'authenticated',
  'app_metadata', jsonb_build_object('organization_id', tests.id('org_a'))));
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  'PM401', 'not authenticated',
  'authenticated claims without a sub are not authenticated'
);
select tests.state_unchanged('the call without a sub changed nothing');

select tests.act_as('user_a1', 'org_a',
  jsonb_build_object('exp', extract(epoch from now() - interval '1 minute')::bigint));
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  'PM401', 'not authenticated',
  'the mentor''s own expired claims identify nobody'
);
select tests.state_unchanged('the call with expired claims changed nothing');

select tests.act_as('outsider', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  'PM412', 'organization does not match the caller',
  'a user with no membership who claims organization A gets PM412'
);
select tests.state_unchanged('the outsider''s call changed nothing');

select tests.act_as('user_a1', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_b')) $$,
  'PM412', 'organization does not match the caller',
  'the mentor naming another organization than the one they claim gets PM412'
);
select tests.state_unchanged('naming another organization changed nothing');

select tests.act_as('coord_b', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  'PM412', 'organization does not match the caller',
  'a coordinator of organization B claiming organization A (no membership there) gets PM412'
);
select tests.state_unchanged('claiming an organization without a membership changed nothing');

select tests.act_as('coord_b', 'org_b');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  'PM412', 'organization does not match the caller',
  'a coordinator of organization B naming organization A while claiming B gets PM412'
);
select tests.state_unchanged('the other organization''s coordinator naming A changed nothing');

select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_b')) $$,
  'PM404', 'peer mentor or chapter not found',
  'a coordinator of organization B acting in B does not find a mentor of organization A'
);
select tests.state_unchanged('the other organization''s coordinator acting in B changed nothing');

select tests.act_as('admin_b', 'org_b');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_b')) $$,
  'PM404', 'peer mentor or chapter not found',
  'an org admin of organization B acting in B does not find a mentor of organization A'
);
select tests.state_unchanged('the other organization''s admin changed nothing');

select tests.act_as('user_a2', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  'PM404', 'peer mentor or chapter not found',
  'a mentor cannot see, let alone resume, another mentor of the same organization'
);
select tests.state_unchanged('resuming another mentor changed nothing');

select tests.act_as_service_role();
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_b1'), tests.id('org_a')) $$,
  'PM404', 'peer mentor or chapter not found',
  'the system naming organization A does not find a mentor of organization B'
);
select tests.state_unchanged('the system''s call with the wrong organization changed nothing');

------------------------------------------------------------------------------------------------
-- Not paused: PM410
------------------------------------------------------------------------------------------------

select tests.act_as('user_a5', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a5'), tests.id('org_a')) $$,
  'PM410', 'peer mentor is not paused',
  'an active mentor cannot resume'
);
select tests.state_unchanged('resuming an active mentor changed nothing');

select tests.act_as('admin_a', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a5'), tests.id('org_a')) $$,
  'PM410', 'peer mentor is not paused',
  'an org admin cannot resume an active mentor either'
);
select tests.state_unchanged('the org admin''s resume of an active mentor changed nothing');

------------------------------------------------------------------------------------------------
-- A mentor ends their own pause
------------------------------------------------------------------------------------------------

select tests.act_as('user_a1', 'org_a');
select results_eq(
  $$ select status::text, reason_code::text, note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a'), repeat('b', 1000)) $$,
  $$ values ('active', null::text, null::text, null::timestamptz, null::uuid, null::text, null::date, 2) $$,
  'a mentor ends their own pause (with a 1000-character note): the returned row is active, the pause fields cleared, version 2'
);
select results_eq(
  $$ select status::text, reason_code::text, case when status = 'paused' then tests.note_of(peer_mentor_id, version) end as note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from tests.status_of('mentor_a1') $$,
  $$ values ('active', null::text, null::text, null::timestamptz, null::uuid, null::text, null::date, 2) $$,
  'the stored row is active with every pause field cleared'
);
select tests.act_as_owner();
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, expected_end, actor_user_id,
            actor_role::text, version, organization_id
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a1') order by version $$,
  $$ values ('active', 'paused', 'health', 'flu', (now() at time zone 'Europe/Oslo')::date + 7,
             tests.id('user_a1'), 'peer_mentor', 1, tests.id('org_a')),
            ('paused', 'active', null, repeat('b', 1000), null, tests.id('user_a1'), 'peer_mentor', 2, tests.id('org_a')) $$,
  'the resume is logged from paused to active with no reason code and the resume note'
);

------------------------------------------------------------------------------------------------
-- Pauses a mentor cannot end: started by a coordinator, an org admin or the system (PM423)
------------------------------------------------------------------------------------------------

select tests.act_as('coord_north', 'org_a');
select results_eq(
  $$ select paused_by_role::text, version
     from public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health', 'rest') $$,
  $$ values ('coordinator', 3) $$,
  'setup: a coordinator pauses mentor_a1, for a reason a mentor could also use'
);
select tests.act_as('admin_a', 'org_a');
select results_eq(
  $$ select paused_by_role::text, version
     from public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'personal') $$,
  $$ values ('org_admin', 1) $$,
  'setup: an org admin pauses mentor_a2'
);
select tests.act_as_service_role();
select results_eq(
  $$ select paused_by_role::text, version
     from public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'certification_expired') $$,
  $$ values ('system', 1) $$,
  'setup: the system pauses mentor_a3'
);

select tests.act_as('user_a1', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'I am fine') $$,
  'PM423', 'this pause can only be ended by a coordinator or an organization admin',
  'a mentor cannot end a pause a coordinator started'
);
select tests.state_unchanged('the mentor''s attempt on the coordinator''s pause changed nothing');

select tests.act_as('user_a2', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a2'), tests.id('org_a')) $$,
  'PM423', 'this pause can only be ended by a coordinator or an organization admin',
  'a mentor cannot end a pause an org admin started'
);
select tests.state_unchanged('the mentor''s attempt on the org admin''s pause changed nothing');

select tests.act_as('user_a3', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a3'), tests.id('org_a')) $$,
  'PM423', 'this pause can only be ended by a coordinator or an organization admin',
  'a mentor cannot end a pause the system started'
);
select tests.state_unchanged('the mentor''s attempt on the system''s pause changed nothing');

------------------------------------------------------------------------------------------------
-- Coordinators: only mentors in a chapter they coordinate
------------------------------------------------------------------------------------------------

select tests.act_as('coord_south', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'a coordinator cannot resume a mentor who serves only in a chapter they do not cover'
);
select tests.state_unchanged('the uncovered resume changed nothing');

select tests.act_as('coord_none', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'a coordinator with no chapter cannot resume anyone'
);
select tests.state_unchanged('the chapterless coordinator''s resume changed nothing');

select tests.act_as('dual_user', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'acting in A, an org admin of B who coordinates only A West cannot resume a mentor of A North'
);
select tests.state_unchanged('the dual member''s uncovered resume changed nothing');

-- The other coordinator of A North ends coord_north's pause.
select tests.act_as('coord_multi', 'org_a');
select results_eq(
  $$ select status::text, reason_code::text, note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'cleared by the other coordinator') $$,
  $$ values ('active', null::text, null::text, null::timestamptz, null::uuid, null::text, null::date, 4) $$,
  'a coordinator of the chapter ends a pause another coordinator started'
);
select tests.act_as_owner();
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, actor_user_id, actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a1') and version = 4 $$,
  $$ values ('paused', 'active', null::text, 'cleared by the other coordinator', tests.id('coord_multi'), 'coordinator', 4) $$,
  'the resume is logged with the coordinator as actor'
);

-- coord_south covers A South, where mentor_a2 serves.
select tests.act_as('coord_south', 'org_a');
select results_eq(
  $$ select status::text, paused_by_role::text, version
     from public.deactivate_pause(tests.id('mentor_a2'), tests.id('org_a')) $$,
  $$ values ('active', null::text, 2) $$,
  'a coordinator ends a pause an org admin started on a mentor of their chapter'
);
select tests.act_as_owner();
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, actor_user_id, actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a2') order by version $$,
  $$ values ('active', 'paused', 'personal', null::text, tests.id('admin_a'), 'org_admin', 1),
            ('paused', 'active', null, null, tests.id('coord_south'), 'coordinator', 2) $$,
  'mentor_a2''s log holds the org admin''s pause and the coordinator''s resume'
);

-- mentor_a3 serves A North and A South; coord_south covers only A South.
select tests.act_as('coord_south', 'org_a');
select results_eq(
  $$ select status::text, paused_by_role::text, version
     from public.deactivate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'certificate renewed') $$,
  $$ values ('active', null::text, 2) $$,
  'a coordinator covering one of a mentor''s two chapters ends a pause the system started'
);
select tests.act_as_owner();
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, actor_user_id, actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a3') order by version $$,
  $$ values ('active', 'paused', 'certification_expired', null::text, null::uuid, 'system', 1),
            ('paused', 'active', null, 'certificate renewed', tests.id('coord_south'), 'coordinator', 2) $$,
  'mentor_a3''s log holds the system''s pause and the coordinator''s resume'
);

------------------------------------------------------------------------------------------------
-- Org admins: any mentor of the organization
------------------------------------------------------------------------------------------------

select tests.act_as('admin_a', 'org_a');
select results_eq(
  $$ select paused_by_role::text, version
     from public.activate_pause(tests.id('mentor_a5'), tests.id('org_a'), 'coordinator_decision') $$,
  $$ values ('org_admin', 1) $$,
  'setup: an org admin pauses mentor_a5, who serves in no chapter'
);

select tests.act_as('coord_north', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a5'), tests.id('org_a')) $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'a coordinator cannot resume a mentor who serves in no chapter'
);
select tests.state_unchanged('the coordinator''s resume of a chapterless mentor changed nothing');

select tests.act_as('admin_a', 'org_a');
select results_eq(
  $$ select status::text, reason_code::text, note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from public.deactivate_pause(tests.id('mentor_a5'), tests.id('org_a'), 'decision reversed') $$,
  $$ values ('active', null::text, null::text, null::timestamptz, null::uuid, null::text, null::date, 2) $$,
  'an org admin ends the pause of a mentor who serves in no chapter'
);
select tests.act_as_owner();
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, actor_user_id, actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a5') and version = 2 $$,
  $$ values ('paused', 'active', null::text, 'decision reversed', tests.id('admin_a'), 'org_admin', 2) $$,
  'the resume is logged with the org admin as actor'
);

------------------------------------------------------------------------------------------------
-- The system (service_role) ends a pause
------------------------------------------------------------------------------------------------

select tests.act_as('coord_north', 'org_a');
select results_eq(
  $$ select paused_by_role::text, version
     from public.activate_pause(tests.id('mentor_a6'), tests.id('org_a'), 'coordinator_decision') $$,
  $$ values ('coordinator', 1) $$,
  'setup: a coordinator pauses mentor_a6'
);
select tests.act_as_service_role();
select results_eq(
  $$ select status::text, reason_code::text, note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from public.deactivate_pause(tests.id('mentor_a6'), tests.id('org_a'), 'scheduled resume') $$,
  $$ values ('active', null::text, null::text, null::timestamptz, null::uuid, null::text, null::date, 2) $$,
  'the system ends a coordinator''s pause'
);
select tests.act_as_owner();
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, actor_user_id, actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a6') and version = 2 $$,
  $$ values ('paused', 'active', null::text, 'scheduled resume', null::uuid, 'system', 2) $$,
  'the system''s resume is logged with no actor user and actor role system'
);

------------------------------------------------------------------------------------------------
-- A long history: versions 1..n with one log row each, in order
------------------------------------------------------------------------------------------------

select tests.act_as('user_a4', 'org_a');
select is((public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'vacation', 'summer')).version, 1, 'history: the mentor pauses themselves (version 1)');
select tests.act_as('coord_multi', 'org_a');
select is((public.deactivate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'needed back')).version, 2, 'history: a coordinator of A West ends the self-started pause (version 2)');
select tests.act_as('dual_user', 'org_a');
select is((public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'coordinator_decision', 'review')).version, 3, 'history: the other coordinator of A West pauses (version 3)');
select tests.act_as('user_a4', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a4'), tests.id('org_a')) $$,
  'PM423', 'this pause can only be ended by a coordinator or an organization admin',
  'in the middle of the history, the mentor cannot end the coordinator''s pause'
);
select tests.state_unchanged('the refused resume in the middle of the history changed nothing');
select tests.act_as('admin_a', 'org_a');
select is((public.deactivate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'review done')).version, 4, 'history: the org admin ends the coordinator''s pause (version 4)');
select tests.act_as_service_role();
select is((public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'certification_expired')).version, 5, 'history: the system pauses (version 5)');
select tests.act_as('coord_multi', 'org_a');
select is((public.deactivate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'renewed')).version, 6, 'history: a coordinator ends the system''s pause (version 6)');
select tests.act_as('user_a4', 'org_a');
select is((public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'other', 'exam')).version, 7, 'history: the mentor pauses themselves again (version 7)');
select results_eq(
  $$ select status::text, version
     from public.deactivate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'exam passed') $$,
  $$ values ('active', 8) $$,
  'history: the mentor ends their own pause (version 8)'
);

select tests.act_as_owner();
select results_eq(
  $$ select version, from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, actor_user_id, actor_role::text
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a4') order by id $$,
  $$ values
       (1, 'active', 'paused', 'vacation', 'summer', tests.id('user_a4'), 'peer_mentor'),
       (2, 'paused', 'active', null, 'needed back', tests.id('coord_multi'), 'coordinator'),
       (3, 'active', 'paused', 'coordinator_decision', 'review', tests.id('dual_user'), 'coordinator'),
       (4, 'paused', 'active', null, 'review done', tests.id('admin_a'), 'org_admin'),
       (5, 'active', 'paused', 'certification_expired', null, null, 'system'),
       (6, 'paused', 'active', null, 'renewed', tests.id('coord_multi'), 'coordinator'),
       (7, 'active', 'paused', 'other', 'exam', tests.id('user_a4'), 'peer_mentor'),
       (8, 'paused', 'active', null, 'exam passed', tests.id('user_a4'), 'peer_mentor') $$,
  'the log holds versions 1..8 in insertion order, one row per transition, each naming its actor'
);
select is(tests.version_of('mentor_a4'), 8, 'the stored version equals the newest log version');

select is_empty(
  $$ select s.peer_mentor_id
     from public.peer_mentor_status s
     where s.version <> (select count(*) from public.peer_mentor_status_log l where l.peer_mentor_id = s.peer_mentor_id)
        or s.version <> coalesce((select max(l.version) from public.peer_mentor_status_log l
                                  where l.peer_mentor_id = s.peer_mentor_id), 0) $$,
  'every mentor''s version equals the number of its log rows and its newest log version'
);

select * from finish();
rollback;
