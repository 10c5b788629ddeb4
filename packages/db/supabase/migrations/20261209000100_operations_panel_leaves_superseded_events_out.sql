-- The operations panel (20261206000100) leaves superseded outbox events out.
--
-- Since coalescing (20261204000000) a new event of a mentor supersedes the older unsettled
-- ones, parked included: a superseded event is settled and never sent. The panel predates that
-- rule in spirit: its backlog counted superseded events as waiting to be sent (a count that
-- only grew, so an idle dispatcher looked weeks behind), its parked list showed parked events a
-- newer one had superseded, and requeueing one "succeeded" (audited, shown as sent again)
-- although nothing would ever be sent.
--
-- Touches:
--   * replaces private.operations_outbox_backlog and private.operations_parked_events (same
--     signatures and columns): superseded events are neither counted nor listed, and "held
--     back" counts only unsettled later events;
--   * replaces private.requeue_parked_events (same signature): naming a superseded event is
--     refused with PM422 (nothing changes), and requeueing everything skips superseded events.
--
-- The panel's index status_change_outbox_organization_undelivered_idx stays as it is (where
-- delivered_at is null; superseded events are filtered, and the nightly purge bounds them). An
-- organization index with the unsettled predicate was tried and dropped: the supersede
-- trigger's per-mentor question implies that predicate too, and the planner then read the
-- organization's whole backlog for every transition (bench:db write path 1,410 → 602 tx/s).

create or replace function private.operations_outbox_backlog()
returns table (
  organization_id uuid,
  pending_events bigint,
  oldest_pending_at timestamptz,
  oldest_pending_seconds integer,
  parked_events bigint
)
language sql
stable
security definer
set search_path = ''
as $$
  select admin.organization_id,
         count(o.event_id) filter (where o.parked_at is null),
         min(o.created_at) filter (where o.parked_at is null),
         floor(extract(epoch from now() - min(o.created_at) filter (where o.parked_at is null)))::integer,
         count(o.event_id) filter (where o.parked_at is not null)
  from (select private.admin_organization_id() as organization_id) admin
  left join private.status_change_outbox o
    on o.organization_id = admin.organization_id and o.delivered_at is null
   and o.superseded_at is null
  where admin.organization_id is not null
  group by admin.organization_id
$$;
comment on function private.operations_outbox_backlog() is
  'The caller''s organization''s outbox in one row: events waiting to be sent (pending, in flight or held back behind a parked one; superseded events are settled and not counted), the oldest of them and its age in seconds, and parked events. No row unless the caller is an org admin of the claimed organization.';

create or replace function private.operations_parked_events()
returns table (
  event_id uuid,
  organization_id uuid,
  peer_mentor_id uuid,
  display_name text,
  status_version integer,
  status text,
  attempts integer,
  last_error text,
  created_at timestamptz,
  parked_at timestamptz,
  held_back_events bigint
)
language sql
stable
security definer
set search_path = ''
as $$
  select o.event_id, o.organization_id, o.peer_mentor_id, mentor.display_name,
         o.status_version, o.payload ->> 'status', o.attempts, o.last_error, o.created_at,
         o.parked_at,
         (select count(*)
          from private.status_change_outbox later
          where later.peer_mentor_id = o.peer_mentor_id
            and later.status_version > o.status_version
            and later.delivered_at is null
            and later.superseded_at is null)
  from private.status_change_outbox o
  join public.peer_mentors mentor
    on mentor.id = o.peer_mentor_id and mentor.organization_id = o.organization_id
  where o.organization_id = private.admin_organization_id()
    and o.delivered_at is null
    and o.superseded_at is null
    and o.parked_at is not null
$$;
comment on function private.operations_parked_events() is
  'The caller''s organization''s parked outbox events that no newer event superseded: mentor, version, the status it carries, attempts, last error, when created and parked, and how many later events of the same mentor wait behind it. No row unless the caller is an org admin of the claimed organization.';

create or replace function private.requeue_parked_events(p_organization_id uuid, p_event_ids uuid[])
returns table (event_id uuid, peer_mentor_id uuid, status_version integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_actor public.status_actor_role := private.assert_operations_admin(p_organization_id);
  v_found record;
begin
  if p_event_ids is not null then
    -- Lock the named events of this organization; two admins requeueing at once serialize,
    -- and the second finds them no longer parked.
    select count(*) as visible,
           count(*) filter (where o.parked_at is null) as not_parked,
           (array_agg(o.event_id) filter (where o.parked_at is null))[1] as first_not_parked,
           (array_agg(o.event_id) filter (where o.superseded_at is not null))[1] as first_superseded
      into v_found
    from (select o.event_id, o.parked_at, o.superseded_at
          from private.status_change_outbox o
          where o.event_id = any (p_event_ids)
            and o.organization_id = p_organization_id
          for update) o;
    -- Invisible is the same as absent: another organization's event is "not found".
    if v_found.visible < (select count(distinct id) from unnest(p_event_ids) id) then
      perform private.raise_domain_error('PM404',
        format('not every event of %s is an outbox event of organization %s', p_event_ids, p_organization_id));
    end if;
    if v_found.not_parked > 0 then
      perform private.raise_domain_error('PM422',
        format('event %s is not parked (it is pending or delivered); only parked events are requeued',
          v_found.first_not_parked));
    end if;
    if v_found.first_superseded is not null then
      perform private.raise_domain_error('PM422',
        format('event %s was superseded by a newer event of its mentor, which carries the whole status; it is never sent, so there is nothing to requeue',
          v_found.first_superseded));
    end if;
  end if;

  return query
    with chosen as (
      select o.event_id, o.attempts, o.last_error, o.parked_at
      from private.status_change_outbox o
      where o.organization_id = p_organization_id
        and o.parked_at is not null
        and o.superseded_at is null
        and (p_event_ids is null or o.event_id = any (p_event_ids))
      for update
    ), requeued as (
      update private.status_change_outbox o
      set parked_at = null, attempts = 0, next_attempt_at = now()
      from chosen
      where o.event_id = chosen.event_id
      returning o.event_id, o.organization_id, o.peer_mentor_id, o.status_version,
                chosen.attempts, chosen.last_error, chosen.parked_at
    ), audited as (
      insert into private.status_change_requeues (
        event_id, organization_id, peer_mentor_id, status_version, actor_user_id, actor_role,
        attempts_before, last_error, parked_at)
      select r.event_id, r.organization_id, r.peer_mentor_id, r.status_version,
             case when v_actor <> 'system' then private.caller_user_id() end, v_actor,
             r.attempts, r.last_error, r.parked_at
      from requeued r
    )
    select r.event_id, r.peer_mentor_id, r.status_version
    from requeued r
    order by r.peer_mentor_id, r.status_version;
end
$$;
comment on function private.requeue_parked_events(uuid, uuid[]) is
  'Makes parked events of the organization due now with a fresh attempt count (last_error kept), each audited in private.status_change_requeues: the named ones (PM404 unless all are the organization''s events, PM422 unless all are parked and none was superseded by a newer event; then nothing changes), or with null every parked event no newer event superseded. Org admins only (PM403).';
