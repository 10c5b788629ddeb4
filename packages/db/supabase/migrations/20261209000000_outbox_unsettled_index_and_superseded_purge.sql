-- The outbox's per-mentor lookups stay O(1) however long a mentor's history grows, and the
-- nightly purge deletes superseded events as well as delivered ones.
--
-- Found while measuring the API (issue 15): since coalescing (20261204000000) an event
-- supersedes its mentor's older unsettled events, so a superseded event is never delivered.
-- The index behind "which older versions of this mentor are still unsettled"
-- (status_change_outbox_undelivered_idx, where delivered_at is null) therefore kept every
-- superseded event of the mentor, and the supersede trigger, which runs on every status change,
-- visited all of them: after 2,100 transitions of one mentor the trigger's UPDATE took ~2.8 ms
-- (553 buffers, 2,099 rows removed by its filter) of a ~4.5 ms transition. Superseded events
-- were also never purged, so the table and that index only grew.
--
-- Touches:
--   * private.status_change_outbox: index status_change_outbox_undelivered_idx is replaced by
--     status_change_outbox_unsettled_idx (same columns, where delivered_at is null and
--     superseded_at is null): the supersede trigger, the dispatcher's claim and the parked-events
--     view ask exactly that; new index status_change_outbox_superseded_idx (superseded_at) for
--     the purge;
--   * creates private.purge_settled_status_changes(timestamptz, integer): deletes up to a batch
--     of events delivered or superseded before the cutoff, oldest first;
--   * replaces private.run_scheduler_batch (same signature and result): its purge branch calls
--     that function (the rest is unchanged);
--   * comments private.scheduler_runs.purge_delivered_before: the cutoff now applies to
--     superseded events too (the column keeps its name).

------------------------------------------------------------------------------------------------
-- Indexes
------------------------------------------------------------------------------------------------

drop index private.status_change_outbox_undelivered_idx;
-- Per-mentor order among the events still to settle: "which older versions of this mentor are
-- unsettled?" (the supersede trigger, the claim). Delivered and superseded events leave it.
create index status_change_outbox_unsettled_idx
  on private.status_change_outbox (peer_mentor_id, status_version)
  where delivered_at is null and superseded_at is null;

-- Superseded events, oldest first: the purge reads the range superseded_at < cutoff.
create index status_change_outbox_superseded_idx
  on private.status_change_outbox (superseded_at)
  where superseded_at is not null;

------------------------------------------------------------------------------------------------
-- The purge
------------------------------------------------------------------------------------------------

create function private.purge_settled_status_changes(p_before timestamptz, p_limit integer)
returns integer
language sql
volatile
set search_path = ''
as $$
  -- Delivered and superseded are exclusive (a superseded event is never sent), so the two
  -- ranges never name the same event; each is read oldest first along its own index. Events a
  -- dispatcher holds are skipped and purged by a later batch.
  with delivered as (
    select o.event_id, o.delivered_at as settled_at
    from private.status_change_outbox o
    where o.delivered_at < p_before
    order by o.delivered_at
    limit p_limit
    for update skip locked
  ), superseded as (
    select o.event_id, o.superseded_at as settled_at
    from private.status_change_outbox o
    where o.superseded_at < p_before
    order by o.superseded_at
    limit p_limit
    for update skip locked
  ), doomed as (
    select d.event_id
    from (select * from delivered union all select * from superseded) d
    order by d.settled_at
    limit p_limit
  ), purged as (
    delete from private.status_change_outbox o
    using doomed d
    where o.event_id = d.event_id
    returning 1
  )
  select count(*)::integer from purged
$$;
comment on function private.purge_settled_status_changes(timestamptz, integer) is
  'The nightly purge''s batch: deletes up to p_limit outbox events delivered or superseded before p_before, oldest first, skipping events locked by a dispatcher. Returns how many it deleted.';
revoke all on function private.purge_settled_status_changes(timestamptz, integer) from public;

comment on column private.scheduler_runs.purge_delivered_before is
  'The purge''s cutoff, fixed when the run starts: events delivered or superseded before it are deleted. Null for the other jobs.';

-- Runs one batch of a run and records it. Each mentor is handled in its own subtransaction,
-- so a mentor that fails is counted and logged, stays due for the next run, and does not undo
-- the others; the cursor moves past it, so a run always ends.
create or replace function private.run_scheduler_batch(p_run_id bigint)
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
    v_batch.events_purged := private.purge_settled_status_changes(
      v_run.purge_delivered_before, v_run.batch_size);
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
