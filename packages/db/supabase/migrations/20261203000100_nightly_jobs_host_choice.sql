-- The host of the nightly jobs becomes an operator's explicit choice (issue 19).
--
-- 20260402000100_nightly_jobs_pg_cron.sql registered pg_cron job peer-mentor-nightly wherever
-- pg_cron was preloaded for this database, which is every hosted Supabase project, preview
-- branch and `supabase start` stack: the nightly jobs then ran from pg_cron beside whichever
-- host the operator had chosen. From now on an operator chooses the host by applying one file of
-- packages/scheduler/sql/ (pg_cron, the Edge Function through pg_cron and pg_net, or an external
-- Node host), as the scheduler README describes step by step.
--
-- Touches: cron job peer-mentor-nightly as that migration registered it (command
-- `call private.run_nightly_jobs()`, schedule '15 1 * * *'), only when pg_cron is installed
-- here and this role can see its jobs:
--   * never ran (cron.job_run_details has no run of it): nobody relied on it; it is removed;
--   * ran before: this deployment has been running its nights from pg_cron, so that stays the
--     choice, moved to the night window the repeated, time-budgeted calls need
--     ('*/10 1-4 * * *', UTC), as nightly-host-pg-cron.sql schedules it.
-- Elsewhere it changes nothing and says why in a NOTICE. It reads server settings from
-- pg_settings, which shows a role only what it may read, never current_setting(), which raises
-- for a role without pg_read_all_settings (and cron.database_name is superuser-only).

do $$
declare
  v_preload text;
  v_cron_database text;
  v_job_id bigint;
begin
  select s.setting into v_preload
  from pg_catalog.pg_settings s where s.name = 'shared_preload_libraries';
  select s.setting into v_cron_database
  from pg_catalog.pg_settings s where s.name = 'cron.database_name';

  if not exists (
    select from pg_catalog.pg_extension e
    join pg_catalog.pg_namespace n on n.nspname = 'cron'
    where e.extname = 'pg_cron' and pg_catalog.has_schema_privilege(n.oid, 'usage')) then
    raise notice using message = format(
      'pg_cron is not in use in database %s for role %s (shared_preload_libraries: %s; cron.database_name: %s); '
      'no nightly job to review. Choose the nightly host with one of packages/scheduler/sql/nightly-host-*.sql.',
      current_database(), current_user,
      coalesce(v_preload, 'not visible to this role'),
      coalesce(v_cron_database, 'not visible to this role'));
    return;
  end if;

  select j.jobid into v_job_id
  from cron.job j
  where j.jobname = 'peer-mentor-nightly'
    and j.command = 'call private.run_nightly_jobs()'
    and j.schedule = '15 1 * * *';
  if v_job_id is null then
    raise notice 'pg_cron: no job registered by 20260402000100 to review; the nightly host stays as chosen.';
    return;
  end if;

  if exists (select from cron.job_run_details d where d.jobid = v_job_id) then
    -- cron.schedule updates a job of the same name (cron.alter_job is not granted to public).
    perform cron.schedule('peer-mentor-nightly', '*/10 1-4 * * *', 'call private.run_nightly_jobs()');
    raise notice 'pg_cron job peer-mentor-nightly has run nights here, so pg_cron stays the nightly host: '
      'now every 10 minutes from 01:00 to 04:50 UTC, each call continuing the night within its time budget.';
  else
    perform cron.unschedule(v_job_id);
    raise notice 'pg_cron job peer-mentor-nightly removed: it was registered implicitly and never ran. '
      'Choose the nightly host with one of packages/scheduler/sql/nightly-host-*.sql.';
  end if;
end
$$;
