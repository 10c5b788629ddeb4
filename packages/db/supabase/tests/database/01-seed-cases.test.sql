-- The eight cases of the original task, one block each.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(25);

-- (1) A peer mentor can SELECT their own status row.
select tests.act_as('user_a1', 'org_a');
select results_eq(
  $$ select peer_mentor_id from public.peer_mentor_status $$,
  array[tests.id('mentor_a1')],
  '(1) a peer mentor sees exactly their own status row'
);

-- (2) A peer mentor cannot SELECT another mentor's status.
select is_empty(
  $$ select 1 from public.peer_mentor_status where peer_mentor_id = tests.id('mentor_a2') $$,
  '(2) a peer mentor does not see another mentor''s status in the same organization'
);

-- (3) A coordinator can SELECT all statuses in their organization.
select tests.act_as('coord_north', 'org_a');
select set_eq(
  $$ select peer_mentor_id from public.peer_mentor_status $$,
  array[tests.id('mentor_a1'), tests.id('mentor_a2'), tests.id('mentor_a3'), tests.id('mentor_a4'),
        tests.id('mentor_a5'), tests.id('mentor_a6')],
  '(3) a coordinator sees every status row of their organization, covered chapters or not'
);

-- (4) Cross-organization SELECT is rejected.
select tests.act_as('coord_b', 'org_b');
select is_empty(
  $$ select 1 from public.peer_mentor_status where organization_id = tests.id('org_a') $$,
  '(4) a coordinator of another organization sees no status row of organization A'
);
select tests.act_as('coord_b', 'org_a');
select is_empty(
  $$ select 1 from public.peer_mentor_status $$,
  '(4) claiming an organization without a membership there shows nothing'
);

-- (5) activate_pause succeeds and inserts its log entry atomically.
select tests.act_as('user_a1', 'org_a');
select results_eq(
  $$ select status::text, reason_code::text, note, version, paused_by, paused_by_role::text, expected_end
     from public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health', 'back soon', current_date + 7) $$,
  $$ values ('paused', 'health', 'back soon', 1, tests.id('user_a1'), 'peer_mentor', current_date + 7) $$,
  '(5) activate_pause returns the paused status row, version 1'
);
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, actor_user_id, actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a1') $$,
  $$ values ('active', 'paused', 'health', 'back soon', tests.id('user_a1'), 'peer_mentor', 1) $$,
  '(5) the same call wrote exactly one log row describing the transition'
);
select is(tests.version_of('mentor_a1'), 1, '(5) the stored status is at version 1');
select is(tests.log_count('mentor_a1'), 1::bigint, '(5) one log row per transition');

-- (6) deactivate_pause succeeds and inserts its log entry.
select results_eq(
  $$ select status::text, reason_code::text, paused_at, expected_end, version
     from public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'feeling better') $$,
  $$ values ('active', null::text, null::timestamptz, null::date, 2) $$,
  '(6) deactivate_pause returns the active status row with the pause fields cleared, version 2'
);
select results_eq(
  $$ select from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a1') order by version $$,
  $$ values ('active', 'paused', 'health', 'back soon', 'peer_mentor', 1),
            ('paused', 'active', null, 'feeling better', 'peer_mentor', 2) $$,
  '(6) the log holds both transitions in order, versions 1 and 2'
);

-- (7) Concurrent calls for one mentor serialize: each transition holds the mentor's
--     transaction-level advisory lock (two-key form), so a second caller waits and then sees
--     the first caller's result. Real concurrent connections are exercised in
--     packages/db/test/concurrency.test.ts; here: the lock is taken, and a repeated call
--     after the first is refused without a second log row.
select tests.act_as('coord_north', 'org_a');
select lives_ok(
  $$ select public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'coordinator_decision') $$,
  '(7) a coordinator pauses a mentor of their chapter'
);
select tests.act_as_owner();
select is(
  (select count(*) from pg_locks
   where locktype = 'advisory' and pid = pg_backend_pid() and granted
     and classid::bigint = (select private.peer_mentor_lock_namespace()::bigint & 4294967295)
     and objid::bigint = (hashtext(tests.id('mentor_a3')::text)::bigint & 4294967295)
     and objsubid = 2),
  1::bigint,
  '(7) the transition holds the mentor''s two-key advisory lock until the transaction ends'
);
select tests.act_as('coord_multi', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'health') $$,
  'PM409', 'peer mentor is already paused',
  '(7) a second activate_pause on the same mentor is refused with PM409'
);
select tests.state_unchanged('(7) the refused call changed nothing');
select is(tests.log_count('mentor_a3'), 1::bigint, '(7) still exactly one log row for the mentor');
select is(tests.version_of('mentor_a3'), 1, '(7) and the version moved once');

-- (8) A mismatched organization_id raises.
select tests.act_as('user_a2', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a2'), tests.id('org_b'), 'health') $$,
  'PM412', 'organization does not match the caller',
  '(8) p_organization_id different from the claimed organization raises PM412'
);
select tests.state_unchanged('(8) the refused call changed nothing');
select tests.act_as('coord_north', 'org_a');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_b1'), tests.id('org_a'), 'health') $$,
  'PM404', 'peer mentor or chapter not found',
  '(8) a mentor of another organization is not found (no existence leak)'
);
select tests.state_unchanged('(8) the cross-organization call changed nothing');
select tests.act_as('user_a2', 'org_b');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a2'), tests.id('org_b'), 'health') $$,
  'PM412', 'organization does not match the caller',
  '(8) claiming and naming an organization without a membership raises PM412'
);
select tests.state_unchanged('(8) that call changed nothing either');

select tests.act_as_owner();
select is((tests.status_of('mentor_a2')).status, 'active'::public.pause_status, '(8) mentor_a2 is still active');
select is(tests.log_count('mentor_a2'), 0::bigint, '(8) and has no log row');

select * from finish();
rollback;
