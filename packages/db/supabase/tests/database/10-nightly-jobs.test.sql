-- The nightly jobs (DESIGN §11, migration 20260402000000):
--   * certification expiry: expired yesterday, today, tomorrow; a mentor already paused for
--     another reason keeps that pause (deferred) and is paused for the expiry the moment it
--     ends (in the same transaction, by the system);
--     several organizations; each organization's own calendar date (Oslo vs UTC);
--   * scheduled resume: expected end passed, today, none; certification_expired pauses last
--     while the certification is expired and end when it is renewed;
--   * the outbox purge; runs: summaries, a second run that changes nothing, adoption of an
--     unfinished run (a crash), abandoning a run of an earlier date, a mentor that fails, a
--     mentor that stopped being due between the scan and its lock;
--   * who may take a step, and the pg_cron procedure's contract.
-- Each scenario that counts rows in a run summary gets an organization of its own.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(66);

-- "Today" in Oslo, the world's time zone. Every date below is relative to it, so the file
-- passes on any day (activate_pause refuses an expected end in the past).
select set_config('tests.today', (now() at time zone 'Europe/Oslo')::date::text, true);

create function tests.today()
returns date
language sql
stable
as $$ select current_setting('tests.today')::date $$;

create function tests.add_organization(p_name text, p_time_zone text default 'Europe/Oslo')
returns void
language sql
as $$
  insert into public.organizations (id, name, time_zone) values (tests.id(p_name), p_name, p_time_zone)
$$;

-- A mentor without a login, serving in no chapter, with a certification when given.
create function tests.add_mentor(p_name text, p_organization text, p_valid_until date default null)
returns void
language plpgsql
as $$
begin
  insert into public.peer_mentors (id, organization_id, display_name)
  values (tests.id(p_name), tests.id(p_organization), p_name);
  if p_valid_until is not null then
    insert into public.peer_mentor_certifications (peer_mentor_id, valid_until)
    values (tests.id(p_name), p_valid_until);
  end if;
end
$$;

create function tests.certification_of(p_mentor text)
returns public.peer_mentor_certifications
language sql
stable
as $$ select c from public.peer_mentor_certifications c where c.peer_mentor_id = tests.id(p_mentor) $$;

create function tests.last_log(p_mentor text)
returns public.peer_mentor_status_log
language sql
stable
as $$
  select l from public.peer_mentor_status_log l
  where l.peer_mentor_id = tests.id(p_mentor) order by l.version desc limit 1
$$;

-- A pause as the system would start it (certification_expired is the system's alone).
create function tests.system_pause(p_mentor text, p_organization text, p_reason text, p_expected_end date default null)
returns void
language plpgsql
as $$
begin
  perform tests.act_as_service_role();
  perform public.activate_pause(tests.id(p_mentor), tests.id(p_organization), p_reason, null, p_expected_end);
  perform tests.act_as_owner();
end
$$;

create function tests.admin_pause(p_mentor text, p_reason text, p_expected_end date default null)
returns void
language plpgsql
as $$
begin
  perform tests.act_as('admin_a', 'org_a');
  perform public.activate_pause(tests.id(p_mentor), tests.id('org_a'), p_reason, null, p_expected_end);
  perform tests.act_as_owner();
end
$$;

-- One step of an invocation, as the system; the run it worked on (null: nothing left).
create function tests.step(p_invocation text, p_jobs text[], p_run_date date, p_batch_size integer default 100)
returns private.scheduler_runs
language plpgsql
as $$
declare
  v_run private.scheduler_runs;
begin
  perform tests.act_as_service_role();
  select * into v_run
  from private.run_scheduler_step(tests.id(p_invocation), p_jobs, now(), p_run_date, p_batch_size, 'pgTAP');
  perform tests.act_as_owner();
  return v_run;
end
$$;

-- An invocation driven to its end, as the system; its runs, in the order they were opened.
create function tests.run_jobs(
  p_invocation text, p_jobs text[], p_run_date date,
  p_batch_size integer default 100, p_rerun boolean default false, p_as_of timestamptz default now())
returns setof private.scheduler_runs
language plpgsql
as $$
declare
  v_steps integer := 0;
begin
  perform tests.act_as_service_role();
  while exists (
    select from private.run_scheduler_step(
      tests.id(p_invocation), p_jobs, p_as_of, p_run_date, p_batch_size, 'pgTAP', p_rerun)) loop
    v_steps := v_steps + 1;
    if v_steps > 500 then
      raise exception 'invocation % did not end', p_invocation;
    end if;
  end loop;
  perform tests.act_as_owner();
  return query
    select r.* from private.scheduler_runs r
    where r.invocation_id = tests.id(p_invocation) order by r.id;
end
$$;

-- An invocation that runs batches of one mentor until it has handled one mentor of the given
-- organization, and then stops: its process died with that run unfinished.
create function tests.crash_after_first_mentor(
  p_invocation text, p_jobs text[], p_run_date date, p_organization text)
returns void
language plpgsql
as $$
declare
  v_steps integer := 0;
begin
  loop
    perform tests.step(p_invocation, p_jobs, p_run_date, 1);
    v_steps := v_steps + 1;
    exit when v_steps > 100 or exists (
      select from private.scheduler_runs r
      where r.invocation_id = tests.id(p_invocation)
        and r.organization_id = tests.id(p_organization)
        and r.examined > 0);
  end loop;
end
$$;

create function tests.drive(
  p_invocation text, p_jobs text[], p_run_date date,
  p_batch_size integer default 100, p_rerun boolean default false, p_as_of timestamptz default now())
returns void
language sql
as $$ select null from tests.run_jobs(p_invocation, p_jobs, p_run_date, p_batch_size, p_rerun, p_as_of) $$;

-- CALL private.run_nightly_jobs() as pg_cron does, then back to the owner and pgTAP's path
-- (the procedure sets role, claims and search_path for its transaction).
create function tests.call_run_nightly_jobs()
returns void
language plpgsql
as $$
begin
  call private.run_nightly_jobs();
  perform pg_catalog.set_config('search_path', 'public, extensions', true);
  perform tests.act_as_owner();
end
$$;

create function tests.run_for(p_invocation text, p_organization text)
returns private.scheduler_runs
language sql
stable
as $$
  select r from private.scheduler_runs r
  where r.invocation_id = tests.id(p_invocation)
    and r.organization_id is not distinct from tests.id(p_organization)
  order by r.id desc limit 1
$$;

-- "Meanwhile": after mentor X's status changes, run a statement, as if another session had
-- committed it between a run's candidate scan and its lock on the next mentor.
create function tests.meanwhile()
returns trigger
language plpgsql
as $$
begin
  if new.peer_mentor_id = tests.id(current_setting('tests.meanwhile_mentor', true)) then
    execute current_setting('tests.meanwhile_sql');
  end if;
  return null;
end
$$;
create trigger tests_meanwhile after update of status on public.peer_mentor_status
  for each row execute function tests.meanwhile();

-- A fault: a transition of the named mentor fails.
create function tests.fail_for_mentor()
returns trigger
language plpgsql
as $$
begin
  if new.peer_mentor_id = tests.id(current_setting('tests.failing_mentor', true)) then
    raise exception 'simulated failure for %', new.peer_mentor_id;
  end if;
  return new;
end
$$;
create trigger tests_fail_for_mentor before update on public.peer_mentor_status
  for each row execute function tests.fail_for_mentor();

------------------------------------------------------------------------------------------------
-- Structure and privileges
------------------------------------------------------------------------------------------------

select has_table('private', 'scheduler_runs', 'run summaries live in private.scheduler_runs');
select has_table('private', 'scheduler_run_errors', 'per-mentor failures live in private.scheduler_run_errors');
select table_privs_are('private', t, r, array[]::text[], format('%s holds no privilege on private.%s', r, t))
from unnest(array['scheduler_runs', 'scheduler_run_errors']) as t
cross join unnest(array['anon', 'authenticated', 'service_role']) as r;
select function_privs_are('private', 'run_scheduler_step',
  array['uuid', 'text[]', 'timestamp with time zone', 'date', 'integer', 'text', 'boolean', 'integer'],
  r, case r when 'service_role' then array['EXECUTE'] else array[]::text[] end,
  format('%s %s take a scheduler step', r, case r when 'service_role' then 'may' else 'may not' end))
from unnest(array['anon', 'authenticated', 'service_role']) as r;
select is_empty(
  $$ select p.oid::regprocedure::text
     from pg_catalog.pg_proc p
     where p.pronamespace = 'private'::regnamespace
       and p.proname in ('expire_certification', 'end_pause_past_expected_end', 'end_pause_after_renewal',
                         'scheduler_candidates', 'run_scheduler_batch', 'open_scheduler_run', 'run_nightly_jobs')
       and (has_function_privilege('service_role', p.oid, 'EXECUTE')
         or has_function_privilege('authenticated', p.oid, 'EXECUTE')) $$,
  'the per-mentor, batch and run functions and the pg_cron procedure are the owner''s alone (they run inside a step)');
select trigger_is('public', 'peer_mentor_status', 'peer_mentor_status_release_deferred_expiry',
  'private', 'release_deferred_certification_expiry',
  'trigger peer_mentor_status_release_deferred_expiry makes a deferred expiry due again when a pause ends');

------------------------------------------------------------------------------------------------
-- Certification expiry, run date today (explicit)
------------------------------------------------------------------------------------------------

insert into public.peer_mentor_certifications (peer_mentor_id, valid_until) values
  (tests.id('mentor_a1'), tests.today() - 1),    -- expired yesterday
  (tests.id('mentor_a2'), tests.today()),        -- valid through today
  (tests.id('mentor_a3'), tests.today() + 1),    -- valid through tomorrow
  (tests.id('mentor_a4'), tests.today() - 30),   -- expired, but on vacation
  (tests.id('mentor_a5'), tests.today() - 60),   -- expired, already paused for it
  (tests.id('mentor_b1'), tests.today() - 2);    -- another organization
select tests.admin_pause('mentor_a4', 'vacation', tests.today() + 10);
select tests.system_pause('mentor_a5', 'org_a', 'certification_expired');

select tests.drive('expiry-1', array['certification_expiry'], tests.today());

select is((tests.status_of('mentor_a1')).status, 'paused', 'expired yesterday: paused');
select results_eq(
  $$ select s.reason_code::text, s.paused_by_role::text, s.paused_by from public.peer_mentor_status s
     where s.peer_mentor_id = tests.id('mentor_a1') $$,
  $$ values ('certification_expired', 'system', null::uuid) $$,
  'the expiry pause has reason certification_expired and the system as its actor');
select results_eq(
  $$ select l.version, l.from_status::text, l.to_status::text, l.actor_role::text, l.actor_user_id, tests.note_of(l.peer_mentor_id, l.version) as note
     from public.peer_mentor_status_log l where l.peer_mentor_id = tests.id('mentor_a1') $$,
  format($$ values (1, 'active', 'paused', 'system', null::uuid, 'Certification expired: valid until %s') $$,
    tests.today() - 1),
  'one log row, by the system, saying which certification expired');
select results_eq(
  $$ select o.payload ->> 'reason_code', o.payload ->> 'actor_role' from private.status_change_outbox o
     where o.peer_mentor_id = tests.id('mentor_a1') $$,
  $$ values ('certification_expired', 'system') $$,
  'the transition core wrote the outbox event for the CRM');
select is((tests.status_of('mentor_a2')).status, 'active', 'valid until today: still active today');
select is((tests.status_of('mentor_a3')).status, 'active', 'valid until tomorrow: active');
select results_eq(
  $$ select s.reason_code::text, s.version from public.peer_mentor_status s where s.peer_mentor_id = tests.id('mentor_a4') $$,
  $$ values ('vacation', 1) $$,
  'already paused for another reason: keeps that pause, no second transition');
select results_eq(
  $$ select c.expiry_handled_for, c.expiry_handled_on, c.expiry_outcome from public.peer_mentor_certifications c
     where c.peer_mentor_id = tests.id('mentor_a4') $$,
  format($$ values ('%s'::date, '%s'::date, 'deferred') $$, tests.today() - 30, tests.today()),
  'the expiry is recorded on the certification: handled for that valid_until, on the run date, deferred');
select is(tests.version_of('mentor_a5'), 1, 'already paused for certification_expired: no second transition');
select is((tests.certification_of('mentor_a5')).expiry_outcome, 'paused', '... and its expiry is recorded as paused');
select is((tests.status_of('mentor_b1')).reason_code, 'certification_expired', 'a mentor of another organization is paused by that organization''s run');
select results_eq(
  $$ select r.job, r.run_date, r.host, r.outcome, r.examined, r.mentors_changed, r.recorded, r.skipped, r.errors
     from private.scheduler_runs r
     where r.invocation_id = tests.id('expiry-1') and r.organization_id = tests.id('org_a') $$,
  format($$ values ('certification_expiry', '%s'::date, 'pgTAP', 'completed', 3, 1, 2, 0, 0) $$, tests.today()),
  'the run''s summary: three expired certifications examined, one mentor paused, two expiries recorded');
select ok((tests.run_for('expiry-1', 'org_a')).finished_at >= (tests.run_for('expiry-1', 'org_a')).started_at,
  'the summary has a start and a finish');

select is_empty($$ select * from tests.run_jobs('expiry-again', array['certification_expiry'], tests.today()) $$,
  'a second invocation for the same date finds the runs completed and starts none');
select tests.remember_state();
select results_eq(
  $$ select sum(r.examined)::integer, sum(r.mentors_changed)::integer
     from tests.run_jobs('expiry-rerun', array['certification_expiry'], tests.today(), p_rerun => true) r $$,
  $$ values (0, 0) $$,
  'a rerun of the same date examines nothing: every expiry is marked handled');
select tests.state_unchanged('... and changes no status, log row or version');

-- The deferred expiry holds the moment the vacation ends (issue 16): the mentor is paused for
-- it at once, by the system, and the next run has nothing left to do.
select tests.act_as('admin_a', 'org_a');
select public.deactivate_pause(tests.id('mentor_a4'), tests.id('org_a'));
select tests.act_as_owner();
select is((tests.certification_of('mentor_a4')).expiry_outcome, 'paused',
  'when the other pause ends, the deferred expiry is applied at once and recorded as paused');
select tests.drive('expiry-2', array['certification_expiry'], tests.today(), p_rerun => true);
select results_eq(
  $$ select s.status::text, s.reason_code::text, s.version from public.peer_mentor_status s
     where s.peer_mentor_id = tests.id('mentor_a4') $$,
  $$ values ('paused', 'certification_expired', 3) $$,
  '... the mentor is paused for the expired certification (version 2 the resume, 3 the system''s pause)');
select results_eq(
  $$ select (tests.last_log('mentor_a4')).actor_role::text,
            (select sum(r.mentors_changed)::integer from private.scheduler_runs r
             where r.invocation_id = tests.id('expiry-2')) $$,
  $$ values ('system', 0) $$,
  '... by the system when the vacation ended: the next run changes nothing');

------------------------------------------------------------------------------------------------
-- The organization's calendar: an instant just after midnight in Oslo is still yesterday in UTC
------------------------------------------------------------------------------------------------

select tests.add_organization('org_utc', 'UTC');
select tests.add_mentor('tz_oslo', 'org_a', tests.today() - 1);
select tests.add_mentor('tz_utc', 'org_utc', tests.today() - 1);
select tests.drive('calendar', array['certification_expiry'], null, p_rerun => true,
  p_as_of => (tests.today()::timestamp + interval '30 minutes') at time zone 'Europe/Oslo');
select results_eq(
  $$ select r.run_date from private.scheduler_runs r
     where r.invocation_id = tests.id('calendar') and r.organization_id in (tests.id('org_a'), tests.id('org_utc'))
     order by r.organization_id = tests.id('org_utc') $$,
  format($$ values ('%s'::date), ('%s'::date) $$, tests.today(), tests.today() - 1),
  'at 00:30 in Oslo the Oslo organization''s run date is today, the UTC organization''s is yesterday');
select is((tests.status_of('tz_oslo')).status, 'paused', 'valid until yesterday: expired by Oslo''s date');
select is((tests.status_of('tz_utc')).status, 'active', 'valid until yesterday: still valid on the UTC organization''s date');

------------------------------------------------------------------------------------------------
-- Scheduled resume, run date tomorrow
------------------------------------------------------------------------------------------------

select tests.add_mentor('r_due', 'org_a');
select tests.add_mentor('r_tomorrow', 'org_a');
select tests.add_mentor('r_open', 'org_a');
select tests.add_mentor('r_expired', 'org_a', tests.today() - 5);
select tests.add_mentor('r_renewed', 'org_a', tests.today() - 5);
select tests.add_mentor('r_overridden', 'org_a', tests.today() - 5);
insert into public.peer_mentor_chapters (peer_mentor_id, chapter_id) values
  (tests.id('r_due'), tests.id('a_north')), (tests.id('r_due'), tests.id('a_south'));
select tests.admin_pause('r_due', 'health', tests.today());
select tests.admin_pause('r_tomorrow', 'personal', tests.today() + 1);
select tests.admin_pause('r_open', 'other');
select tests.system_pause('r_expired', 'org_a', 'certification_expired', tests.today());
-- The expiry run marks the three certifications; then two are renewed, and a coordinator
-- ends one of those two pauses by hand.
select tests.drive('resume-setup', array['certification_expiry'], tests.today(), p_rerun => true);
update public.peer_mentor_certifications set valid_until = tests.today() + 365
where peer_mentor_id in (tests.id('r_renewed'), tests.id('r_overridden'));
select tests.act_as('admin_a', 'org_a');
select public.deactivate_pause(tests.id('r_overridden'), tests.id('org_a'));
select tests.act_as_owner();

select tests.drive('resume-1', array['scheduled_resume'], tests.today() + 1);

select results_eq(
  $$ select s.status::text, l.to_status::text, l.actor_role::text, l.actor_user_id, tests.note_of(l.peer_mentor_id, l.version) as note
     from public.peer_mentor_status s, tests.last_log('r_due') l
     where s.peer_mentor_id = tests.id('r_due') $$,
  format($$ values ('active', 'active', 'system', null::uuid, 'Scheduled resume: expected end %s has passed') $$, tests.today()),
  'expected end passed (a mentor of two chapters): resumed by the system, once');
select is((tests.status_of('r_tomorrow')).status, 'paused', 'expected end on the run date: still paused');
select is((tests.status_of('r_open')).status, 'paused', 'no expected end: still paused');
select is((tests.status_of('r_expired')).status, 'paused',
  'a certification_expired pause whose expected end passed stays while the certification is expired');
select results_eq(
  $$ select s.status::text, tests.note_of(l.peer_mentor_id, l.version) as note from public.peer_mentor_status s, tests.last_log('r_renewed') l
     where s.peer_mentor_id = tests.id('r_renewed') $$,
  format($$ values ('active', 'Certification renewed: valid until %s') $$, tests.today() + 365),
  'a certification_expired pause ends when the certification has been renewed');
select is((tests.certification_of('r_renewed')).expiry_handled_for, null, '... and its expiry marker is cleared');
select results_eq(
  $$ select s.status::text, s.version, c.expiry_outcome from public.peer_mentor_status s
     join public.peer_mentor_certifications c using (peer_mentor_id) where s.peer_mentor_id = tests.id('r_overridden') $$,
  $$ values ('active', 2, null::text) $$,
  'renewed after a coordinator already ended the pause: only the marker is cleared');
select results_eq(
  $$ select r.phase, r.outcome, r.examined, r.mentors_changed, r.recorded, r.skipped
     from private.scheduler_runs r where r.invocation_id = tests.id('resume-1') and r.organization_id = tests.id('org_a') $$,
  $$ values (2::smallint, 'completed', 4, 2, 1, 1) $$,
  'the resume run went through both phases: 4 examined, 2 resumed, 1 marker cleared, 1 still due to stay');

------------------------------------------------------------------------------------------------
-- Resuming an interrupted run, and a run of an earlier date
------------------------------------------------------------------------------------------------

select tests.add_organization('org_crash');
select tests.add_mentor('c1', 'org_crash', tests.today() - 3);
select tests.add_mentor('c2', 'org_crash', tests.today() - 2);
select tests.add_mentor('c3', 'org_crash', tests.today() - 1);
select tests.crash_after_first_mentor('crashed', array['certification_expiry'], tests.today() + 2, 'org_crash');
select is((select r.examined from private.scheduler_runs r
           where r.invocation_id = tests.id('crashed') and r.organization_id = tests.id('org_crash')
             and r.finished_at is null), 1,
  'the crashed invocation left its run unfinished after one mentor');
select tests.drive('after-crash', array['certification_expiry'], tests.today() + 2);
select results_eq(
  $$ select count(*)::integer, min(r.invocation_id::text), sum(r.examined)::integer, sum(r.mentors_changed)::integer
     from private.scheduler_runs r where r.organization_id = tests.id('org_crash') $$,
  format($$ values (1, '%s', 3, 3) $$, tests.id('after-crash')),
  'after a crash the next invocation adopts the unfinished run: one run, each mentor examined once');
select results_eq(
  $$ select count(*)::integer from public.peer_mentor_status_log l
     where l.peer_mentor_id in (tests.id('c1'), tests.id('c2'), tests.id('c3')) $$,
  $$ values (3) $$,
  'each mentor paused exactly once: no work lost, none repeated');

select tests.add_mentor('c4', 'org_crash', tests.today() - 1);
select tests.add_mentor('c5', 'org_crash', tests.today() - 1);
select tests.crash_after_first_mentor('stale', array['certification_expiry'], tests.today() + 3, 'org_crash');
select tests.drive('next-night', array['certification_expiry'], tests.today() + 4);
select results_eq(
  $$ select r.run_date, r.outcome from private.scheduler_runs r
     where r.organization_id = tests.id('org_crash') and r.run_date > tests.today() + 2 order by r.id $$,
  format($$ values ('%s'::date, 'abandoned'), ('%s'::date, 'completed') $$, tests.today() + 3, tests.today() + 4),
  'an unfinished run of an earlier date is abandoned when the next night''s run starts');
select results_eq(
  $$ select s.status::text, count(*)::integer from public.peer_mentor_status s
     where s.peer_mentor_id in (tests.id('c4'), tests.id('c5')) group by 1 $$,
  $$ values ('paused', 2) $$,
  '... and the next night''s run handles what it left');

------------------------------------------------------------------------------------------------
-- A mentor that stopped being due between the candidate scan and its lock
------------------------------------------------------------------------------------------------

select tests.add_organization('org_race');
select tests.add_mentor('x_first', 'org_race', tests.today() - 10);
select tests.add_mentor('x_renewed', 'org_race', tests.today() - 9);
select set_config('tests.meanwhile_mentor', 'x_first', true);
select set_config('tests.meanwhile_sql', format(
  'update public.peer_mentor_certifications set valid_until = %L where peer_mentor_id = %L',
  tests.today() + 365, tests.id('x_renewed')), true);
select tests.drive('race-expiry', array['certification_expiry'], tests.today(), p_rerun => true);
select results_eq(
  $$ select (tests.status_of('x_first')).status::text, (tests.status_of('x_renewed')).status::text,
            (tests.run_for('race-expiry', 'org_race')).skipped $$,
  $$ values ('paused', 'active', 1) $$,
  'expiry: a certification renewed after the scan is skipped under the lock');

select tests.add_mentor('y_first', 'org_race');
select tests.add_mentor('y_resumed', 'org_race');
select tests.system_pause('y_first', 'org_race', 'health', tests.today());
select tests.system_pause('y_resumed', 'org_race', 'health', tests.today() + 1);
select set_config('tests.meanwhile_mentor', 'y_first', true);
select set_config('tests.meanwhile_sql', format(
  'select public.deactivate_pause(%L, %L)', tests.id('y_resumed'), tests.id('org_race')), true);
select tests.drive('race-resume', array['scheduled_resume'], tests.today() + 2);
select results_eq(
  $$ select (tests.status_of('y_resumed')).status::text, tests.log_count('y_resumed')::integer,
            (tests.run_for('race-resume', 'org_race')).skipped $$,
  $$ values ('active', 2, 1) $$,
  'resume: a pause ended by someone else after the scan is skipped, with no second log row');

select tests.add_mentor('z_first', 'org_race', tests.today() - 20);
select tests.add_mentor('z_lapsed', 'org_race', tests.today() - 19);
select tests.drive('race-setup', array['certification_expiry'], tests.today(), p_rerun => true);
update public.peer_mentor_certifications set valid_until = tests.today() + 100
where peer_mentor_id = tests.id('z_first');
update public.peer_mentor_certifications set valid_until = tests.today() + 101
where peer_mentor_id = tests.id('z_lapsed');
select set_config('tests.meanwhile_mentor', 'z_first', true);
select set_config('tests.meanwhile_sql', format(
  'update public.peer_mentor_certifications set valid_until = %L where peer_mentor_id = %L',
  tests.today() - 19, tests.id('z_lapsed')), true);
select tests.drive('race-renewal', array['scheduled_resume'], tests.today() + 1);
select results_eq(
  $$ select (tests.status_of('z_first')).status::text, (tests.status_of('z_lapsed')).status::text,
            (tests.run_for('race-renewal', 'org_race')).skipped $$,
  $$ values ('active', 'paused', 1) $$,
  'renewal: a renewal taken back after the scan is skipped; the pause stays');
select set_config('tests.meanwhile_mentor', '', true);

------------------------------------------------------------------------------------------------
-- A mentor that fails
------------------------------------------------------------------------------------------------

select tests.add_organization('org_fault');
select tests.add_mentor('f_broken', 'org_fault', tests.today() - 3);
select tests.add_mentor('f_fine', 'org_fault', tests.today() - 2);
select set_config('tests.failing_mentor', 'f_broken', true);
select tests.drive('fault', array['certification_expiry'], tests.today(), p_rerun => true);
select results_eq(
  $$ select r.outcome, r.examined, r.mentors_changed, r.errors, r.last_error like '%simulated failure%'
     from private.scheduler_runs r where r.invocation_id = tests.id('fault') and r.organization_id = tests.id('org_fault') $$,
  $$ values ('completed', 2, 1, 1, true) $$,
  'a failing mentor is counted as an error and does not stop the run');
select results_eq(
  $$ select e.peer_mentor_id, e.sqlstate, e.message like 'simulated failure%'
     from private.scheduler_run_errors e join private.scheduler_runs r on r.id = e.run_id
     where r.invocation_id = tests.id('fault') $$,
  format($$ values ('%s'::uuid, 'P0001', true) $$, tests.id('f_broken')),
  'the error is kept with the mentor and its SQLSTATE');
select results_eq(
  $$ select (tests.status_of('f_broken')).status::text, (tests.certification_of('f_broken')).expiry_handled_for,
            (tests.status_of('f_fine')).status::text $$,
  $$ values ('active', null::date, 'paused') $$,
  'nothing of the failed mentor was changed, it stays due; the others were handled');
select set_config('tests.failing_mentor', '', true);
select tests.drive('after-fault', array['certification_expiry'], tests.today(), p_rerun => true);
select is((tests.status_of('f_broken')).status, 'paused', 'the next run handles the mentor once the fault is gone');

------------------------------------------------------------------------------------------------
-- The outbox purge
------------------------------------------------------------------------------------------------

update private.status_change_outbox set delivered_at = now() - interval '40 days'
where peer_mentor_id in (tests.id('mentor_a1'), tests.id('mentor_b1'));
update private.status_change_outbox set delivered_at = now() - interval '5 days'
where peer_mentor_id = tests.id('mentor_a5');
select set_config('tests.outbox_before', (select count(*) from private.status_change_outbox)::text, true);
select results_eq(
  $$ select r.organization_id, r.events_purged, r.batches, r.outcome
     from tests.run_jobs('purge', array['outbox_purge'], tests.today(), p_batch_size => 1) r $$,
  $$ values (null::uuid, 2, 3, 'completed') $$,
  'the purge deletes the events delivered before the retention window, one batch at a time');
select results_eq(
  $$ select count(*)::integer,
            count(*) filter (where peer_mentor_id in (tests.id('mentor_a1'), tests.id('mentor_b1')))::integer,
            count(*) filter (where peer_mentor_id = tests.id('mentor_a5'))::integer
     from private.status_change_outbox $$,
  format($$ values (%s - 2, 0, 1) $$, current_setting('tests.outbox_before')),
  'undelivered and recently delivered events stay');

------------------------------------------------------------------------------------------------
-- Who may take a step, and with what
------------------------------------------------------------------------------------------------

select tests.act_as('admin_a', 'org_a');
select throws_ok(
  format($$ select * from private.run_scheduler_step(%L, array['certification_expiry'], now()) $$, tests.id('nope')),
  '42501', null, 'an org admin cannot take a scheduler step');
select tests.act_as_owner();
select throws_ok(
  format($$ select * from private.run_scheduler_step(%L, array['certification_expiry'], now()) $$, tests.id('nope')),
  '42501', 'the nightly jobs run as the system: database role service_role with service_role claims',
  'without the system''s claims, not even the owner takes a step');
select tests.act_as_service_role();
select throws_ok(
  format($$ select * from private.run_scheduler_step(%L, array['certification_expiry', 'payroll'], now()) $$, tests.id('nope')),
  '22023', null, 'an unknown job is refused');
select throws_ok(
  format($$ select * from private.run_scheduler_step(%L, array['certification_expiry'], now(), null, 0) $$, tests.id('nope')),
  '22023', null, 'a batch size of 0 is refused');
select throws_ok(
  format($$ select * from private.run_scheduler_step(%L, array['certification_expiry'], null, null) $$, tests.id('nope')),
  '22023', null, 'a step needs a run date or an as-of time');
select tests.act_as_owner();

------------------------------------------------------------------------------------------------
-- The pg_cron procedure
------------------------------------------------------------------------------------------------

select throws_ok('call private.run_nightly_jobs()', '2D000', null,
  'the procedure commits after each batch, so it must be called outside a transaction block (as pg_cron does)');
select tests.drive('tonight', private.scheduler_job_names(), null, p_rerun => true);
select lives_ok('select tests.call_run_nightly_jobs()',
  'with tonight''s runs completed, the procedure finds nothing to do and returns');
select is_empty(
  $$ select r.id from private.scheduler_runs r where r.host = 'pg_cron' $$,
  '... and opened no run');
select results_eq(
  $$ select r.job, count(*)::integer from private.scheduler_runs r
     where r.invocation_id = tests.id('tonight') group by r.job order by min(r.id) $$,
  $$ values ('scheduled_resume', 6), ('certification_expiry', 6), ('outbox_purge', 1) $$,
  'a night runs the jobs in order, resumes first, for every organization (the purge once)');

select * from finish();
rollback;
