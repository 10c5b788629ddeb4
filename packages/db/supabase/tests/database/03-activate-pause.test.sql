-- activate_pause: every cell of its row of the access matrix (DESIGN §5), argument validation
-- (DESIGN §6) and the row it stores, returns and logs.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(96);

------------------------------------------------------------------------------------------------
-- Argument validation: PM422 before anything is touched (every mentor is active here)
------------------------------------------------------------------------------------------------

select tests.act_as('user_a1', 'org_a');

select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(null, tests.id('org_a'), 'health') $$,
  'PM422', 'invalid argument',
  'a null p_peer_mentor_id is an invalid argument'
);
select tests.state_unchanged('the call with a null mentor id changed nothing');

select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), null, 'health') $$,
  'PM422', 'invalid argument',
  'a null p_organization_id is an invalid argument'
);
select tests.state_unchanged('the call with a null organization id changed nothing');

select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), null) $$,
  'PM422', 'invalid argument',
  'a null reason code is an invalid argument'
);
select tests.state_unchanged('the call with a null reason code changed nothing');

select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'sabbatical') $$,
  'PM422', 'invalid argument',
  'a reason code outside the enum is an invalid argument'
);
select tests.state_unchanged('the call with an unknown reason code changed nothing');

select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health', repeat('x', 1001)) $$,
  'PM422', 'invalid argument',
  'a note of 1001 characters is an invalid argument'
);
select tests.state_unchanged('the call with a 1001-character note changed nothing');

select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health', null,
                                  (now() at time zone 'Europe/Oslo')::date - 1) $$,
  'PM422', 'invalid argument',
  'an expected end of yesterday (in the organization''s time zone, Europe/Oslo) is an invalid argument'
);
select tests.state_unchanged('the call with an expected end in the past changed nothing');

select tests.act_as('admin_a', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('nobody'), tests.id('org_a'), 'health') $$,
  'PM404', 'peer mentor or chapter not found',
  'a mentor id that does not exist is not found, even for an org admin'
);
select tests.state_unchanged('the call with a nonexistent mentor changed nothing');

------------------------------------------------------------------------------------------------
-- Callers without an identity, a membership or the right organization
------------------------------------------------------------------------------------------------

select tests.act_as_anon();
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health') $$,
  '42501', 'permission denied for function activate_pause',
  'anon cannot execute activate_pause'
);
select tests.state_unchanged('the anonymous call changed nothing');

select tests.act_with_claims(jsonb_build_object(
  'role', 'authenticated', 'aud', 'authenticated',
  'app_metadata', jsonb_build_object('organization_id', tests.id('org_a'))));
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health') $$,
  'PM401', 'not authenticated',
  'authenticated claims without a sub are not authenticated'
);
select tests.state_unchanged('the call without a sub changed nothing');

select tests.act_as('user_a1', 'org_a',
  jsonb_build_object('exp', extract(epoch from now() - interval '1 minute')::bigint));
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health') $$,
  'PM401', 'not authenticated',
  'claims whose exp has passed identify nobody'
);
select tests.state_unchanged('the call with expired claims changed nothing');

select tests.act_as('outsider', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health') $$,
  'PM412', 'organization does not match the caller',
  'a user with no membership who claims organization A gets PM412'
);
select tests.state_unchanged('the outsider''s call changed nothing');

select tests.act_as('outsider');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health') $$,
  'PM412', 'organization does not match the caller',
  'a user with no organization claim at all gets PM412'
);
select tests.state_unchanged('the call without an organization claim changed nothing');

select tests.act_as('user_a1', null,
  jsonb_build_object('user_metadata', jsonb_build_object('organization_id', tests.id('org_a'))));
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health') $$,
  'PM412', 'organization does not match the caller',
  'an organization named only in user_metadata (user-writable) selects nothing'
);
select tests.state_unchanged('the call with a forged user_metadata claim changed nothing');

select tests.act_as('coord_b', 'org_b');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_b'), 'coordinator_decision') $$,
  'PM404', 'peer mentor or chapter not found',
  'a coordinator of organization B acting in B does not find a mentor of organization A'
);
select tests.state_unchanged('the other organization''s coordinator''s call changed nothing');

select tests.act_as('admin_b', 'org_b');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_b'), 'coordinator_decision') $$,
  'PM404', 'peer mentor or chapter not found',
  'an org admin of organization B acting in B does not find a mentor of organization A'
);
select tests.state_unchanged('the other organization''s admin''s call changed nothing');

select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM412', 'organization does not match the caller',
  'an org admin of organization B naming organization A while claiming B gets PM412'
);
select tests.state_unchanged('naming another organization changed nothing');

select tests.act_as('admin_b', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM412', 'organization does not match the caller',
  'an org admin of organization B claiming organization A (no membership there) gets PM412'
);
select tests.state_unchanged('claiming an organization without a membership changed nothing');

select tests.act_as('dual_user', 'org_b');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a4'), tests.id('org_b'), 'coordinator_decision') $$,
  'PM404', 'peer mentor or chapter not found',
  'a user who is org admin of B and coordinator in A, acting in B, does not find A''s mentor'
);
select tests.state_unchanged('the dual member''s call in B changed nothing');

------------------------------------------------------------------------------------------------
-- A peer mentor pauses themselves, with each reason open to everyone
------------------------------------------------------------------------------------------------

select tests.act_as('user_a1', 'org_a');
select results_eq(
  $$ select status::text, reason_code::text, note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'personal', 'family matters',
                                (now() at time zone 'Europe/Oslo')::date + 14) $$,
  $$ values ('paused', 'personal', 'family matters', now(), tests.id('user_a1'), 'peer_mentor',
             (now() at time zone 'Europe/Oslo')::date + 14, 1) $$,
  'a mentor pauses themselves for a personal reason; the call returns the new pause at version 1'
);
select results_eq(
  $$ select organization_id, status::text, reason_code::text, case when status = 'paused' then tests.note_of(peer_mentor_id, version) end as note, paused_at, paused_by, paused_by_role::text,
            expected_end, version
     from tests.status_of('mentor_a1') $$,
  $$ values (tests.id('org_a'), 'paused', 'personal', 'family matters', now(), tests.id('user_a1'), 'peer_mentor',
             (now() at time zone 'Europe/Oslo')::date + 14, 1) $$,
  'the stored status row holds the same pause'
);
select tests.act_as_owner();
select results_eq(
  $$ select organization_id, from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, expected_end,
            actor_user_id, actor_role::text, version, created_at
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a1') $$,
  $$ values (tests.id('org_a'), 'active', 'paused', 'personal', 'family matters',
             (now() at time zone 'Europe/Oslo')::date + 14, tests.id('user_a1'), 'peer_mentor', 1, now()) $$,
  'exactly one log row records the self-pause'
);

select tests.act_as('user_a2', 'org_a');
select results_eq(
  $$ select status::text, reason_code::text, note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'health', repeat('n', 1000),
                                (now() at time zone 'Europe/Oslo')::date) $$,
  $$ values ('paused', 'health', repeat('n', 1000), now(), tests.id('user_a2'), 'peer_mentor',
             (now() at time zone 'Europe/Oslo')::date, 1) $$,
  'a mentor pauses themselves for health, with a note of exactly 1000 characters and an expected end of today in Oslo'
);
select results_eq(
  $$ select status::text, reason_code::text, case when status = 'paused' then tests.note_of(peer_mentor_id, version) end as note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from tests.status_of('mentor_a2') $$,
  $$ values ('paused', 'health', repeat('n', 1000), now(), tests.id('user_a2'), 'peer_mentor',
             (now() at time zone 'Europe/Oslo')::date, 1) $$,
  'the stored status row keeps the whole 1000-character note and today''s expected end'
);
select tests.act_as_owner();
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, expected_end, actor_user_id,
            actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a2') $$,
  $$ values ('active', 'paused', 'health', repeat('n', 1000), (now() at time zone 'Europe/Oslo')::date,
             tests.id('user_a2'), 'peer_mentor', 1) $$,
  'exactly one log row records the health pause'
);

select tests.act_as('user_a3', 'org_a');
select results_eq(
  $$ select status::text, reason_code::text, note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'vacation') $$,
  $$ values ('paused', 'vacation', null::text, now(), tests.id('user_a3'), 'peer_mentor', null::date, 1) $$,
  'a mentor pauses themselves for vacation without a note or an expected end'
);
select results_eq(
  $$ select status::text, reason_code::text, case when status = 'paused' then tests.note_of(peer_mentor_id, version) end as note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from tests.status_of('mentor_a3') $$,
  $$ values ('paused', 'vacation', null::text, now(), tests.id('user_a3'), 'peer_mentor', null::date, 1) $$,
  'the stored vacation pause has no note and no expected end'
);
select tests.act_as_owner();
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, expected_end, actor_user_id,
            actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a3') $$,
  $$ values ('active', 'paused', 'vacation', null::text, null::date, tests.id('user_a3'), 'peer_mentor', 1) $$,
  'exactly one log row records the vacation pause'
);

select tests.act_as('user_a4', 'org_a');
select results_eq(
  $$ select status::text, reason_code::text, note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'other', 'moving house') $$,
  $$ values ('paused', 'other', 'moving house', now(), tests.id('user_a4'), 'peer_mentor', null::date, 1) $$,
  'a mentor pauses themselves for another reason'
);
select results_eq(
  $$ select status::text, reason_code::text, case when status = 'paused' then tests.note_of(peer_mentor_id, version) end as note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from tests.status_of('mentor_a4') $$,
  $$ values ('paused', 'other', 'moving house', now(), tests.id('user_a4'), 'peer_mentor', null::date, 1) $$,
  'the stored row holds the pause for another reason'
);
select tests.act_as_owner();
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, expected_end, actor_user_id,
            actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a4') $$,
  $$ values ('active', 'paused', 'other', 'moving house', null::date, tests.id('user_a4'), 'peer_mentor', 1) $$,
  'exactly one log row records the pause for another reason'
);

-- Reasons a mentor may not use, and mentors a mentor may not see.
select tests.act_as('user_a5', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a5'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'a mentor cannot pause themselves with coordinator_decision'
);
select tests.state_unchanged('the coordinator_decision self-pause changed nothing');

select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a5'), tests.id('org_a'), 'certification_expired') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'a mentor cannot pause themselves with certification_expired'
);
select tests.state_unchanged('the certification_expired self-pause changed nothing');

select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a6'), tests.id('org_a'), 'health') $$,
  'PM404', 'peer mentor or chapter not found',
  'a mentor cannot see, let alone pause, another mentor of the same organization'
);
select tests.state_unchanged('pausing another mentor changed nothing');

select tests.act_as('user_a1', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health') $$,
  'PM409', 'peer mentor is already paused',
  'a paused mentor cannot be paused again'
);
select tests.state_unchanged('the second pause changed nothing');

-- The org admin resumes the four self-paused mentors, so the staff cells start from active.
select tests.act_as('admin_a', 'org_a');
select results_eq(
  $$ select r.peer_mentor_id, r.status::text, r.version
     from unnest(array['mentor_a1', 'mentor_a2', 'mentor_a3', 'mentor_a4']) with ordinality as m (name, n)
     cross join lateral public.deactivate_pause(tests.id(m.name), tests.id('org_a')) as r
     order by m.n $$,
  $$ values (tests.id('mentor_a1'), 'active', 2), (tests.id('mentor_a2'), 'active', 2),
            (tests.id('mentor_a3'), 'active', 2), (tests.id('mentor_a4'), 'active', 2) $$,
  'the org admin resumes the four self-paused mentors: active again at version 2'
);

------------------------------------------------------------------------------------------------
-- The system (service_role)
------------------------------------------------------------------------------------------------

select tests.act_as_service_role();
select results_eq(
  $$ select status::text, reason_code::text, note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from public.activate_pause(tests.id('mentor_a6'), tests.id('org_a'), 'certification_expired',
                                'certificate ran out') $$,
  $$ values ('paused', 'certification_expired', 'certificate ran out', now(), null::uuid, 'system', null::date, 1) $$,
  'the system pauses a mentor for an expired certification; paused_by is null and paused_by_role system'
);
select results_eq(
  $$ select status::text, reason_code::text, case when status = 'paused' then tests.note_of(peer_mentor_id, version) end as note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from tests.status_of('mentor_a6') $$,
  $$ values ('paused', 'certification_expired', 'certificate ran out', now(), null::uuid, 'system', null::date, 1) $$,
  'the stored row records the system as the one who paused'
);
select tests.act_as_owner();
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, actor_user_id, actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a6') $$,
  $$ values ('active', 'paused', 'certification_expired', 'certificate ran out', null::uuid, 'system', 1) $$,
  'the log row has no actor user and actor role system'
);

select tests.act_as_service_role();
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_b1'), tests.id('org_a'), 'certification_expired') $$,
  'PM404', 'peer mentor or chapter not found',
  'the system naming organization A does not find a mentor of organization B'
);
select tests.state_unchanged('the system''s call with the wrong organization changed nothing');

------------------------------------------------------------------------------------------------
-- Coordinators: mentors in a chapter they coordinate
------------------------------------------------------------------------------------------------

select tests.act_as('coord_north', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'a coordinator cannot pause a mentor who serves only in a chapter they do not cover'
);
select tests.state_unchanged('the uncovered pause changed nothing');

select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a5'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'a coordinator cannot pause a mentor who serves in no chapter'
);
select tests.state_unchanged('pausing a mentor without a chapter changed nothing');

select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'certification_expired') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'a coordinator cannot use certification_expired, even for a mentor they cover'
);
select tests.state_unchanged('the coordinator''s certification_expired pause changed nothing');

select tests.act_as('coord_none', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'a coordinator with no chapter cannot pause anyone'
);
select tests.state_unchanged('the chapterless coordinator''s call changed nothing');

select tests.act_as('coord_south', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'health') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'the coordinator of A South cannot pause a mentor of A West'
);
select tests.state_unchanged('the cross-chapter call changed nothing');

select tests.act_as('dual_user', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'acting in A, where they are a coordinator of A West, an org admin of B cannot pause a mentor of A North'
);
select tests.state_unchanged('the dual member''s uncovered call changed nothing');

select tests.act_as('coord_north', 'org_a');
select results_eq(
  $$ select status::text, reason_code::text, note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'coordinator_decision', 'needs a break',
                                (now() at time zone 'Europe/Oslo')::date + 30) $$,
  $$ values ('paused', 'coordinator_decision', 'needs a break', now(), tests.id('coord_north'), 'coordinator',
             (now() at time zone 'Europe/Oslo')::date + 30, 3) $$,
  'a coordinator of A North pauses a mentor of A North (version 3 after pause and resume)'
);
select results_eq(
  $$ select status::text, reason_code::text, case when status = 'paused' then tests.note_of(peer_mentor_id, version) end as note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from tests.status_of('mentor_a1') $$,
  $$ values ('paused', 'coordinator_decision', 'needs a break', now(), tests.id('coord_north'), 'coordinator',
             (now() at time zone 'Europe/Oslo')::date + 30, 3) $$,
  'the stored row records the coordinator as the one who paused'
);
select tests.act_as_owner();
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, actor_user_id, actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a1') and version = 3 $$,
  $$ values ('active', 'paused', 'coordinator_decision', 'needs a break', tests.id('coord_north'), 'coordinator', 3) $$,
  'the log row for version 3 names the coordinator'
);

-- A North has two coordinators; coord_multi covers A North but not A South, where mentor_a3 also serves.
select tests.act_as('coord_multi', 'org_a');
select results_eq(
  $$ select status::text, reason_code::text, paused_by, paused_by_role::text, version
     from public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'health') $$,
  $$ values ('paused', 'health', tests.id('coord_multi'), 'coordinator', 3) $$,
  'the second coordinator of A North pauses a mentor who serves in A North and the uncovered A South'
);
select results_eq(
  $$ select status::text, reason_code::text, paused_at, paused_by, paused_by_role::text, version
     from tests.status_of('mentor_a3') $$,
  $$ values ('paused', 'health', now(), tests.id('coord_multi'), 'coordinator', 3) $$,
  'the stored row records the second coordinator'
);
select tests.act_as_owner();
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, actor_user_id, actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a3') and version = 3 $$,
  $$ values ('active', 'paused', 'health', tests.id('coord_multi'), 'coordinator', 3) $$,
  'the log row names the second coordinator'
);

-- coord_multi also covers A West.
select tests.act_as('coord_multi', 'org_a');
select results_eq(
  $$ select status::text, reason_code::text, paused_by, paused_by_role::text, version
     from public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'vacation') $$,
  $$ values ('paused', 'vacation', tests.id('coord_multi'), 'coordinator', 3) $$,
  'a coordinator of several chapters also pauses a mentor of their other chapter, A West'
);
select results_eq(
  $$ select status::text, reason_code::text, paused_at, paused_by, paused_by_role::text, version
     from tests.status_of('mentor_a4') $$,
  $$ values ('paused', 'vacation', now(), tests.id('coord_multi'), 'coordinator', 3) $$,
  'the stored row of the A West mentor records that coordinator'
);
select tests.act_as_owner();
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, actor_user_id, actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a4') and version = 3 $$,
  $$ values ('active', 'paused', 'vacation', tests.id('coord_multi'), 'coordinator', 3) $$,
  'the log row of the A West mentor names that coordinator'
);

------------------------------------------------------------------------------------------------
-- Org admins: any mentor of the organization
------------------------------------------------------------------------------------------------

select tests.act_as('admin_a', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'certification_expired') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'an org admin cannot use certification_expired'
);
select tests.state_unchanged('the org admin''s certification_expired pause changed nothing');

select results_eq(
  $$ select status::text, reason_code::text, note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'health', 'doctor''s orders') $$,
  $$ values ('paused', 'health', 'doctor''s orders', now(), tests.id('admin_a'), 'org_admin', null::date, 3) $$,
  'an org admin pauses a mentor of a chapter they do not coordinate'
);
select results_eq(
  $$ select status::text, reason_code::text, case when status = 'paused' then tests.note_of(peer_mentor_id, version) end as note, paused_at, paused_by, paused_by_role::text, expected_end, version
     from tests.status_of('mentor_a2') $$,
  $$ values ('paused', 'health', 'doctor''s orders', now(), tests.id('admin_a'), 'org_admin', null::date, 3) $$,
  'the stored row records the org admin'
);
select tests.act_as_owner();
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, actor_user_id, actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a2') and version = 3 $$,
  $$ values ('active', 'paused', 'health', 'doctor''s orders', tests.id('admin_a'), 'org_admin', 3) $$,
  'the log row names the org admin'
);

select tests.act_as('admin_a', 'org_a');
select results_eq(
  $$ select status::text, reason_code::text, paused_at, paused_by, paused_by_role::text, version
     from public.activate_pause(tests.id('mentor_a5'), tests.id('org_a'), 'coordinator_decision') $$,
  $$ values ('paused', 'coordinator_decision', now(), tests.id('admin_a'), 'org_admin', 1) $$,
  'an org admin pauses a mentor who serves in no chapter'
);
select results_eq(
  $$ select status::text, reason_code::text, paused_at, paused_by, paused_by_role::text, version
     from tests.status_of('mentor_a5') $$,
  $$ values ('paused', 'coordinator_decision', now(), tests.id('admin_a'), 'org_admin', 1) $$,
  'the stored row of the chapterless mentor records the org admin'
);
select tests.act_as_owner();
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, actor_user_id, actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a5') $$,
  $$ values ('active', 'paused', 'coordinator_decision', tests.id('admin_a'), 'org_admin', 1) $$,
  'exactly one log row records the chapterless mentor''s pause'
);

------------------------------------------------------------------------------------------------
-- Whole-world invariants after every call above
------------------------------------------------------------------------------------------------

select tests.act_as_owner();
select is_empty(
  $$ select s.peer_mentor_id
     from public.peer_mentor_status s
     where s.version <> (select count(*) from public.peer_mentor_status_log l where l.peer_mentor_id = s.peer_mentor_id)
        or s.version <> coalesce((select max(l.version) from public.peer_mentor_status_log l
                                  where l.peer_mentor_id = s.peer_mentor_id), 0) $$,
  'every mentor''s version equals the number of its log rows and its newest log version'
);
select results_eq(
  $$ select s.status::text, count(*)::int from public.peer_mentor_status s
     where s.organization_id = tests.id('org_a') group by s.status order by s.status $$,
  $$ values ('paused', 6) $$,
  'every mentor of organization A ended up paused, by the caller the matrix allows'
);
select is(
  (tests.status_of('mentor_b1')).version, 0,
  'organization B''s mentor was never touched'
);

-- coordinator_decision belongs to coordinators and org admins, not to the system.
select tests.act_as_service_role();
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a5'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'the system cannot use coordinator_decision (PM403)'
);
select tests.state_unchanged('the refused system call changed nothing');

select * from finish();
rollback;
