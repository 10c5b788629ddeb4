-- Transactional outbox for the Dynamics 365 / Dataverse sync (DESIGN §10).
--
-- Every status transition now also writes one event to private.status_change_outbox, in the
-- same statement that writes the status row and its log row, so a transition without its event
-- (or an event without its transition) cannot exist. A dispatcher (packages/scheduler) claims
-- due events, sends them through the DynamicsPortalClient, and records the outcome.
--
-- Touches:
--   * creates table private.status_change_outbox with its indexes (RLS on, no client privilege);
--   * creates view private.parked_status_changes (what operators look at);
--   * replaces private.transition_peer_mentor_status: the same function as in
--     20260330000000_pause_rls_and_rpcs.sql plus a third arm of its one data-modifying statement;
--   * creates the dispatcher's functions private.claim_status_changes,
--     private.mark_status_change_delivered, private.retry_status_change_later,
--     private.release_status_change, private.park_status_change and the operators'
--     private.requeue_parked_status_changes, executable by service_role only.
--
-- Delivery is at least once; the Dataverse adapter makes a repeat harmless. Per mentor, events
-- go out in version order: an event is claimable only while no earlier version of the same
-- mentor is undelivered, so a parked event holds back that mentor's later events (never
-- version n+1 before n) and nobody else's.

------------------------------------------------------------------------------------------------
-- The outbox
------------------------------------------------------------------------------------------------

create table private.status_change_outbox (
  event_id uuid primary key default gen_random_uuid(),
  peer_mentor_id uuid not null,
  organization_id uuid not null,
  -- The status version the transition produced (1, 2, 3, ... per mentor), as in the log.
  status_version integer not null check (status_version >= 1),
  -- What the CRM needs: mentor, organization, status, reason, dates, actor role, version,
  -- occurred_at. Built by the transition; never changed afterwards.
  payload jsonb not null check (jsonb_typeof(payload) = 'object'),
  created_at timestamptz not null default now(),
  -- Claims so far; a claim that ends in release_status_change does not count.
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  last_error text check (char_length(last_error) <= 2000),
  -- The current claim (a lease): who holds it, until when, and the token that proves it.
  claim_token uuid,
  claimed_by text,
  claimed_until timestamptz,
  delivered_at timestamptz,
  parked_at timestamptz,
  -- One event per transition. (No foreign key to the log row: a table referenced by a key
  -- cannot be truncated at all, which would pre-empt the log's own append-only trigger.)
  unique (peer_mentor_id, status_version),
  -- Restrict, like the log: a mentor with history cannot be deleted.
  foreign key (peer_mentor_id, organization_id)
    references public.peer_mentors (id, organization_id),
  constraint status_change_outbox_one_outcome check (delivered_at is null or parked_at is null),
  constraint status_change_outbox_claim_complete check (
    (claim_token is null) = (claimed_until is null) and (claim_token is null) = (claimed_by is null)),
  constraint status_change_outbox_settled_unclaimed check (
    (delivered_at is null and parked_at is null) or claim_token is null)
);
comment on table private.status_change_outbox is
  'Transactional outbox: one event per status transition, written in the transition''s own statement, waiting to be sent to Dynamics 365 / Dataverse. Clients hold no privilege; the dispatcher works through the private.*_status_change* functions.';

-- What the dispatcher asks for: pending events by due time.
create index status_change_outbox_due_idx
  on private.status_change_outbox (next_attempt_at)
  where delivered_at is null and parked_at is null;
-- Per-mentor order: "is an earlier version of this mentor still undelivered?"
create index status_change_outbox_undelivered_idx
  on private.status_change_outbox (peer_mentor_id, status_version)
  where delivered_at is null;
-- What operators look at.
create index status_change_outbox_parked_idx
  on private.status_change_outbox (parked_at)
  where parked_at is not null;

alter table private.status_change_outbox enable row level security;
revoke all on private.status_change_outbox from public, anon, authenticated, service_role;

create view private.parked_status_changes as
  select o.event_id, o.peer_mentor_id, o.organization_id, o.status_version, o.attempts,
         o.last_error, o.parked_at, o.created_at,
         (select count(*)
          from private.status_change_outbox later
          where later.peer_mentor_id = o.peer_mentor_id
            and later.status_version > o.status_version
            and later.delivered_at is null) as held_back_events
  from private.status_change_outbox o
  where o.parked_at is not null
  order by o.parked_at, o.event_id;
comment on view private.parked_status_changes is
  'Parked events (a permanent error, or too many attempts), oldest first by parked_at, with how many later events of the same mentor wait behind each. Requeue with private.requeue_parked_status_changes.';
revoke all on private.parked_status_changes from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The transition writes the event
------------------------------------------------------------------------------------------------

create or replace function private.transition_peer_mentor_status(
  p_to_status public.pause_status,
  p_peer_mentor_id uuid,
  p_organization_id uuid,
  p_reason_code public.pause_reason_code,
  p_note text,
  p_expected_end date
)
returns public.peer_mentor_status
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_actor_role public.status_actor_role;
  v_actor_user_id uuid;
  v_read record;
  v_today date;
  v_mentor public.peer_mentors;
  v_current public.peer_mentor_status;
  v_result public.peer_mentor_status;
begin
  v_actor_role := private.assert_caller_in_organization(p_organization_id);
  v_actor_user_id := case when v_actor_role <> 'system' then private.caller_user_id() end;

  -- Serialize every transition of this mentor; everything below reads committed state.
  perform private.lock_peer_mentor(p_peer_mentor_id);

  -- One read: the organization's calendar date, the mentor and their status.
  select (now() at time zone o.time_zone)::date as today, pm as mentor, s as status
    into v_read
  from public.organizations o
  left join public.peer_mentors pm
    on pm.id = p_peer_mentor_id and pm.organization_id = o.id
  left join public.peer_mentor_status s
    on s.peer_mentor_id = pm.id
  where o.id = p_organization_id;
  v_today := v_read.today;
  v_mentor := v_read.mentor;
  v_current := v_read.status;

  -- "Not in the past" is read in the organization's calendar.
  if p_expected_end < v_today then
    perform private.raise_domain_error('PM422', format(
      'p_expected_end %s is in the past (today is %s in the organization''s time zone)',
      p_expected_end, v_today));
  end if;

  -- Invisible is the same as absent: no existence leak across mentors or organizations.
  -- This is the read policy's rule for a caller whose organization is already verified:
  -- staff see every mentor of it, a mentor sees only themselves.
  if v_mentor.id is null
    or (v_actor_role = 'peer_mentor' and v_mentor.user_id is distinct from v_actor_user_id) then
    perform private.raise_domain_error('PM404',
      format('no peer mentor %s visible to you in organization %s', p_peer_mentor_id, p_organization_id));
  end if;

  if v_actor_role = 'coordinator' and not private.coordinates_peer_mentor(v_actor_user_id, v_mentor.id) then
    perform private.raise_domain_error('PM403', 'you do not coordinate a chapter this peer mentor serves in');
  end if;
  if p_to_status = 'paused' and not (v_actor_role = any (private.reason_code_usable_by(p_reason_code))) then
    perform private.raise_domain_error('PM403',
      format('reason code %s cannot be used by a caller with role %s', p_reason_code, v_actor_role));
  end if;

  if v_current.status = p_to_status then
    perform private.raise_domain_error(
      case p_to_status when 'paused' then 'PM409' else 'PM410' end,
      format('status is %s (version %s)', v_current.status, v_current.version));
  end if;
  if p_to_status = 'active' and v_actor_role = 'peer_mentor'
    and v_current.paused_by_role = any (private.pause_locking_actor_roles()) then
    perform private.raise_domain_error('PM423',
      format('this pause was started by the %s role', v_current.paused_by_role));
  end if;

  -- One statement: the log row and the outbox event exist if and only if the status row
  -- changed. The version guard makes a transition that lost a race without the lock change
  -- nothing.
  with updated as (
    update public.peer_mentor_status s
    set status = p_to_status,
        reason_code = p_reason_code,
        note = case when p_to_status = 'paused' then p_note end,
        paused_at = case when p_to_status = 'paused' then now() end,
        paused_by = case when p_to_status = 'paused' then v_actor_user_id end,
        paused_by_role = case when p_to_status = 'paused' then v_actor_role end,
        expected_end = case when p_to_status = 'paused' then p_expected_end end,
        version = s.version + 1,
        updated_at = now()
    where s.peer_mentor_id = v_current.peer_mentor_id
      and s.version = v_current.version
    returning s.*
  ), logged as (
    insert into public.peer_mentor_status_log (
      peer_mentor_id, organization_id, from_status, to_status, reason_code, note,
      expected_end, actor_user_id, actor_role, version)
    select u.peer_mentor_id, u.organization_id, v_current.status, u.status, u.reason_code, p_note,
           u.expected_end, v_actor_user_id, v_actor_role, u.version
    from updated u
  ), queued as (
    -- What the CRM needs to mirror the status; the free-text note stays here (it may hold
    -- health details), the reason code says why.
    insert into private.status_change_outbox (
      peer_mentor_id, organization_id, status_version, payload)
    select u.peer_mentor_id, u.organization_id, u.version,
           jsonb_build_object(
             'peer_mentor_id', u.peer_mentor_id,
             'organization_id', u.organization_id,
             'status', u.status,
             'reason_code', u.reason_code,
             'paused_at', u.paused_at,
             'expected_end', u.expected_end,
             'actor_role', v_actor_role,
             'version', u.version,
             'occurred_at', u.updated_at)
    from updated u
  )
  select u.* into v_result from updated u;

  if not found then
    raise exception using
      errcode = 'serialization_failure',
      message = 'peer mentor status changed concurrently; retry the call',
      detail = format('peer mentor %s was expected at version %s', v_current.peer_mentor_id, v_current.version);
  end if;
  return v_result;
end
$$;
comment on function private.transition_peer_mentor_status(public.pause_status, uuid, uuid, public.pause_reason_code, text, date) is
  'Authorizes and performs one status transition under the per-mentor lock, writing the status row, its log row and its outbox event in one statement.';

------------------------------------------------------------------------------------------------
-- The dispatcher's functions
--
-- Security definer, all of them: nobody holds a privilege on the outbox table, so these are the
-- only ways to change it, and each changes exactly what its name says. Only service_role (the
-- dispatcher's role) may execute them. A claim is a lease: the token it returns must accompany
-- the outcome, so a dispatcher whose lease ran out and was taken over cannot settle the event.
------------------------------------------------------------------------------------------------

create function private.claim_status_changes(p_claimant text, p_limit integer, p_lease_seconds integer)
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

  -- Due, unsettled, not leased, and the oldest undelivered version of its mentor (a parked
  -- or leased earlier version holds it back). Rows another dispatcher is claiming right now
  -- are skipped, not waited for.
  return query
    with due as (
      select o.event_id
      from private.status_change_outbox o
      where o.delivered_at is null
        and o.parked_at is null
        and o.next_attempt_at <= now()
        and (o.claimed_until is null or o.claimed_until <= now())
        and not exists (
          select
          from private.status_change_outbox earlier
          where earlier.peer_mentor_id = o.peer_mentor_id
            and earlier.status_version < o.status_version
            and earlier.delivered_at is null)
      -- By due time only: the due index then yields rows in order and the scan stops at
      -- p_limit (extra sort keys would sort every due row first).
      order by o.next_attempt_at
      limit p_limit
      for update of o skip locked
    )
    update private.status_change_outbox o
    set attempts = o.attempts + 1,
        claim_token = gen_random_uuid(),
        claimed_by = p_claimant,
        claimed_until = now() + make_interval(secs => p_lease_seconds)
    from due
    where o.event_id = due.event_id
    returning o.*;
end
$$;
comment on function private.claim_status_changes(text, integer, integer) is
  'Claims up to p_limit due events for p_lease_seconds (FOR UPDATE SKIP LOCKED), at most one per mentor and only its oldest undelivered version; counts an attempt on each. Safe to call from several dispatchers at once.';

create function private.mark_status_change_delivered(p_event_id uuid, p_claim_token uuid)
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
    returning 1
  )
  select exists (select from settled)
$$;
comment on function private.mark_status_change_delivered(uuid, uuid) is
  'Records that the CRM accepted the event. False (and no change) unless p_claim_token is the event''s current claim.';

create function private.retry_status_change_later(
  p_event_id uuid, p_claim_token uuid, p_delay_ms integer, p_error text)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with settled as (
    update private.status_change_outbox o
    set next_attempt_at = now() + make_interval(secs => greatest(coalesce(p_delay_ms, 0), 0) / 1000.0),
        last_error = left(p_error, 2000),
        claim_token = null, claimed_by = null, claimed_until = null
    where o.event_id = p_event_id
      and o.claim_token = p_claim_token
    returning 1
  )
  select exists (select from settled)
$$;
comment on function private.retry_status_change_later(uuid, uuid, integer, text) is
  'A failed attempt that may succeed later: the event is due again after p_delay_ms, with p_error kept for operators. False unless p_claim_token is the current claim.';

create function private.release_status_change(
  p_event_id uuid, p_claim_token uuid, p_delay_ms integer, p_note text default null)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with settled as (
    update private.status_change_outbox o
    set attempts = o.attempts - 1,
        next_attempt_at = now() + make_interval(secs => greatest(coalesce(p_delay_ms, 0), 0) / 1000.0),
        last_error = coalesce(left(p_note, 2000), o.last_error),
        claim_token = null, claimed_by = null, claimed_until = null
    where o.event_id = p_event_id
      and o.claim_token = p_claim_token
    returning 1
  )
  select exists (select from settled)
$$;
comment on function private.release_status_change(uuid, uuid, integer, text) is
  'Gives a claimed event back without counting the attempt: it was not sent (sync switched off, the CRM throttling or the circuit open, the dispatcher stopping). Due again after p_delay_ms.';

create function private.park_status_change(p_event_id uuid, p_claim_token uuid, p_error text)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with settled as (
    update private.status_change_outbox o
    set parked_at = now(),
        last_error = left(p_error, 2000),
        claim_token = null, claimed_by = null, claimed_until = null
    where o.event_id = p_event_id
      and o.claim_token = p_claim_token
    returning 1
  )
  select exists (select from settled)
$$;
comment on function private.park_status_change(uuid, uuid, text) is
  'Stops trying an event (a permanent error, or too many attempts) until an operator requeues it; later events of the same mentor wait behind it. False unless p_claim_token is the current claim.';

create function private.requeue_parked_status_changes(p_event_ids uuid[])
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
    returning 1
  )
  select count(*)::integer from requeued
$$;
comment on function private.requeue_parked_status_changes(uuid[]) is
  'Operators: makes the given parked events due now with a fresh attempt count (last_error is kept). Returns how many were parked and are now pending.';

------------------------------------------------------------------------------------------------
-- Privileges: the dispatcher (service_role) executes its functions; nobody else does.
------------------------------------------------------------------------------------------------

revoke all on function private.claim_status_changes(text, integer, integer) from public;
grant execute on function private.claim_status_changes(text, integer, integer) to service_role;
revoke all on function private.mark_status_change_delivered(uuid, uuid) from public;
grant execute on function private.mark_status_change_delivered(uuid, uuid) to service_role;
revoke all on function private.retry_status_change_later(uuid, uuid, integer, text) from public;
grant execute on function private.retry_status_change_later(uuid, uuid, integer, text) to service_role;
revoke all on function private.release_status_change(uuid, uuid, integer, text) from public;
grant execute on function private.release_status_change(uuid, uuid, integer, text) to service_role;
revoke all on function private.park_status_change(uuid, uuid, text) from public;
grant execute on function private.park_status_change(uuid, uuid, text) to service_role;
revoke all on function private.requeue_parked_status_changes(uuid[]) from public;
grant execute on function private.requeue_parked_status_changes(uuid[]) to service_role;
