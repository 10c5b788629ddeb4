-- The nightly jobs (DESIGN §11): certification expiry, scheduled resumes and the purge of
-- delivered outbox events, run in small keyset-paginated batches that any host can drive
-- (the Node process, the Supabase Edge Function, pg_cron).
--
-- Every mentor change goes through private.transition_peer_mentor_status as the system actor
-- (advisory lock, status row, log row, outbox event in one statement); nothing here writes a
-- status or a log row itself.
--
-- Touches:
--   * public.peer_mentor_certifications: adds the expiry marker expiry_handled_for,
--     expiry_handled_on, expiry_outcome, and two partial indexes (who is due for expiry; whose
--     expiry pause may end because the certification was renewed);
--   * public.peer_mentor_status: a partial index of the pauses with an expected end, and
--     trigger peer_mentor_status_release_deferred_expiry (function
--     private.release_deferred_certification_expiry);
--   * private.status_change_outbox: a partial index of delivered events (the purge);
--   * creates tables private.scheduler_runs (one summary per job, organization and run) and
--     private.scheduler_run_errors (RLS on, no client privilege);
--   * creates type private.scheduler_batch and functions private.scheduler_lock_namespace,
--     private.scheduler_job_names, private.expire_certification,
--     private.end_pause_past_expected_end, private.end_pause_after_renewal,
--     private.scheduler_candidates, private.run_scheduler_batch, private.open_scheduler_run,
--     private.run_scheduler_step (service_role only) and procedure private.run_nightly_jobs
--     (what pg_cron calls; 20260402000100_nightly_jobs_pg_cron.sql schedules it).
--
-- "Today" is one date per run, fixed when the run starts: the run date. A certification is
-- valid through its valid_until day, so it has expired when valid_until < run date; a pause
-- has passed its expected end when expected_end < run date.

------------------------------------------------------------------------------------------------
-- Who is due: markers and partial indexes
------------------------------------------------------------------------------------------------

-- The expiry marker. Set when the nightly job has handled the expiry of one valid_until value;
-- a renewal (a new valid_until) makes the certification due again by itself, with no trigger.
--   paused:   the mentor is paused for certification_expired (by the job, or already was);
--   deferred: the mentor was already paused for another reason and keeps that pause; when it
--             ends, the marker is cleared (trigger below) and the next run pauses the mentor.
alter table public.peer_mentor_certifications
  add column expiry_handled_for date,
  add column expiry_handled_on date,
  add column expiry_outcome text check (expiry_outcome in ('paused', 'deferred')),
  add constraint peer_mentor_certifications_expiry_marker_complete check (
    (expiry_handled_for is null) = (expiry_handled_on is null)
    and (expiry_handled_for is null) = (expiry_outcome is null));

comment on column public.peer_mentor_certifications.expiry_handled_for is
  'The valid_until whose expiry the nightly job has handled (null: not handled). Due again when valid_until changes.';
comment on column public.peer_mentor_certifications.expiry_handled_on is
  'The run date on which the nightly job handled that expiry.';
comment on column public.peer_mentor_certifications.expiry_outcome is
  'paused: the mentor is paused for certification_expired; deferred: the mentor kept another pause, and is paused when it ends.';

-- Due for expiry: not yet handled. A run reads the range valid_until < run date, so it touches
-- only the certifications that expired and were not handled, never the valid roster.
create index peer_mentor_certifications_expiry_due_idx
  on public.peer_mentor_certifications (organization_id, valid_until, peer_mentor_id)
  where expiry_handled_for is distinct from valid_until;

-- Expiry pauses that may end: a run reads the range valid_until >= run date (renewed).
create index peer_mentor_certifications_expiry_paused_idx
  on public.peer_mentor_certifications (organization_id, valid_until, peer_mentor_id)
  where expiry_outcome = 'paused';

-- Pauses with an expected end, by that date: a run reads the range expected_end < run date.
create index peer_mentor_status_expected_end_idx
  on public.peer_mentor_status (organization_id, expected_end, peer_mentor_id)
  where status = 'paused' and expected_end is not null;

-- Delivered events, oldest first: the purge reads the range delivered_at < cutoff.
create index status_change_outbox_delivered_idx
  on private.status_change_outbox (delivered_at)
  where delivered_at is not null;

-- Runs as the owner inside the transition core (the only writer of peer_mentor_status).
create function private.release_deferred_certification_expiry()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  update public.peer_mentor_certifications c
  set expiry_handled_for = null, expiry_handled_on = null, expiry_outcome = null
  where c.peer_mentor_id = new.peer_mentor_id
    and c.expiry_outcome = 'deferred';
  return null;
end
$$;
comment on function private.release_deferred_certification_expiry() is
  'After a pause ends: a certification expiry that was deferred because the mentor was paused for another reason becomes due again, so the next run pauses the mentor for it.';

create trigger peer_mentor_status_release_deferred_expiry
  after update of status on public.peer_mentor_status
  for each row
  when (old.status = 'paused' and new.status = 'active')
  execute function private.release_deferred_certification_expiry();

------------------------------------------------------------------------------------------------
-- Run summaries
------------------------------------------------------------------------------------------------

create table private.scheduler_runs (
  id bigint generated always as identity primary key,
  job text not null check (job in ('scheduled_resume', 'certification_expiry', 'outbox_purge')),
  -- The organization whose calendar and mentors the run covers; null for the outbox purge.
  organization_id uuid references public.organizations (id) on delete cascade,
  -- "Today" for this run: explicit, or the organization's date when the run started.
  run_date date not null,
  -- The host invocation (a CLI run, a night of the Node process, an Edge Function cursor, a
  -- pg_cron call) that drives the run now; a later invocation adopts an unfinished run.
  invocation_id uuid not null,
  host text not null check (char_length(host) between 1 and 100),
  batch_size integer not null check (batch_size between 1 and 2000),
  started_at timestamptz not null default now(),
  last_batch_at timestamptz,
  finished_at timestamptz,
  -- completed: every due row was examined; abandoned: superseded by a run for a later date
  -- (whatever it left stays due and the later run picks it up).
  outcome text check (outcome in ('completed', 'abandoned')),
  batches integer not null default 0 check (batches >= 0),
  -- Candidates read; mentors transitioned; markers written without a transition (an expiry
  -- recorded for a mentor who keeps another pause, or a renewal of a mentor no longer paused
  -- for it); candidates no longer due under the lock; events deleted; mentors that failed.
  examined integer not null default 0 check (examined >= 0),
  mentors_changed integer not null default 0 check (mentors_changed >= 0),
  recorded integer not null default 0 check (recorded >= 0),
  skipped integer not null default 0 check (skipped >= 0),
  events_purged integer not null default 0 check (events_purged >= 0),
  errors integer not null default 0 check (errors >= 0),
  last_error text check (char_length(last_error) <= 2000),
  -- The latest batch: candidates read, mentors changed or events purged, failures, duration.
  last_batch_examined integer not null default 0,
  last_batch_changed integer not null default 0,
  last_batch_errors integer not null default 0,
  last_batch_ms numeric(12, 3),
  longest_batch_ms numeric(12, 3),
  -- The purge's cutoff, fixed when the run starts.
  purge_delivered_before timestamptz,
  -- The keyset cursor: phase (scheduled_resume: 1 expected ends, 2 renewed certifications),
  -- then the sort key and mentor id of the last candidate examined.
  phase smallint not null default 1 check (phase in (1, 2)),
  cursor_key date not null default '-infinity',
  cursor_id uuid not null default '00000000-0000-0000-0000-000000000000',
  constraint scheduler_runs_organization_per_job check ((job = 'outbox_purge') = (organization_id is null)),
  constraint scheduler_runs_purge_cutoff check ((job = 'outbox_purge') = (purge_delivered_before is not null)),
  constraint scheduler_runs_finished_with_outcome check ((finished_at is null) = (outcome is null))
);
comment on table private.scheduler_runs is
  'One row per run of a nightly job for one organization (the purge: for all): run date, host, start and finish, batches, mentors changed, errors, and the keyset cursor that makes it resumable. Updated as each batch commits, so it shows progress while a run is going. Clients hold no privilege.';

-- At most one unfinished run per job and organization: every host continues the same one.
create unique index scheduler_runs_one_open_idx
  on private.scheduler_runs (job, organization_id) nulls not distinct
  where finished_at is null;
create index scheduler_runs_invocation_idx on private.scheduler_runs (invocation_id);
create index scheduler_runs_organization_idx on private.scheduler_runs (organization_id);
-- Operators: the latest runs of a job; the opener: "already completed for this date?"
create index scheduler_runs_job_date_idx on private.scheduler_runs (job, run_date, organization_id);

alter table private.scheduler_runs enable row level security;
revoke all on private.scheduler_runs from public, anon, authenticated, service_role;

create table private.scheduler_run_errors (
  id bigint generated always as identity primary key,
  run_id bigint not null references private.scheduler_runs (id) on delete cascade,
  -- No foreign key: like the audit log, the record outlives what it names.
  peer_mentor_id uuid,
  sqlstate text not null,
  message text not null check (char_length(message) <= 2000),
  occurred_at timestamptz not null default now()
);
comment on table private.scheduler_run_errors is
  'One row per mentor a run failed to handle, with the error. The mentor stays due, so the next run tries again. Clients hold no privilege.';
create index scheduler_run_errors_run_idx on private.scheduler_run_errors (run_id);

alter table private.scheduler_run_errors enable row level security;
revoke all on private.scheduler_run_errors from public, anon, authenticated, service_role;

create type private.scheduler_batch as (
  examined integer,
  mentors_changed integer,
  recorded integer,
  skipped integer,
  events_purged integer,
  errors integer,
  last_error text,
  last_key date,
  last_id uuid,
  exhausted boolean
);
comment on type private.scheduler_batch is 'What one batch did, and where its keyset scan stopped.';

------------------------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------------------------

-- Key 1 of the advisory lock that serializes opening runs; private.peer_mentor_lock_namespace
-- is the mentors' namespace, so the two never collide.
create function private.scheduler_lock_namespace()
returns integer
language plpgsql
immutable
set search_path = ''
as $$
begin
  return 1347767120;
end
$$;
comment on function private.scheduler_lock_namespace() is
  'Key 1 of pg_advisory_xact_lock(key1, key2) for opening scheduler runs; key 2 is hashtext(job:organization).';

create function private.scheduler_job_names()
returns text[]
language plpgsql
immutable
set search_path = ''
as $$
begin
  -- The nightly order: pauses end first, so a mentor whose other pause ended tonight and whose
  -- certification has expired is paused for it in the same night.
  return array['scheduled_resume', 'certification_expiry', 'outbox_purge'];
end
$$;
comment on function private.scheduler_job_names() is
  'The nightly jobs in the order a night runs them: scheduled_resume, certification_expiry, outbox_purge.';

------------------------------------------------------------------------------------------------
-- One mentor. Each takes the mentor's lock (the RPCs' lock), reads the mentor again under it,
-- and does nothing when the mentor is no longer due: a manual pause or resume, a renewal or a
-- concurrent run may have come first since the candidate scan. Returns changed, recorded or
-- skipped.
------------------------------------------------------------------------------------------------

create function private.expire_certification(
  p_peer_mentor_id uuid, p_organization_id uuid, p_run_date date)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_now record;
  v_outcome text;
begin
  perform private.lock_peer_mentor(p_peer_mentor_id);
  select c.valid_until, c.expiry_handled_for, s.status, s.reason_code
    into v_now
  from public.peer_mentor_certifications c
  join public.peer_mentor_status s on s.peer_mentor_id = c.peer_mentor_id
  where c.peer_mentor_id = p_peer_mentor_id
    and c.organization_id = p_organization_id
  for update of c;

  if not coalesce(v_now.valid_until < p_run_date
                  and v_now.expiry_handled_for is distinct from v_now.valid_until, false) then
    return 'skipped';
  end if;

  if v_now.status = 'active' then
    perform private.transition_peer_mentor_status(
      'paused', p_peer_mentor_id, p_organization_id, 'certification_expired',
      format('Certification expired: valid until %s', v_now.valid_until), null);
    v_outcome := 'paused';
  elsif v_now.reason_code = 'certification_expired' then
    v_outcome := 'paused';
  else
    v_outcome := 'deferred';
  end if;

  update public.peer_mentor_certifications c
  set expiry_handled_for = v_now.valid_until,
      expiry_handled_on = p_run_date,
      expiry_outcome = v_outcome
  where c.peer_mentor_id = p_peer_mentor_id;
  return case when v_now.status = 'active' then 'changed' else 'recorded' end;
end
$$;
comment on function private.expire_certification(uuid, uuid, date) is
  'Handles one expired certification: pauses an active mentor (certification_expired, as the system); a mentor already paused keeps that pause and the expiry is recorded on the certification. Returns changed, recorded or skipped.';

create function private.end_pause_past_expected_end(
  p_peer_mentor_id uuid, p_organization_id uuid, p_run_date date)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_now record;
begin
  perform private.lock_peer_mentor(p_peer_mentor_id);
  select s.status, s.reason_code, s.expected_end, c.valid_until
    into v_now
  from public.peer_mentor_status s
  left join public.peer_mentor_certifications c on c.peer_mentor_id = s.peer_mentor_id
  where s.peer_mentor_id = p_peer_mentor_id
    and s.organization_id = p_organization_id;

  -- A certification_expired pause lasts while the certification is still expired.
  if not coalesce(v_now.status = 'paused' and v_now.expected_end < p_run_date
                  and not (v_now.reason_code = 'certification_expired'
                           and coalesce(v_now.valid_until < p_run_date, false)), false) then
    return 'skipped';
  end if;

  perform private.transition_peer_mentor_status(
    'active', p_peer_mentor_id, p_organization_id, null,
    format('Scheduled resume: expected end %s has passed', v_now.expected_end), null);
  return 'changed';
end
$$;
comment on function private.end_pause_past_expected_end(uuid, uuid, date) is
  'Ends one pause whose expected end is before the run date, as the system, unless it is a certification_expired pause whose certification is still expired. Returns changed or skipped.';

create function private.end_pause_after_renewal(
  p_peer_mentor_id uuid, p_organization_id uuid, p_run_date date)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_now record;
begin
  perform private.lock_peer_mentor(p_peer_mentor_id);
  select c.valid_until, c.expiry_outcome, s.status, s.reason_code
    into v_now
  from public.peer_mentor_certifications c
  join public.peer_mentor_status s on s.peer_mentor_id = c.peer_mentor_id
  where c.peer_mentor_id = p_peer_mentor_id
    and c.organization_id = p_organization_id
  for update of c;

  if not coalesce(v_now.expiry_outcome = 'paused' and v_now.valid_until >= p_run_date, false) then
    return 'skipped';
  end if;

  update public.peer_mentor_certifications c
  set expiry_handled_for = null, expiry_handled_on = null, expiry_outcome = null
  where c.peer_mentor_id = p_peer_mentor_id;

  -- A coordinator may have ended the expiry pause already (or replaced it); then only the
  -- marker goes.
  if v_now.status = 'paused' and v_now.reason_code = 'certification_expired' then
    perform private.transition_peer_mentor_status(
      'active', p_peer_mentor_id, p_organization_id, null,
      format('Certification renewed: valid until %s', v_now.valid_until), null);
    return 'changed';
  end if;
  return 'recorded';
end
$$;
comment on function private.end_pause_after_renewal(uuid, uuid, date) is
  'Ends one certification_expired pause whose certification is valid again on the run date (renewed), as the system, and clears the expiry marker. Returns changed, recorded (marker cleared, mentor no longer paused for it) or skipped.';

------------------------------------------------------------------------------------------------
-- Batches
------------------------------------------------------------------------------------------------

-- The next candidates of a run after its cursor, in keyset order, from the partial indexes
-- above: the cost is the rows that are due, whatever the roster.
create function private.scheduler_candidates(p_run private.scheduler_runs)
returns table (sort_key date, peer_mentor_id uuid)
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_run.job = 'certification_expiry' then
    return query
      select c.valid_until, c.peer_mentor_id
      from public.peer_mentor_certifications c
      where c.organization_id = p_run.organization_id
        and c.expiry_handled_for is distinct from c.valid_until
        and c.valid_until < p_run.run_date
        and (c.valid_until, c.peer_mentor_id) > (p_run.cursor_key, p_run.cursor_id)
      order by c.valid_until, c.peer_mentor_id
      limit p_run.batch_size;
  elsif p_run.phase = 1 then
    return query
      select s.expected_end, s.peer_mentor_id
      from public.peer_mentor_status s
      where s.organization_id = p_run.organization_id
        and s.status = 'paused'
        and s.expected_end is not null
        and s.expected_end < p_run.run_date
        and (s.expected_end, s.peer_mentor_id) > (p_run.cursor_key, p_run.cursor_id)
      order by s.expected_end, s.peer_mentor_id
      limit p_run.batch_size;
  else
    return query
      select c.valid_until, c.peer_mentor_id
      from public.peer_mentor_certifications c
      where c.organization_id = p_run.organization_id
        and c.expiry_outcome = 'paused'
        and c.valid_until >= p_run.run_date
        and (c.valid_until, c.peer_mentor_id) > (p_run.cursor_key, p_run.cursor_id)
      order by c.valid_until, c.peer_mentor_id
      limit p_run.batch_size;
  end if;
end
$$;
comment on function private.scheduler_candidates(private.scheduler_runs) is
  'The next batch of mentors a run examines, after its keyset cursor: expired unhandled certifications, pauses past their expected end (phase 1), or expiry pauses whose certification was renewed (phase 2).';

-- Runs one batch of a run and records it. Each mentor is handled in its own subtransaction,
-- so a mentor that fails is counted and logged, stays due for the next run, and does not undo
-- the others; the cursor moves past it, so a run always ends.
create function private.run_scheduler_batch(p_run_id bigint)
returns private.scheduler_runs
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_run private.scheduler_runs;
  v_started timestamptz := pg_catalog.clock_timestamp();
  v_batch private.scheduler_batch := row(0, 0, 0, 0, 0, 0, null, null, null, false);
  v_candidate record;
  v_outcome text;
  v_message text;
  v_state text;
  v_ms numeric;
  v_next_phase boolean;
begin
  -- The run's row lock serializes batches of the same run across hosts.
  select r.* into v_run from private.scheduler_runs r where r.id = p_run_id for update;
  v_batch.last_key := v_run.cursor_key;
  v_batch.last_id := v_run.cursor_id;

  if v_run.job = 'outbox_purge' then
    with doomed as (
      select o.event_id
      from private.status_change_outbox o
      where o.delivered_at < v_run.purge_delivered_before
      order by o.delivered_at
      limit v_run.batch_size
      for update skip locked
    ), purged as (
      delete from private.status_change_outbox o
      using doomed d
      where o.event_id = d.event_id
      returning 1
    )
    select count(*)::integer into v_batch.events_purged from purged;
    v_batch.examined := v_batch.events_purged;
  else
    for v_candidate in select * from private.scheduler_candidates(v_run) loop
      v_batch.examined := v_batch.examined + 1;
      v_batch.last_key := v_candidate.sort_key;
      v_batch.last_id := v_candidate.peer_mentor_id;
      begin
        v_outcome := case
          when v_run.job = 'certification_expiry' then
            private.expire_certification(v_candidate.peer_mentor_id, v_run.organization_id, v_run.run_date)
          when v_run.phase = 1 then
            private.end_pause_past_expected_end(v_candidate.peer_mentor_id, v_run.organization_id, v_run.run_date)
          else
            private.end_pause_after_renewal(v_candidate.peer_mentor_id, v_run.organization_id, v_run.run_date)
        end;
        v_batch.mentors_changed := v_batch.mentors_changed + (v_outcome = 'changed')::integer;
        v_batch.recorded := v_batch.recorded + (v_outcome = 'recorded')::integer;
        v_batch.skipped := v_batch.skipped + (v_outcome = 'skipped')::integer;
      exception when others then
        get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
        v_batch.errors := v_batch.errors + 1;
        v_batch.last_error := left(format('%s: %s (peer mentor %s)', v_state, v_message, v_candidate.peer_mentor_id), 2000);
        insert into private.scheduler_run_errors (run_id, peer_mentor_id, sqlstate, message)
        values (v_run.id, v_candidate.peer_mentor_id, v_state, left(v_message, 2000));
      end;
    end loop;
  end if;

  v_batch.exhausted := v_batch.examined < v_run.batch_size;
  v_next_phase := v_batch.exhausted and v_run.job = 'scheduled_resume' and v_run.phase = 1;
  v_ms := round((extract(epoch from pg_catalog.clock_timestamp() - v_started) * 1000)::numeric, 3);

  update private.scheduler_runs r
  set batches = r.batches + 1,
      examined = r.examined + v_batch.examined,
      mentors_changed = r.mentors_changed + v_batch.mentors_changed,
      recorded = r.recorded + v_batch.recorded,
      skipped = r.skipped + v_batch.skipped,
      events_purged = r.events_purged + v_batch.events_purged,
      errors = r.errors + v_batch.errors,
      last_error = coalesce(v_batch.last_error, r.last_error),
      phase = r.phase + v_next_phase::integer,
      cursor_key = case when v_batch.exhausted then '-infinity'::date else v_batch.last_key end,
      cursor_id = case when v_batch.exhausted then '00000000-0000-0000-0000-000000000000'::uuid
                       else v_batch.last_id end,
      finished_at = case when v_batch.exhausted and not v_next_phase then pg_catalog.clock_timestamp() end,
      outcome = case when v_batch.exhausted and not v_next_phase then 'completed' end,
      last_batch_at = pg_catalog.clock_timestamp(),
      last_batch_examined = v_batch.examined,
      last_batch_changed = v_batch.mentors_changed + v_batch.events_purged,
      last_batch_errors = v_batch.errors,
      last_batch_ms = v_ms,
      longest_batch_ms = greatest(r.longest_batch_ms, v_ms)
  where r.id = v_run.id
  returning r.* into v_run;

  raise log 'scheduler run % (% %, run date %): batch % examined %, changed %, errors %, % ms',
    v_run.id, v_run.job, coalesce(v_run.organization_id::text, 'all organizations'), v_run.run_date,
    v_run.batches, v_batch.examined, v_batch.mentors_changed + v_batch.events_purged, v_batch.errors, v_ms;
  return v_run;
end
$$;
comment on function private.run_scheduler_batch(bigint) is
  'Runs the next batch of a run (one transaction: the caller''s), records counts, duration and the keyset cursor on the run, and finishes the run when its last phase has no candidates left. Returns the run.';

-- Finds the run this invocation should work on for one job and organization: its own, an
-- unfinished one to adopt (a crashed or concurrent invocation's, same run date), or a new one.
-- Null when there is nothing to do: its own run finished, or (unless p_rerun) a run for that
-- date already completed.
create function private.open_scheduler_run(
  p_invocation_id uuid,
  p_job text,
  p_organization_id uuid,
  p_run_date date,
  p_host text,
  p_batch_size integer,
  p_rerun boolean,
  p_outbox_retention_days integer
)
returns private.scheduler_runs
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_run private.scheduler_runs;
begin
  -- Two hosts opening the same job at once: the second waits, then finds the first's run.
  perform pg_catalog.pg_advisory_xact_lock(private.scheduler_lock_namespace(),
    pg_catalog.hashtext(p_job || ':' || coalesce(p_organization_id::text, '')));

  select r.* into v_run
  from private.scheduler_runs r
  where r.job = p_job
    and r.organization_id is not distinct from p_organization_id
    and (r.invocation_id = p_invocation_id or r.finished_at is null)
  order by r.id desc
  limit 1;

  if v_run.invocation_id = p_invocation_id then
    return case when v_run.finished_at is null then v_run end;
  end if;
  if v_run.run_date = p_run_date then
    update private.scheduler_runs r
    set invocation_id = p_invocation_id, host = p_host, batch_size = p_batch_size
    where r.id = v_run.id
    returning r.* into v_run;
    return v_run;
  end if;
  if v_run.id is not null then
    update private.scheduler_runs r
    set finished_at = now(), outcome = 'abandoned'
    where r.id = v_run.id;
  end if;

  if not p_rerun and exists (
    select from private.scheduler_runs r
    where r.job = p_job
      and r.run_date = p_run_date
      and r.organization_id is not distinct from p_organization_id
      and r.outcome = 'completed') then
    return null;
  end if;

  insert into private.scheduler_runs (
    job, organization_id, run_date, invocation_id, host, batch_size, purge_delivered_before)
  values (
    p_job, p_organization_id, p_run_date, p_invocation_id, p_host, p_batch_size,
    case when p_job = 'outbox_purge'
      then (p_run_date - p_outbox_retention_days)::timestamp at time zone 'UTC' end)
  returning * into v_run;
  return v_run;
end
$$;
comment on function private.open_scheduler_run(uuid, text, uuid, date, text, integer, boolean, integer) is
  'The run an invocation works on for one job and organization: its own unfinished run, an unfinished run of the same date it adopts (resuming after a crash), or a new run (abandoning an unfinished run of another date). Null when there is nothing left to do.';

------------------------------------------------------------------------------------------------
-- The entry point for every host
------------------------------------------------------------------------------------------------

-- Security definer: the runs tables are the owner's alone; the caller must be the system
-- (service_role, database role and claims), which the transition core checks again per mentor.
create function private.run_scheduler_step(
  p_invocation_id uuid,
  p_jobs text[],
  p_as_of timestamptz,
  p_run_date date default null,
  p_batch_size integer default 500,
  p_host text default 'unnamed host',
  p_rerun boolean default false,
  p_outbox_retention_days integer default 30
)
returns setof private.scheduler_runs
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_job text;
  v_scope record;
  v_run private.scheduler_runs;
begin
  if not private.caller_is_system() then
    raise exception using
      errcode = 'insufficient_privilege',
      message = 'the nightly jobs run as the system: database role service_role with service_role claims';
  end if;
  if p_invocation_id is null or p_jobs is null or cardinality(p_jobs) = 0
    or not (p_jobs <@ private.scheduler_job_names())
    or (p_as_of is null and p_run_date is null)
    or p_batch_size is null or p_batch_size not between 1 and 2000
    or p_host is null or char_length(p_host) not between 1 and 100
    or p_rerun is null
    or p_outbox_retention_days is null or p_outbox_retention_days not between 1 and 3650 then
    raise exception using
      errcode = 'invalid_parameter_value',
      message = 'run_scheduler_step needs an invocation id, jobs from private.scheduler_job_names(), a run date or an as-of time, a batch size from 1 to 2000, a host name, p_rerun and a retention from 1 to 3650 days',
      detail = format('invocation %s, jobs %s, as of %s, run date %s, batch size %s, host %L, rerun %s, retention %s',
        p_invocation_id, p_jobs, p_as_of, p_run_date, p_batch_size, p_host, p_rerun, p_outbox_retention_days);
  end if;

  -- Jobs in their nightly order, whatever order they were given in; organizations by id.
  foreach v_job in array private.scheduler_job_names() loop
    continue when not (v_job = any (p_jobs));
    for v_scope in
      select o.id, o.time_zone
      from public.organizations o
      where v_job <> 'outbox_purge'
      union all
      select null::uuid, 'UTC'
      where v_job = 'outbox_purge'
      order by 1
    loop
      v_run := private.open_scheduler_run(
        p_invocation_id, v_job, v_scope.id,
        coalesce(p_run_date, (p_as_of at time zone v_scope.time_zone)::date),
        p_host, p_batch_size, p_rerun, p_outbox_retention_days);
      continue when v_run.id is null;
      return next private.run_scheduler_batch(v_run.id);
      return;
    end loop;
  end loop;
  return;
end
$$;
comment on function private.run_scheduler_step(uuid, text[], timestamptz, date, integer, text, boolean, integer) is
  'One step of a host invocation: runs the next batch of the first unfinished run among p_jobs (nightly order) and organizations, opening runs as needed, and returns that run; no row when the invocation has nothing left. Run date: p_run_date, else each organization''s date at p_as_of. Call it in its own transaction, as service_role, until it returns no row.';

-- The pg_cron entry (the seed's contingency: the database drives the batches itself). A
-- procedure, so it can commit after every batch; for the same reason it cannot carry a SET
-- clause (PostgreSQL forbids transaction control then), so it sets its search_path, role and
-- claims at the start of each transaction, and names every object with its schema.
create procedure private.run_nightly_jobs(p_batch_size integer default 500)
language plpgsql
as $$
declare
  v_invocation_id uuid := pg_catalog.gen_random_uuid();
  v_as_of timestamptz := pg_catalog.clock_timestamp();
begin
  loop
    perform pg_catalog.set_config('search_path', '', true);
    perform pg_catalog.set_config('role', 'service_role', true);
    perform pg_catalog.set_config('request.jwt.claims', '{"role":"service_role"}', true);
    exit when not exists (
      select from private.run_scheduler_step(
        v_invocation_id, private.scheduler_job_names(), v_as_of, null, p_batch_size, 'pg_cron'));
    commit;
  end loop;
end
$$;
comment on procedure private.run_nightly_jobs(integer) is
  'Runs tonight''s jobs (scheduled resume, certification expiry, outbox purge) for every organization to the end, committing after each batch. What the pg_cron job calls; CALL it outside a transaction block, as a role that may become service_role.';

------------------------------------------------------------------------------------------------
-- Privileges: only the system (service_role) takes steps; the rest runs inside them.
------------------------------------------------------------------------------------------------

revoke all on function private.release_deferred_certification_expiry() from public;
revoke all on function private.scheduler_lock_namespace() from public;
revoke all on function private.scheduler_job_names() from public;
-- private.run_nightly_jobs names tonight's jobs with it after becoming service_role.
grant execute on function private.scheduler_job_names() to service_role;
revoke all on function private.expire_certification(uuid, uuid, date) from public;
revoke all on function private.end_pause_past_expected_end(uuid, uuid, date) from public;
revoke all on function private.end_pause_after_renewal(uuid, uuid, date) from public;
revoke all on function private.scheduler_candidates(private.scheduler_runs) from public;
revoke all on function private.run_scheduler_batch(bigint) from public;
revoke all on function private.open_scheduler_run(uuid, text, uuid, date, text, integer, boolean, integer) from public;
revoke all on function private.run_scheduler_step(uuid, text[], timestamptz, date, integer, text, boolean, integer) from public;
grant execute on function private.run_scheduler_step(uuid, text[], timestamptz, date, integer, text, boolean, integer) to service_role;
revoke all on procedure private.run_nightly_jobs(integer) from public;
