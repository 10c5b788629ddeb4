-- Nightly host: the Edge Function `nightly`, called by pg_cron through pg_net, with its URL and
-- key read from Supabase Vault at every call.
--
-- Before applying it (as postgres, once), deploy the function and store two Vault secrets:
--   select vault.create_secret('https://<project-ref>.supabase.co/functions/v1/nightly', 'peer_mentor_nightly_url');
--   select vault.create_secret('<a secret key, sb_secret_...>', 'peer_mentor_nightly_key');
-- then:
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f packages/scheduler/sql/nightly-host-edge-function.sql
-- Running it again changes nothing. It removes the pg_cron procedure's schedule if there was one
-- (one host at a time), and the job an earlier README had operators create
-- (peer-mentor-nightly-edge), and says in an error, changing nothing, what is missing.
--
-- The schedule: every 2 minutes from 01:00 to 04:58 UTC. A call runs at most
-- NIGHTLY_MAX_BATCHES_PER_CALL batches and starts none after NIGHTLY_TIME_BUDGET_MS (5 s), so it
-- answers within about 6 s; pg_net waits up to 20 s for it (its default, 5 s, is too short for a
-- busy call). pg_net does not hand the answer back to the job, so the job does not pass the
-- function's cursor on: each call starts an invocation without one, and that invocation adopts
-- the runs the last call left unfinished for the same run date and continues them from the
-- cursors they keep in the database. Once the night is done a call finds nothing to do.
do $$
begin
  if not exists (select from pg_catalog.pg_extension e where e.extname = 'pg_cron') then
    raise exception using
      errcode = 'feature_not_supported',
      message = 'pg_cron is not enabled in this database',
      hint = 'On hosted Supabase enable it under Integrations > Cron, then apply this file again.';
  end if;
  if to_regprocedure('net.http_post(text, jsonb, jsonb, jsonb, integer)') is null then
    create extension if not exists pg_net with schema extensions;
  end if;
  if to_regclass('vault.decrypted_secrets') is null then
    raise exception using
      errcode = 'feature_not_supported',
      message = 'Supabase Vault (vault.decrypted_secrets) is not available in this database';
  end if;
  if (select count(distinct s.name) from vault.decrypted_secrets s
      where s.name in ('peer_mentor_nightly_url', 'peer_mentor_nightly_key')
        and coalesce(s.decrypted_secret, '') <> '') <> 2 then
    raise exception using
      errcode = 'invalid_parameter_value',
      message = 'store the Edge Function''s URL and key in Vault first: secrets peer_mentor_nightly_url and peer_mentor_nightly_key',
      hint = 'select vault.create_secret(''https://<project-ref>.supabase.co/functions/v1/nightly'', ''peer_mentor_nightly_url''); '
        'select vault.create_secret(''<secret key>'', ''peer_mentor_nightly_key'');';
  end if;
  perform cron.unschedule(j.jobid) from cron.job j
  where j.jobname in ('peer-mentor-nightly', 'peer-mentor-nightly-edge');
  perform cron.schedule('peer-mentor-nightly-edge-function', '*/2 1-4 * * *', $job$
    select net.http_post(
      url := (select s.decrypted_secret from vault.decrypted_secrets s where s.name = 'peer_mentor_nightly_url'),
      body := '{}'::jsonb,
      params := '{}'::jsonb,
      headers := jsonb_build_object(
        'Content-Type', 'application/json',
        'Authorization', 'Bearer ' || (select s.decrypted_secret from vault.decrypted_secrets s where s.name = 'peer_mentor_nightly_key')),
      timeout_milliseconds := 20000
    ) as request_id
  $job$);
  raise notice 'nightly host: the Edge Function, called by pg_cron job peer-mentor-nightly-edge-function every 2 minutes from 01:00 to 04:58 UTC';
end
$$;
