-- Nightly host: outside the database (the Node host, `pnpm scheduler serve`, or an operator's
-- `pnpm scheduler run nightly`). Removes the database's own nightly schedules, so nothing in the
-- database starts the night (peer-mentor-nightly-edge is the name an earlier README gave the
-- Edge Function's job). Apply as postgres; running it again changes nothing:
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f packages/scheduler/sql/nightly-host-external.sql
do $$
begin
  if exists (select from pg_catalog.pg_extension e where e.extname = 'pg_cron') then
    perform cron.unschedule(j.jobid) from cron.job j
    where j.jobname in ('peer-mentor-nightly', 'peer-mentor-nightly-edge-function', 'peer-mentor-nightly-edge');
  end if;
  raise notice 'nightly host: outside the database; no pg_cron job starts the night';
end
$$;
