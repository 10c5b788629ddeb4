-- Nightly host: pg_cron calls private.run_nightly_jobs() in the database itself.
--
-- Apply once, as postgres (psql, or the Dashboard's SQL editor), to the project's database:
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f packages/scheduler/sql/nightly-host-pg-cron.sql
-- Running it again changes nothing. It removes the Edge Function's schedule if there was one
-- (one host at a time; peer-mentor-nightly-edge is the name an earlier README gave it), and says
-- in an error, changing nothing, when pg_cron cannot run here.
--
-- The schedule: every 10 minutes from 01:00 to 04:50 UTC (02:00-05:50 in Oslo in winter,
-- 03:00-06:50 in summer). Each call starts no batch after its time budget (half the statement
-- timeout, at most 60 s: well inside hosted Supabase's 2 minutes) and the next call continues the
-- same runs, so a heavy night gets 24 calls; once the night is done a call finds nothing and
-- returns at once. pg_cron runs at most one instance of a job at a time.
do $$
declare
  v_preload text;
  v_cron_database text;
begin
  select s.setting into v_preload
  from pg_catalog.pg_settings s where s.name = 'shared_preload_libraries';
  select s.setting into v_cron_database
  from pg_catalog.pg_settings s where s.name = 'cron.database_name';
  if not exists (select from pg_catalog.pg_extension e where e.extname = 'pg_cron') then
    if not exists (select from pg_catalog.pg_available_extensions a where a.name = 'pg_cron') then
      raise exception using
        errcode = 'feature_not_supported',
        message = 'pg_cron is not installed on this server: run the nightly jobs from the Node host or the Edge Function instead';
    end if;
    if v_cron_database is distinct from current_database() then
      raise exception using
        errcode = 'feature_not_supported',
        message = format('pg_cron is not preloaded for database %s (shared_preload_libraries: %s; cron.database_name: %s)',
          current_database(), coalesce(v_preload, 'not visible to this role'),
          coalesce(v_cron_database, 'not visible to this role')),
        hint = 'On hosted Supabase enable it under Integrations > Cron; elsewhere add pg_cron to shared_preload_libraries and set cron.database_name.';
    end if;
    create extension pg_cron with schema pg_catalog;
  end if;
  perform cron.unschedule(j.jobid) from cron.job j
  where j.jobname in ('peer-mentor-nightly-edge-function', 'peer-mentor-nightly-edge');
  perform cron.schedule('peer-mentor-nightly', '*/10 1-4 * * *', 'call private.run_nightly_jobs()');
  raise notice 'nightly host: pg_cron job peer-mentor-nightly, every 10 minutes from 01:00 to 04:50 UTC';
end
$$;
