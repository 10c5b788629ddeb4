-- Hardening (issue 16): the certification loophole, staff acting on themselves, the per-mentor
-- transition limit (PM429), and deny-by-default privileges for objects a future migration adds.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(58);

select set_config('tests.today', (now() at time zone 'Europe/Oslo')::date::text, true);

create function tests.today()
returns date
language sql
stable
as $$ select current_setting('tests.today')::date $$;

-- One simulated night: the nightly jobs for one run date, as the scheduler runs them.
create function tests.night(p_invocation text, p_run_date date)
returns void
language plpgsql
as $$
begin
  perform tests.act_as_service_role();
  while exists (
    select from private.run_scheduler_step(
      tests.id(p_invocation), array['scheduled_resume', 'certification_expiry'], now(), p_run_date,
      100, 'pgTAP')) loop
  end loop;
  perform tests.act_as_owner();
end
$$;

create function tests.log_tail(p_mentor text, p_rows integer)
returns table (version integer, from_status text, to_status text, reason_code text, actor_role text)
language sql
stable
security definer
as $$
  select * from (
    select l.version, l.from_status::text, l.to_status::text, l.reason_code::text, l.actor_role::text
    from public.peer_mentor_status_log l
    where l.peer_mentor_id = tests.id(p_mentor)
    order by l.version desc limit p_rows) t
  order by 1
$$;

------------------------------------------------------------------------------------------------
-- 1. The certification loophole: pausing for something else around the nightly run
------------------------------------------------------------------------------------------------

-- mentor_a1's certification expired yesterday. Before the first night she pauses herself.
insert into public.peer_mentor_certifications (peer_mentor_id, valid_until)
values (tests.id('mentor_a1'), tests.today() - 1);

select tests.act_as('user_a1', 'org_a');
select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'personal', 'a week off');
select tests.night('night-1', tests.today());
select is((select c.expiry_outcome from public.peer_mentor_certifications c
           where c.peer_mentor_id = tests.id('mentor_a1')), 'deferred',
  'night 1: she was paused for a personal reason, so the expiry is deferred');

-- The morning after, she ends her own pause.
select tests.act_as('user_a1', 'org_a');
select results_eq(
  $$ select status::text, reason_code::text, paused_by, paused_by_role::text, version
     from public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'back') $$,
  $$ values ('paused', 'certification_expired', null::uuid, 'system', 3) $$,
  'ending her pause leaves her paused for certification_expired by the system, and the result says so');
select tests.act_as_owner();
select results_eq(
  $$ select * from tests.log_tail('mentor_a1', 2) $$,
  $$ values (2, 'paused', 'active', null, 'peer_mentor'),
            (3, 'active', 'paused', 'certification_expired', 'system') $$,
  'both transitions are logged in order: her resume (version 2), then the system''s pause (version 3)');
select results_eq(
  $$ select o.status_version, o.payload ->> 'status', o.payload ->> 'reason_code', o.payload ->> 'actor_role'
     from private.status_change_outbox o
     where o.peer_mentor_id = tests.id('mentor_a1') and o.status_version >= 2 order by o.status_version $$,
  $$ values (2, 'active', null, 'peer_mentor'), (3, 'paused', 'certification_expired', 'system') $$,
  'both transitions go to the outbox, in order');
select results_eq(
  $$ select c.expiry_handled_for, c.expiry_handled_on, c.expiry_outcome
     from public.peer_mentor_certifications c where c.peer_mentor_id = tests.id('mentor_a1') $$,
  format($$ values ('%s'::date, '%s'::date, 'paused') $$, tests.today() - 1, tests.today()),
  'the certification records the expiry as paused, so a renewal ends the pause');

-- Nights 2 and 3: she tries the trick again; it no longer works.
select tests.act_as('user_a1', 'org_a');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'personal') $$,
  'PM409', 'peer mentor is already paused',
  'night 2, evening: she cannot swap the expiry pause for a personal one');
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  'PM423', 'this pause can only be ended by a coordinator or an organization admin',
  'night 2, morning: she cannot end the system''s pause');
select tests.night('night-2', tests.today() + 1);
select tests.night('night-3', tests.today() + 2);
select results_eq(
  $$ select status::text, reason_code::text, version from public.peer_mentor_status
     where peer_mentor_id = tests.id('mentor_a1') $$,
  $$ values ('paused', 'certification_expired', 3) $$,
  'after nights 2 and 3 she is still paused for the expired certification');

-- A coordinator ending the pause while the certification is still expired changes nothing in
-- effect: she is paused for it again, by the system.
select tests.act_as('coord_north', 'org_a');
select results_eq(
  $$ select status::text, reason_code::text, paused_by_role::text, version
     from public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  $$ values ('paused', 'certification_expired', 'system', 5) $$,
  'a coordinator ending it while the certification is expired: paused again by the system');

-- The renewal path: a new valid_until, and the next night ends the expiry pause.
select tests.act_as_owner();
update public.peer_mentor_certifications set valid_until = tests.today() + 365
where peer_mentor_id = tests.id('mentor_a1');
select tests.night('night-4', tests.today() + 3);
select results_eq(
  $$ select status::text, version, (select c.expiry_outcome from public.peer_mentor_certifications c
                                    where c.peer_mentor_id = tests.id('mentor_a1'))
     from public.peer_mentor_status where peer_mentor_id = tests.id('mentor_a1') $$,
  $$ values ('active', 6, null::text) $$,
  'renewed: the next night ends the expiry pause and clears the marker');
select tests.act_as('user_a1', 'org_a');
select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'vacation');
select results_eq(
  $$ select status::text, reason_code::text, version
     from public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  $$ values ('active', null, 8) $$,
  'with a valid certification, ending a pause just ends it');

------------------------------------------------------------------------------------------------
-- 2. Staff acting on themselves follow the mentor's rules
------------------------------------------------------------------------------------------------

select tests.act_as_owner();
insert into public.peer_mentors (id, organization_id, user_id, display_name) values
  (tests.id('sm_coord'), tests.id('org_a'), tests.id('coord_north'), 'Coordinator North as mentor'),
  (tests.id('sm_admin'), tests.id('org_a'), tests.id('admin_a'), 'Admin A as mentor'),
  (tests.id('sm_none'), tests.id('org_a'), tests.id('coord_none'), 'Coordinator None as mentor');
insert into public.peer_mentor_chapters (peer_mentor_id, chapter_id) values
  (tests.id('sm_coord'), tests.id('a_north')),
  (tests.id('sm_admin'), tests.id('a_south')),
  (tests.id('sm_none'), tests.id('a_west'));

-- Coordinator and mentor (coord_north serves a_north, which she and coord_multi coordinate).
select tests.act_as('coord_north', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('sm_coord'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'coordinator-mentor: may not use coordinator_decision on herself');
select tests.state_unchanged('... and nothing changed');
select results_eq(
  $$ select status::text, paused_by, paused_by_role::text
     from public.activate_pause(tests.id('sm_coord'), tests.id('org_a'), 'personal') $$,
  format($$ values ('paused', '%s'::uuid, 'coordinator') $$, tests.id('coord_north')),
  'coordinator-mentor: pauses herself for a personal reason; her role is recorded');
select results_eq(
  $$ select status::text from public.deactivate_pause(tests.id('sm_coord'), tests.id('org_a')) $$,
  $$ values ('active') $$,
  'coordinator-mentor: ends the pause she started herself');
select results_eq(
  $$ select actor_role::text from public.peer_mentor_status_log
     where peer_mentor_id = tests.id('sm_coord') order by version $$,
  $$ values ('coordinator'), ('coordinator') $$,
  'coordinator-mentor: the log records her role for both transitions');

select tests.act_as('coord_multi', 'org_a');
select public.activate_pause(tests.id('sm_coord'), tests.id('org_a'), 'coordinator_decision');
select tests.act_as('coord_north', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('sm_coord'), tests.id('org_a')) $$,
  'PM423', 'this pause can only be ended by a coordinator or an organization admin',
  'coordinator-mentor: may not end a coordinator_decision pause another coordinator put on her');
select tests.state_unchanged('... and nothing changed');
select tests.act_as('coord_multi', 'org_a');
select lives_ok(
  $$ select public.deactivate_pause(tests.id('sm_coord'), tests.id('org_a')) $$,
  '... the coordinator who imposed it may end it');

select tests.act_as_service_role();
select public.activate_pause(tests.id('sm_coord'), tests.id('org_a'), 'certification_expired');
select tests.act_as('coord_north', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('sm_coord'), tests.id('org_a')) $$,
  'PM423', 'this pause can only be ended by a coordinator or an organization admin',
  'coordinator-mentor: may not end the system''s certification_expired pause on herself');
select tests.state_unchanged('... and nothing changed');
select tests.act_as('coord_multi', 'org_a');
select lives_ok(
  $$ select public.deactivate_pause(tests.id('sm_coord'), tests.id('org_a')) $$,
  '... another coordinator of her chapter may');

-- Org admin and mentor (admin_a serves a_south, coordinated by coord_south).
select tests.act_as('admin_a', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('sm_admin'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'org-admin-mentor: may not use coordinator_decision on herself');
select tests.state_unchanged('... and nothing changed');
select throws_ok(
  $$ select public.activate_pause(tests.id('sm_admin'), tests.id('org_a'), 'certification_expired') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'org-admin-mentor: may not use certification_expired on herself');
select tests.act_as('coord_south', 'org_a');
select public.activate_pause(tests.id('sm_admin'), tests.id('org_a'), 'coordinator_decision');
select tests.act_as('admin_a', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.deactivate_pause(tests.id('sm_admin'), tests.id('org_a')) $$,
  'PM423', 'this pause can only be ended by a coordinator or an organization admin',
  'org-admin-mentor: may not end a coordinator_decision pause her coordinator put on her');
select tests.state_unchanged('... and nothing changed');
select tests.act_as('coord_south', 'org_a');
select public.deactivate_pause(tests.id('sm_admin'), tests.id('org_a'));
select tests.act_as_service_role();
select public.activate_pause(tests.id('sm_admin'), tests.id('org_a'), 'certification_expired');
select tests.act_as('admin_a', 'org_a');
select throws_ok(
  $$ select public.deactivate_pause(tests.id('sm_admin'), tests.id('org_a')) $$,
  'PM423', 'this pause can only be ended by a coordinator or an organization admin',
  'org-admin-mentor: may not end the system''s certification_expired pause on herself');
select tests.act_as('coord_south', 'org_a');
select public.deactivate_pause(tests.id('sm_admin'), tests.id('org_a'));
select tests.act_as('admin_a', 'org_a');
select results_eq(
  $$ select status::text, paused_by_role::text
     from public.activate_pause(tests.id('sm_admin'), tests.id('org_a'), 'health') $$,
  $$ values ('paused', 'org_admin') $$,
  'org-admin-mentor: pauses herself for health; her role is recorded');
select results_eq(
  $$ select status::text from public.deactivate_pause(tests.id('sm_admin'), tests.id('org_a')) $$,
  $$ values ('active') $$,
  'org-admin-mentor: ends the pause she started herself');
select is((select l.actor_role::text from public.peer_mentor_status_log l
           where l.peer_mentor_id = tests.id('sm_admin') order by l.version desc limit 1),
  'org_admin', 'org-admin-mentor: the log records the org_admin role');
select lives_ok(
  $$ select public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'coordinator_decision') $$,
  'org-admin-mentor: towards another mentor she keeps an org admin''s rules');

-- A coordinator who covers no chapter of her own still acts on herself as a mentor.
select tests.act_as('coord_none', 'org_a');
select results_eq(
  $$ select status::text from public.activate_pause(tests.id('sm_none'), tests.id('org_a'), 'vacation') $$,
  $$ values ('paused') $$,
  'coordinator-mentor outside her chapters: pauses herself like any mentor');
select results_eq(
  $$ select status::text from public.deactivate_pause(tests.id('sm_none'), tests.id('org_a')) $$,
  $$ values ('active') $$,
  '... and ends that pause');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'personal') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  '... while another mentor outside her chapters stays forbidden');

------------------------------------------------------------------------------------------------
-- 3. The per-mentor transition limit: 20 in any 60 minutes, PM429, the system exempt
------------------------------------------------------------------------------------------------

select tests.act_as_owner();
select results_eq(
  $$ select max_transitions, per_window from private.status_transition_limit $$,
  $$ values (20, interval '60 minutes') $$,
  'the documented default: 20 transitions per mentor in any 60 minutes');

-- mentor_a3 pauses and resumes herself ten times: 20 transitions, all allowed.
create function tests.pause_and_resume(p_mentor text, p_times integer)
returns void
language plpgsql
as $$
begin
  for i in 1 .. p_times loop
    perform public.activate_pause(tests.id(p_mentor), tests.id('org_a'), 'personal', repeat('x', 1000));
    perform public.deactivate_pause(tests.id(p_mentor), tests.id('org_a'), repeat('y', 1000));
  end loop;
end
$$;
select tests.act_as('user_a3', 'org_a');
select lives_ok(
  $$ select tests.pause_and_resume('mentor_a3', 10) $$,
  'a mentor may make 20 transitions within the hour (with 1,000-character notes)');
select is(tests.version_of('mentor_a3'), 20, '... all 20 happened');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'personal') $$,
  'PM429', 'too many status changes for this peer mentor; try again later',
  'the 21st within the hour is refused with PM429');
select tests.state_unchanged('... and changes nothing');
select tests.act_as('coord_south', 'org_a');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM429', 'too many status changes for this peer mentor; try again later',
  'the limit is per mentor: her coordinator is refused too');
select tests.act_as('admin_a', 'org_a');
select lives_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a2'), tests.id('org_a')) $$,
  'other mentors are not affected');
select tests.act_as_service_role();
select results_eq(
  $$ select status::text, version
     from public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'certification_expired') $$,
  $$ values ('paused', 21) $$,
  'the system is exempt');

-- Transitions older than the window do not count (a history written as of 61 minutes ago).
select tests.act_as_owner();
insert into public.peer_mentor_status_log (
  peer_mentor_id, organization_id, from_status, to_status, reason_code, actor_user_id, actor_role,
  version, created_at)
select tests.id('mentor_a5'), tests.id('org_a'),
       case when v % 2 = 1 then 'active' else 'paused' end::public.pause_status,
       case when v % 2 = 1 then 'paused' else 'active' end::public.pause_status,
       case when v % 2 = 1 then 'personal' end::public.pause_reason_code,
       tests.id('user_a5'), 'peer_mentor', v, now() - interval '61 minutes'
from generate_series(1, 20) v;
update public.peer_mentor_status set version = 20 where peer_mentor_id = tests.id('mentor_a5');
select tests.act_as('user_a5', 'org_a');
select results_eq(
  $$ select version from public.activate_pause(tests.id('mentor_a5'), tests.id('org_a'), 'personal') $$,
  $$ values (21) $$,
  '20 transitions 61 minutes ago do not hold back a new one');

-- Operators change the limit in its one row.
select tests.act_as_owner();
update private.status_transition_limit set max_transitions = 2;
select tests.act_as('user_a5', 'org_a');
select lives_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a5'), tests.id('org_a')) $$,
  'a limit of 2 allows a second transition within the window');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a5'), tests.id('org_a'), 'other') $$,
  'PM429', 'too many status changes for this peer mentor; try again later',
  '... and refuses a third');
select tests.act_as_owner();
select throws_ok(
  $$ insert into private.status_transition_limit (singleton, max_transitions, per_window) values (false, 1, '1 minute') $$,
  '23514', null,
  'the limit has exactly one row');

------------------------------------------------------------------------------------------------
-- 4. Deny by default: objects a future migration creates, without grants of its own
------------------------------------------------------------------------------------------------

select tests.act_as_owner();
create function public.future_rpc() returns integer language sql as $$ select 42 $$;
create function private.future_helper() returns integer language sql as $$ select 42 $$;
create table public.future_table (id integer generated always as identity primary key, secret text);
insert into public.future_table (secret) values ('not for clients');

select results_eq(
  $$ select r, has_function_privilege(r, 'public.future_rpc()', 'execute'),
            has_function_privilege(r, 'private.future_helper()', 'execute')
     from unnest(array['public', 'anon', 'authenticated']) r
     where r <> 'public' $$,
  $$ values ('anon', false, false), ('authenticated', false, false) $$,
  'a new function in public or private is executable by neither anon nor authenticated');
select is_empty(
  $$ select p.oid::regprocedure::text from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
     where p.oid in ('public.future_rpc()'::regprocedure, 'private.future_helper()'::regprocedure)
       and a.grantee = 0 $$,
  'nor by PUBLIC');
select results_eq(
  $$ select r,
            has_table_privilege(r, 'public.future_table', 'select, insert, update, delete, truncate, references, trigger'),
            has_sequence_privilege(r, 'public.future_table_id_seq', 'usage, select, update')
     from unnest(array['anon', 'authenticated']) r $$,
  $$ values ('anon', false, false), ('authenticated', false, false) $$,
  'a new table in public (RLS off) and its sequence grant nothing to anon or authenticated');

select tests.act_as_anon();
select throws_ok($$ select public.future_rpc() $$, '42501', null, 'anon cannot call the new function');
select throws_ok($$ select * from public.future_table $$, '42501', null, 'anon cannot read the new table');
select throws_ok($$ truncate public.future_table $$, '42501', null, 'anon cannot truncate the new table');
select tests.act_as('user_a1', 'org_a');
select throws_ok($$ select public.future_rpc() $$, '42501', null, 'authenticated cannot call the new function');
select throws_ok($$ select private.future_helper() $$, '42501', null, 'authenticated cannot call the new private helper');
select throws_ok($$ select * from public.future_table $$, '42501', null, 'authenticated cannot read the new table');
select throws_ok($$ insert into public.future_table (secret) values ('x') $$, '42501', null,
  'authenticated cannot write the new table');
select tests.act_as_service_role();
select results_eq($$ select secret from public.future_table $$, $$ values ('not for clients') $$,
  'service_role keeps Supabase''s default on new tables (it bypasses RLS; the admin back end)');

select * from finish();
rollback;
