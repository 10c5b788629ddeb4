-- The nightly jobs on a hosted Supabase project (issue 19, migration 20261203000000):
--   * the pg_cron procedure's time budget: a spent budget starts no batch (the next call
--     continues the night), a budget that is not positive is refused, and the procedure stays
--     the owner's alone;
--   * the run summaries name every host that drove a run: a run opened by one host and adopted
--     by another lists both, in order, once each.
-- The budget against a real statement_timeout, and pg_cron calling the procedure repeatedly,
-- are in packages/scheduler/test/pg-cron.test.ts (a cluster set up as hosted Supabase is).
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(12);

select set_config('tests.today', (now() at time zone 'Europe/Oslo')::date::text, true);

-- Three mentors of org_a whose certifications expired yesterday (org_a's other mentors hold
-- none, so these are the only candidates).
insert into public.peer_mentor_certifications (peer_mentor_id, valid_until)
select tests.id(m), current_setting('tests.today')::date - 1
from unnest(array['mentor_a1', 'mentor_a2', 'mentor_a3']) as m;

-- One step as the system, under a host name; the run it worked on.
create function tests.step_as(p_invocation text, p_host text)
returns private.scheduler_runs
language plpgsql
as $$
declare
  v_run private.scheduler_runs;
begin
  perform tests.act_as_service_role();
  select * into v_run
  from private.run_scheduler_step(tests.id(p_invocation), array['certification_expiry'], now(),
    current_setting('tests.today')::date, 1, p_host);
  perform tests.act_as_owner();
  return v_run;
end
$$;

-- CALL the procedure inside this test's transaction (it commits nothing when it starts no batch
-- or finds nothing), then back to the owner and pgTAP's path.
create function tests.call_run_nightly_jobs(p_time_budget interval)
returns void
language plpgsql
as $$
begin
  call private.run_nightly_jobs(p_time_budget => p_time_budget);
  perform pg_catalog.set_config('search_path', 'public, extensions', true);
  perform tests.act_as_owner();
end
$$;

------------------------------------------------------------------------------------------------
-- Which hosts drove a run
------------------------------------------------------------------------------------------------

-- org_a's expiry run (org_b's, with no candidates, may come first and finish in one step).
create function tests.org_a_run()
returns private.scheduler_runs
language sql
stable
as $$
  select r from private.scheduler_runs r
  where r.organization_id = tests.id('org_a') and r.job = 'certification_expiry'
$$;

select has_column('private', 'scheduler_runs', 'hosts', 'scheduler_runs.hosts lists the hosts that drove a run');
-- Two steps of one batch: org_a's run is open and unfinished (three candidates) either way.
select tests.step_as('first host', 'node@machine-1') from generate_series(1, 2);
select is((tests.org_a_run()).hosts, array['node@machine-1'],
  'a run opened by a host lists that host');
select tests.step_as('second host', 'edge-function');
select is((tests.org_a_run()).hosts, array['node@machine-1', 'edge-function'],
  'a run adopted by another host lists both, in the order they came');
select tests.step_as('third host', 'node@machine-1') from generate_series(1, 4);
select is((tests.org_a_run()).hosts, array['node@machine-1', 'edge-function'],
  'a host that comes back is listed once');
select is(array[(tests.org_a_run()).host, (tests.org_a_run()).outcome],
  array['node@machine-1', 'completed'],
  '... and the run it finished names it as its latest host');

------------------------------------------------------------------------------------------------
-- The pg_cron procedure's time budget
------------------------------------------------------------------------------------------------

select has_function('private', 'run_nightly_jobs', array['integer', 'interval'],
  'private.run_nightly_jobs(batch size, time budget) exists');
select throws_ok($$ select tests.call_run_nightly_jobs('0 seconds') $$, '22023', null,
  'a time budget of zero is refused');
select throws_ok($$ select tests.call_run_nightly_jobs('-1 minute') $$, '22023', null,
  'a negative time budget is refused');
select lives_ok($$ select tests.call_run_nightly_jobs('1 microsecond') $$,
  'a call whose budget is spent before its first batch returns without error');
select is_empty(
  $$ select r.id from private.scheduler_runs r where 'pg_cron' = any (r.hosts) $$,
  '... having started no batch and opened no run: the next call continues the night');
select is_empty(
  $$ select r.rolname
     from pg_catalog.pg_roles r
     where r.rolname in ('anon', 'authenticated', 'service_role')
       and (has_function_privilege(r.rolname, 'private.run_nightly_jobs(integer, interval)', 'EXECUTE')
         or has_function_privilege(r.rolname, 'private.record_scheduler_run_host()', 'EXECUTE')) $$,
  'the procedure and the hosts trigger function are the owner''s alone');
select is(
  (select count(*)::integer from pg_catalog.pg_proc p
   where p.pronamespace = 'private'::regnamespace and p.proname = 'run_nightly_jobs'),
  1, 'the procedure of 20260402000000 (batch size only) is gone: one run_nightly_jobs');

select * from finish();
rollback;
