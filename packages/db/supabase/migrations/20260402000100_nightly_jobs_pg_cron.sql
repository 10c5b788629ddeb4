-- Schedules the nightly jobs with pg_cron, where pg_cron can be used in this database: the
-- seed's contingency, with no Edge Function in the loop. The job calls
-- private.run_nightly_jobs() (20260402000000_nightly_jobs.sql), which drives the same batches
-- as the other hosts and commits after each.
--
-- Touches: creates extension pg_cron (schema pg_catalog, as Supabase's dashboard does) when it
-- is available, preloaded (shared_preload_libraries) and this is its database
-- (cron.database_name); schedules cron job peer-mentor-nightly. Anywhere else (the local
-- platform, the test clusters, a server without pg_cron) it changes nothing and says so in a
-- NOTICE. Running it again only reschedules the job (cron.schedule updates a job by name).
--
-- pg_cron reads schedules in UTC (GMT): 01:15 UTC is 02:15 in Oslo in winter, 03:15 in summer.
-- Each organization's run date is its own calendar date when the job starts.

do $$
declare
  v_preloaded boolean := 'pg_cron' = any (
    string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ','));
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'pg_cron') then
    if not (v_preloaded
            and exists (select from pg_catalog.pg_available_extensions where name = 'pg_cron')
            and current_setting('cron.database_name', true) = current_database()) then
      raise notice using message = format(
        'pg_cron cannot be used in database %s (available: %s, preloaded: %s, cron.database_name: %s); '
        'the nightly jobs are not scheduled here. Run them from the Node host or the Edge Function, '
        'or enable pg_cron and run this migration''s DO block again.',
        current_database(),
        exists (select from pg_catalog.pg_available_extensions where name = 'pg_cron'),
        v_preloaded,
        coalesce(current_setting('cron.database_name', true), 'unset'));
      return;
    end if;
    create extension pg_cron with schema pg_catalog;
  end if;
  perform cron.schedule('peer-mentor-nightly', '15 1 * * *', 'call private.run_nightly_jobs()');
  raise notice 'pg_cron job peer-mentor-nightly: call private.run_nightly_jobs() at 01:15 UTC every night';
end
$$;
