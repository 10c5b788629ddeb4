-- Dynamics sync fit for production (issue 18): coalesced versions, kept ETags, a shared pace.
--
-- Every outbox event carries the mentor's whole status, so only the newest undelivered version
-- of a mentor needs to reach the CRM: older ones are superseded (recorded, never deleted, never
-- sent after a newer one). The ETag of each mentor's CRM record is kept, so any dispatcher
-- process can write conditionally without first reading the record. All dispatcher processes
-- share one request pace, kept here, to stay within Dataverse's service protection limits.
--
-- Touches:
--   * private.status_change_outbox: new columns superseded_by, superseded_at, crm_etag; new
--     constraints; the due index is replaced by one that leaves superseded events out;
--   * new trigger function private.supersede_older_status_changes and its trigger: an event
--     supersedes its mentor's older unsettled events that no dispatcher is sending;
--   * replaces private.claim_status_changes (same signature): claims the newest unsettled
--     version of each mentor, once no older one is in flight, supersedes the older ones, and
--     hands out the kept ETag;
--   * replaces private.mark_status_change_delivered with a three-argument version that keeps
--     the record's ETag (the two-argument one is dropped);
--   * replaces private.requeue_parked_status_changes and the view private.parked_status_changes
--     so that superseded events are neither listed nor requeued;
--   * creates table private.dynamics_record_etags and table private.dynamics_send_pace with
--     private.take_dynamics_send_permits and private.slow_dynamics_sends (service_role only).

------------------------------------------------------------------------------------------------
-- Superseded events and kept ETags
------------------------------------------------------------------------------------------------

alter table private.status_change_outbox
  -- The newer event of the same mentor that made this one unnecessary (no foreign key: the
  -- purge deletes events in delivered_at order, whoever supersedes whom).
  add column superseded_by uuid,
  add column superseded_at timestamptz,
  -- The ETag of the mentor's CRM record when this event was claimed, from
  -- private.dynamics_record_etags; null when none is kept.
  add column crm_etag text check (char_length(crm_etag) <= 200),
  add constraint status_change_outbox_superseded_complete check (
    (superseded_by is null) = (superseded_at is null)),
  add constraint status_change_outbox_superseded_unsent check (
    superseded_at is null or (delivered_at is null and claim_token is null));

comment on column private.status_change_outbox.superseded_by is
  'The newer event of the same mentor that superseded this one (it carries the whole status); null while this one is still to be sent.';
comment on column private.status_change_outbox.crm_etag is
  'The ETag of the mentor''s CRM record kept when this event was last claimed; the dispatcher writes with If-Match: <it>.';

drop index private.status_change_outbox_due_idx;
-- What the dispatcher asks for: pending events by due time (superseded ones are settled).
create index status_change_outbox_due_idx
  on private.status_change_outbox (next_attempt_at)
  where delivered_at is null and parked_at is null and superseded_at is null;

create table private.dynamics_record_etags (
  peer_mentor_id uuid primary key references public.peer_mentors (id) on delete cascade,
  etag text not null check (char_length(etag) between 1 and 200),
  -- The status version the record held when this ETag was returned: an older answer never
  -- replaces a newer one.
  status_version integer not null check (status_version >= 1),
  updated_at timestamptz not null default now()
);
comment on table private.dynamics_record_etags is
  'The ETag of each mentor''s CRM (Dataverse) record after the last delivered event, so any dispatcher process writes conditionally (If-Match) without reading the record first. Written only by private.mark_status_change_delivered.';
alter table private.dynamics_record_etags enable row level security;
revoke all on private.dynamics_record_etags from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- A new event supersedes its mentor's older ones
------------------------------------------------------------------------------------------------

create function private.supersede_older_status_changes()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- An older event a dispatcher is sending right now settles itself (the claim supersedes it
  -- later if it comes back); every other unsettled one, parked included, is superseded.
  update private.status_change_outbox o
  set superseded_by = new.event_id, superseded_at = now(),
      claim_token = null, claimed_by = null, claimed_until = null
  where o.peer_mentor_id = new.peer_mentor_id
    and o.status_version < new.status_version
    and o.delivered_at is null
    and o.superseded_at is null
    and (o.claimed_until is null or o.claimed_until <= now());
  return null;
end
$$;
comment on function private.supersede_older_status_changes() is
  'After-insert trigger on private.status_change_outbox: the new event supersedes the older unsettled events of its mentor that no dispatcher holds a live lease on.';
revoke all on function private.supersede_older_status_changes() from public;

create trigger supersede_older_status_changes
  after insert on private.status_change_outbox
  for each row execute function private.supersede_older_status_changes();

------------------------------------------------------------------------------------------------
-- The dispatcher's functions
------------------------------------------------------------------------------------------------

create or replace function private.claim_status_changes(p_claimant text, p_limit integer, p_lease_seconds integer)
returns setof private.status_change_outbox
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_claimant is null or p_limit is null or p_limit not between 1 and 1000
    or p_lease_seconds is null or p_lease_seconds not between 1 and 3600 then
    raise exception using
      errcode = 'invalid_parameter_value',
      message = 'claim_status_changes needs a claimant, a limit from 1 to 1000 and a lease from 1 to 3600 seconds',
      detail = format('claimant %L, limit %s, lease %s s', p_claimant, p_limit, p_lease_seconds);
  end if;

  -- Due, unsettled, not leased, the newest unsettled version of its mentor, and no older
  -- version of the mentor in flight (so versions never overtake each other on the wire).
  return query
    with due as (
      select o.event_id, o.peer_mentor_id, o.status_version
      from private.status_change_outbox o
      where o.delivered_at is null
        and o.parked_at is null
        and o.superseded_at is null
        and o.next_attempt_at <= now()
        and (o.claimed_until is null or o.claimed_until <= now())
        and not exists (
          select
          from private.status_change_outbox later
          where later.peer_mentor_id = o.peer_mentor_id
            and later.status_version > o.status_version
            and later.delivered_at is null
            and later.superseded_at is null)
        and not exists (
          select
          from private.status_change_outbox earlier
          where earlier.peer_mentor_id = o.peer_mentor_id
            and earlier.status_version < o.status_version
            and earlier.claimed_until > now())
      order by o.next_attempt_at
      limit p_limit
      for update of o skip locked
    ), superseded as (
      -- Older versions left unsettled (they were in flight when this one was written).
      update private.status_change_outbox old
      set superseded_by = due.event_id, superseded_at = now(),
          claim_token = null, claimed_by = null, claimed_until = null
      from due
      where old.peer_mentor_id = due.peer_mentor_id
        and old.status_version < due.status_version
        and old.delivered_at is null
        and old.superseded_at is null
    )
    update private.status_change_outbox o
    set attempts = o.attempts + 1,
        claim_token = gen_random_uuid(),
        claimed_by = p_claimant,
        claimed_until = now() + make_interval(secs => p_lease_seconds),
        crm_etag = (select e.etag from private.dynamics_record_etags e
                    where e.peer_mentor_id = o.peer_mentor_id)
    from due
    where o.event_id = due.event_id
    returning o.*;
end
$$;
comment on function private.claim_status_changes(text, integer, integer) is
  'Claims up to p_limit due events for p_lease_seconds (FOR UPDATE SKIP LOCKED): per mentor only the newest unsettled version, once no older one is in flight; supersedes the older ones; counts an attempt; hands out the kept CRM ETag. Safe to call from several dispatchers at once.';

drop function private.mark_status_change_delivered(uuid, uuid);
create function private.mark_status_change_delivered(
  p_event_id uuid, p_claim_token uuid, p_crm_etag text default null)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with settled as (
    update private.status_change_outbox o
    set delivered_at = now(), claim_token = null, claimed_by = null, claimed_until = null
    where o.event_id = p_event_id
      and o.claim_token = p_claim_token
    returning o.peer_mentor_id, o.status_version
  ), kept as (
    insert into private.dynamics_record_etags as e (peer_mentor_id, etag, status_version)
    select s.peer_mentor_id, p_crm_etag, s.status_version
    from settled s
    where p_crm_etag is not null
    on conflict (peer_mentor_id) do update
      set etag = excluded.etag, status_version = excluded.status_version, updated_at = now()
      where e.status_version <= excluded.status_version
  )
  select exists (select from settled)
$$;
comment on function private.mark_status_change_delivered(uuid, uuid, text) is
  'Records that the CRM accepted the event and keeps the record''s ETag (p_crm_etag, when given) unless a newer version''s is kept. False (and no change) unless p_claim_token is the event''s current claim.';

create or replace function private.requeue_parked_status_changes(p_event_ids uuid[])
returns integer
language sql
volatile
security definer
set search_path = ''
as $$
  with requeued as (
    update private.status_change_outbox o
    set parked_at = null, attempts = 0, next_attempt_at = now()
    where o.event_id = any (p_event_ids)
      and o.parked_at is not null
      and o.superseded_at is null
    returning 1
  )
  select count(*)::integer from requeued
$$;
comment on function private.requeue_parked_status_changes(uuid[]) is
  'Operators: makes the given parked events due now with a fresh attempt count (last_error is kept). A parked event a newer one superseded stays as it is. Returns how many are now pending.';

create or replace view private.parked_status_changes as
  select o.event_id, o.peer_mentor_id, o.organization_id, o.status_version, o.attempts,
         o.last_error, o.parked_at, o.created_at,
         (select count(*)
          from private.status_change_outbox later
          where later.peer_mentor_id = o.peer_mentor_id
            and later.status_version > o.status_version
            and later.delivered_at is null
            and later.superseded_at is null) as held_back_events
  from private.status_change_outbox o
  where o.parked_at is not null
    and o.superseded_at is null
  order by o.parked_at, o.event_id;
comment on view private.parked_status_changes is
  'Parked events (a permanent error, a divergence, or too many attempts) that no newer event has superseded, oldest first, with how many newer events of the same mentor are still to be sent. Requeue with private.requeue_parked_status_changes.';

------------------------------------------------------------------------------------------------
-- One request pace for every dispatcher process
--
-- A token bucket in one row: `tokens` requests may start now, refilled at `rate` per second up
-- to the burst (scaled down while the rate is below its maximum). After a 429 the rate halves
-- and the bucket goes into debt for the Retry-After, so no process sends before it has passed;
-- the rate then climbs back linearly to its maximum over the ramp.
------------------------------------------------------------------------------------------------

create table private.dynamics_send_pace (
  id boolean primary key default true check (id),
  -- Requests per second now; null until the first take (then the maximum).
  rate double precision check (rate > 0),
  -- Requests that may start now; negative after a 429 (the wait still owed).
  tokens double precision,
  refreshed_at timestamptz not null default now(),
  -- A 429 before this moment belongs to the same throttling episode: the rate is not halved again.
  slowed_until timestamptz not null default '-infinity'
);
comment on table private.dynamics_send_pace is
  'The request pace every outbox dispatcher process shares (one row, a token bucket), so together they stay within Dataverse''s service protection limits. Written only by private.take_dynamics_send_permits and private.slow_dynamics_sends.';
alter table private.dynamics_send_pace enable row level security;
revoke all on private.dynamics_send_pace from public, anon, authenticated, service_role;
insert into private.dynamics_send_pace default values;

create function private.take_dynamics_send_permits(
  p_wanted integer, p_max_rate double precision, p_burst integer, p_ramp_seconds integer)
returns table (granted integer, wait_ms integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_wanted is null or p_wanted not between 1 and 1000
    or p_max_rate is null or not (p_max_rate > 0 and p_max_rate <= 10000)
    or p_burst is null or p_burst not between 1 and 100000
    or p_ramp_seconds is null or p_ramp_seconds not between 1 and 86400 then
    raise exception using
      errcode = 'invalid_parameter_value',
      message = 'take_dynamics_send_permits needs 1 to 1000 wanted, a rate from 0 to 10000 per second, a burst from 1 to 100000 and a ramp from 1 to 86400 seconds',
      detail = format('wanted %s, rate %s, burst %s, ramp %s', p_wanted, p_max_rate, p_burst, p_ramp_seconds);
  end if;

  return query
    with state as (
      select coalesce(least(p.rate + p_max_rate * greatest(extract(epoch from now() - p.refreshed_at), 0) / p_ramp_seconds,
                            p_max_rate), p_max_rate) as rate,
             p.tokens,
             greatest(extract(epoch from now() - p.refreshed_at), 0) as elapsed
      from private.dynamics_send_pace p
      where p.id
      for update
    ), refilled as (
      select s.rate,
             least(p_burst * s.rate / p_max_rate, coalesce(s.tokens + s.elapsed * s.rate, p_burst)) as tokens
      from state s
    ), granted as (
      select r.rate, r.tokens, greatest(0, least(p_wanted, floor(r.tokens)))::integer as granted
      from refilled r
    ), saved as (
      update private.dynamics_send_pace p
      set rate = g.rate, tokens = g.tokens - g.granted, refreshed_at = now()
      from granted g
      where p.id
      returning p.rate, p.tokens, g.granted
    )
    select s.granted,
           case when s.granted > 0 then 0
                else ceil((1 - s.tokens) / s.rate * 1000)::integer end
    from saved s;
end
$$;
comment on function private.take_dynamics_send_permits(integer, double precision, integer, integer) is
  'Takes up to p_wanted request permits from the shared pace (maximum p_max_rate per second, burst p_burst, back to the maximum p_ramp_seconds after a slow-down). Returns how many were granted and, when none, how many milliseconds until the next one.';

create function private.slow_dynamics_sends(p_retry_after_ms integer, p_max_rate double precision)
returns double precision
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_rate double precision;
begin
  if p_retry_after_ms is null or p_retry_after_ms not between 0 and 86400000
    or p_max_rate is null or not (p_max_rate > 0 and p_max_rate <= 10000) then
    raise exception using
      errcode = 'invalid_parameter_value',
      message = 'slow_dynamics_sends needs a Retry-After from 0 to 86400000 ms and a rate from 0 to 10000 per second',
      detail = format('retry after %s ms, rate %s', p_retry_after_ms, p_max_rate);
  end if;

  -- Halve the rate once per throttling episode (several requests in flight get their 429
  -- together), never below a twentieth of the maximum; owe the Retry-After in tokens.
  update private.dynamics_send_pace p
  set rate = case when now() < p.slowed_until then coalesce(p.rate, p_max_rate)
                  else greatest(coalesce(p.rate, p_max_rate) / 2, p_max_rate / 20) end,
      tokens = least(coalesce(p.tokens, 0), 0),
      refreshed_at = now(),
      slowed_until = greatest(p.slowed_until, now() + make_interval(secs => p_retry_after_ms / 1000.0))
  where p.id
  returning p.rate into v_rate;
  -- The debt: nobody sends before the Retry-After has passed at the new rate.
  update private.dynamics_send_pace p
  set tokens = least(p.tokens, -v_rate * p_retry_after_ms / 1000.0)
  where p.id;
  return v_rate;
end
$$;
comment on function private.slow_dynamics_sends(integer, double precision) is
  'A dispatcher was throttled (429 with p_retry_after_ms): halves the shared rate once per throttling episode (not below p_max_rate / 20) and holds every process back for the Retry-After. Returns the new rate.';

------------------------------------------------------------------------------------------------
-- Privileges: the dispatcher (service_role) executes its functions; nobody else does.
------------------------------------------------------------------------------------------------

revoke all on function private.mark_status_change_delivered(uuid, uuid, text) from public;
grant execute on function private.mark_status_change_delivered(uuid, uuid, text) to service_role;
revoke all on function private.take_dynamics_send_permits(integer, double precision, integer, integer) from public;
grant execute on function private.take_dynamics_send_permits(integer, double precision, integer, integer) to service_role;
revoke all on function private.slow_dynamics_sends(integer, double precision) from public;
grant execute on function private.slow_dynamics_sends(integer, double precision) to service_role;
