-- The nightly jobs on a hosted Supabase project (issue 19): a time budget for the pg_cron
-- procedure, and which hosts drove each run.
--
-- Touches: private.scheduler_runs (new column hosts, kept by trigger scheduler_runs_record_host
-- and its function private.record_scheduler_run_host); procedure private.run_nightly_jobs,
-- re-created with a second parameter, p_time_budget.
--
-- Why a budget: hosted projects end every statement after a global statement_timeout (2 minutes).
-- pg_cron sends `call private.run_nightly_jobs()` as one statement, and PostgreSQL times the whole
-- CALL: the COMMITs inside it do not restart the clock, setting statement_timeout inside the
-- procedure does not change the running statement's limit, and a SET before the CALL in the same
-- command would put the CALL in a transaction block, where it may not commit. So the procedure
-- starts no batch once its budget is spent (half the statement timeout in force, at most 60 s),
-- and the schedule calls it again and again over the night window
-- (packages/scheduler/sql/nightly-host-pg-cron.sql): each call adopts the runs the previous one
-- left unfinished for the same run date and continues them from their cursors.

alter table private.scheduler_runs add column hosts text[] not null default '{}';
comment on column private.scheduler_runs.hosts is
  'Every host that drove this run, in the order they came (host is the latest): pg_cron, edge-function, node@<machine>, cli@<machine>. Two hosts on one night show up here.';
update private.scheduler_runs set hosts = array[host];

create function private.record_scheduler_run_host()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if not (new.host = any (new.hosts)) then
    new.hosts := new.hosts || new.host;
  end if;
  return new;
end
$$;
comment on function private.record_scheduler_run_host() is
  'Before a run is opened or adopted: adds its host to hosts, so the run summary shows every host that drove it.';

create trigger scheduler_runs_record_host
  before insert or update of host on private.scheduler_runs
  for each row
  execute function private.record_scheduler_run_host();

revoke all on function private.record_scheduler_run_host() from public;

-- The pg_cron entry. A procedure, so it can commit after every batch; for the same reason it
-- cannot carry a SET clause (PostgreSQL forbids transaction control then), so it empties its
-- search_path first thing in each transaction, becomes the system, and names every object with
-- its schema. Splinter's function_search_path_mutable flags it for the missing SET clause: the
-- exception, with this reason, is recorded in packages/db/supabase/splinter-exceptions.json.
drop procedure private.run_nightly_jobs(integer);
create procedure private.run_nightly_jobs(
  p_batch_size integer default 500,
  p_time_budget interval default null
)
language plpgsql
as $$
declare
  v_invocation_id uuid := pg_catalog.gen_random_uuid();
  v_as_of timestamptz := pg_catalog.clock_timestamp();
  v_statement_timeout_ms bigint;
  v_budget interval;
  v_deadline timestamptz;
begin
  perform pg_catalog.set_config('search_path', '', true);
  if p_time_budget <= interval '0' then
    raise exception using
      errcode = 'invalid_parameter_value',
      message = 'run_nightly_jobs needs a positive time budget, or null for the default',
      detail = format('time budget %s', p_time_budget);
  end if;
  -- pg_settings, in milliseconds; 0 means no timeout.
  select s.setting::bigint into v_statement_timeout_ms
  from pg_catalog.pg_settings s
  where s.name = 'statement_timeout';
  v_budget := coalesce(p_time_budget, case
    when v_statement_timeout_ms > 0
      then least(interval '60 seconds', v_statement_timeout_ms * interval '0.5 milliseconds')
    else interval '60 seconds'
  end);
  -- The statement's clock started when the CALL did.
  v_deadline := pg_catalog.statement_timestamp() + v_budget;
  loop
    perform pg_catalog.set_config('search_path', '', true);
    perform pg_catalog.set_config('role', 'service_role', true);
    perform pg_catalog.set_config('request.jwt.claims', '{"role":"service_role"}', true);
    if pg_catalog.clock_timestamp() >= v_deadline then
      raise notice using message = format(
        'run_nightly_jobs: time budget of %s spent; the next call continues the unfinished runs', v_budget);
      return;
    end if;
    exit when not exists (
      select from private.run_scheduler_step(
        v_invocation_id, private.scheduler_job_names(), v_as_of, null, p_batch_size, 'pg_cron'));
    commit;
  end loop;
end
$$;
comment on procedure private.run_nightly_jobs(integer, interval) is
  'Runs tonight''s jobs (scheduled resume, certification expiry, outbox purge) for every organization, committing after each batch, and starts no batch once p_time_budget is spent (default: half the statement timeout in force, at most 60 s); the next call continues the unfinished runs of the same run date. What the pg_cron job calls, repeatedly over the night window; CALL it outside a transaction block, as a role that may become service_role.';

revoke all on procedure private.run_nightly_jobs(integer, interval) from public;
