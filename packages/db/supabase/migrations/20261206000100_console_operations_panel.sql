-- The web console's operations panel (apps/admin, issue 12): an org admin sees their own
-- organization's Dynamics outbox (backlog, parked events with their last error) and the last
-- nightly runs, and requeues parked events. The private schema stays unexposed.
--
-- Touches:
--   * private.status_change_outbox: index status_change_outbox_organization_undelivered_idx
--     (one organization's undelivered events, oldest first);
--   * creates table private.status_change_requeues (append-only audit of every requeue; RLS on,
--     no client privilege);
--   * creates the security-definer readers private.operations_outbox_backlog,
--     private.operations_parked_events, private.operations_nightly_runs (each reads only the
--     organization private.admin_organization_id() names: nothing for anyone but an org admin
--     of the claimed organization), the check private.assert_operations_admin and the
--     security-definer write path private.requeue_parked_events;
--   * creates security_invoker views public.operations_outbox_backlog,
--     public.operations_parked_events, public.operations_nightly_runs over those readers, and
--     the security-invoker RPC public.requeue_parked_events.
--
-- What an org admin learns about the nightly runs, which are global in part: the runs of their
-- own organization (scheduled_resume, certification_expiry) in full, with counts, errors and
-- the failing mentors; of the outbox purge, which runs once for every organization, only its
-- run date, start, finish and outcome (so the admin sees the night ran), never its counts or
-- errors, which would tell them about other organizations' traffic. Runs of other
-- organizations do not appear at all.

------------------------------------------------------------------------------------------------
-- One organization's undelivered events
------------------------------------------------------------------------------------------------

-- The panel's backlog and parked list: one organization's undelivered events, oldest first.
create index status_change_outbox_organization_undelivered_idx
  on private.status_change_outbox (organization_id, created_at)
  where delivered_at is null;

------------------------------------------------------------------------------------------------
-- The requeue audit
------------------------------------------------------------------------------------------------

create table private.status_change_requeues (
  id bigint generated always as identity primary key,
  event_id uuid not null,
  organization_id uuid not null,
  peer_mentor_id uuid not null,
  status_version integer not null,
  -- Who requeued it (null: the system, i.e. the service role).
  actor_user_id uuid,
  actor_role public.status_actor_role not null check (actor_role in ('org_admin', 'system')),
  -- The event as it was when requeued: its attempts, its last error and when it was parked.
  attempts_before integer not null,
  last_error text,
  parked_at timestamptz not null,
  requeued_at timestamptz not null default now(),
  check ((actor_role = 'system') = (actor_user_id is null))
);
comment on table private.status_change_requeues is
  'Append-only audit of requeued outbox events: which parked event, who requeued it (org admin or system), when, and its attempts and last error at that moment. Clients hold no privilege; written only by private.requeue_parked_events.';
create index status_change_requeues_event_idx on private.status_change_requeues (event_id);
create index status_change_requeues_organization_idx
  on private.status_change_requeues (organization_id, requeued_at);

create trigger status_change_requeues_append_only
  before update or delete on private.status_change_requeues
  for each row execute function private.reject_append_only_change();
create trigger status_change_requeues_no_truncate
  before truncate on private.status_change_requeues
  for each statement execute function private.reject_append_only_change();

alter table private.status_change_requeues enable row level security;
revoke all on private.status_change_requeues from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The readers
--
-- Security definer, all three: nobody holds a privilege on the outbox or the run tables. Each
-- reads only the organization private.admin_organization_id() names (the claimed organization
-- when the caller is a current org admin there), so for everyone else it returns no row, and
-- calling one directly grants nothing the views do not.
------------------------------------------------------------------------------------------------

create function private.operations_outbox_backlog()
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
  where admin.organization_id is not null
  group by admin.organization_id
$$;
comment on function private.operations_outbox_backlog() is
  'The caller''s organization''s outbox in one row: events waiting to be sent (pending, in flight or held back behind a parked one), the oldest of them and its age in seconds, and parked events. No row unless the caller is an org admin of the claimed organization.';

create function private.operations_parked_events()
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
            and later.delivered_at is null)
  from private.status_change_outbox o
  join public.peer_mentors mentor
    on mentor.id = o.peer_mentor_id and mentor.organization_id = o.organization_id
  where o.organization_id = private.admin_organization_id()
    and o.delivered_at is null
    and o.parked_at is not null
$$;
comment on function private.operations_parked_events() is
  'The caller''s organization''s parked outbox events: mentor, version, the status it carries, attempts, last error, when created and parked, and how many later events of the same mentor wait behind it. No row unless the caller is an org admin of the claimed organization.';

-- The latest 200 runs that concern the organization: its own, and the global purge.
create function private.operations_nightly_runs()
returns table (
  run_id bigint,
  organization_id uuid,
  job text,
  run_date date,
  started_at timestamptz,
  finished_at timestamptz,
  outcome text,
  examined integer,
  mentors_changed integer,
  recorded integer,
  skipped integer,
  errors integer,
  last_error text,
  failures jsonb
)
language sql
stable
security definer
set search_path = ''
as $$
  with caller as (select private.admin_organization_id() as organization_id),
  runs as (
    select r.*
    from private.scheduler_runs r, caller
    where caller.organization_id is not null
      and (r.organization_id = caller.organization_id or r.organization_id is null)
    order by r.started_at desc, r.id desc
    limit 200
  )
  select r.id, r.organization_id, r.job, r.run_date, r.started_at, r.finished_at, r.outcome,
         -- The purge's counts and errors are every organization's: not shown.
         case when own then r.examined end,
         case when own then r.mentors_changed end,
         case when own then r.recorded end,
         case when own then r.skipped end,
         case when own then r.errors end,
         case when own then r.last_error end,
         case when own then coalesce((
           select jsonb_agg(jsonb_build_object(
                    'peer_mentor_id', e.peer_mentor_id,
                    'display_name', mentor.display_name,
                    'sqlstate', e.sqlstate,
                    'message', e.message,
                    'occurred_at', e.occurred_at) order by e.occurred_at desc, e.id desc)
           from (select * from private.scheduler_run_errors e
                 where e.run_id = r.id
                 order by e.occurred_at desc, e.id desc
                 limit 5) e
           left join public.peer_mentors mentor
             on mentor.id = e.peer_mentor_id and mentor.organization_id = r.organization_id),
           '[]'::jsonb) end
  from runs r
  cross join lateral (select r.organization_id is not null as own) scope
$$;
comment on function private.operations_nightly_runs() is
  'The latest 200 nightly runs that concern the caller''s organization: its own runs in full (counts, last error, up to five failing mentors), and the outbox purge (global) with its date, start, finish and outcome only. No row unless the caller is an org admin of the claimed organization.';

------------------------------------------------------------------------------------------------
-- Requeue
------------------------------------------------------------------------------------------------

create function private.assert_operations_admin(p_organization_id uuid)
returns public.status_actor_role
language plpgsql
stable
set search_path = ''
as $$
declare
  v_actor public.status_actor_role := private.assert_caller_in_organization(p_organization_id);
begin
  if v_actor not in ('org_admin', 'system') then
    perform private.raise_domain_error('PM403', 'only organization admins requeue outbox events');
  end if;
  return v_actor;
end
$$;
comment on function private.assert_operations_admin(uuid) is
  'PM401/PM412 as every RPC, then PM403 unless the caller is an org admin of the organization (or the system); returns the actor role.';

-- Security definer: nobody holds a privilege on the outbox or the audit. It derives the caller
-- from the JWT and requires an org admin of the claimed organization first, so calling it
-- directly grants nothing the RPC does not. All or nothing: one named event that is not a
-- parked event of the organization refuses the whole call.
create function private.requeue_parked_events(p_organization_id uuid, p_event_ids uuid[])
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
           (array_agg(o.event_id) filter (where o.parked_at is null))[1] as first_not_parked
      into v_found
    from (select o.event_id, o.parked_at
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
  end if;

  return query
    with chosen as (
      select o.event_id, o.attempts, o.last_error, o.parked_at
      from private.status_change_outbox o
      where o.organization_id = p_organization_id
        and o.parked_at is not null
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
  'Makes parked events of the organization due now with a fresh attempt count (last_error kept), each audited in private.status_change_requeues: the named ones (PM404 unless all are the organization''s events, PM422 unless all are parked; then nothing changes), or with null every parked event. Org admins only (PM403).';

------------------------------------------------------------------------------------------------
-- What the API exposes
------------------------------------------------------------------------------------------------

create view public.operations_outbox_backlog
with (security_invoker = true)
as select * from private.operations_outbox_backlog();
comment on view public.operations_outbox_backlog is
  'The caller''s organization''s Dynamics outbox backlog in one row (org admins only; empty for everyone else). security_invoker over private.operations_outbox_backlog().';

create view public.operations_parked_events
with (security_invoker = true)
as select * from private.operations_parked_events();
comment on view public.operations_parked_events is
  'The caller''s organization''s parked Dynamics outbox events with their last error (org admins only; empty for everyone else). security_invoker over private.operations_parked_events().';

create view public.operations_nightly_runs
with (security_invoker = true)
as select * from private.operations_nightly_runs();
comment on view public.operations_nightly_runs is
  'The latest nightly runs that concern the caller''s organization: its own in full, the global outbox purge without counts (org admins only; empty for everyone else). security_invoker over private.operations_nightly_runs().';

create function public.requeue_parked_events(p_organization_id uuid, p_event_ids uuid[] default null)
returns table (event_id uuid, peer_mentor_id uuid, status_version integer)
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform private.require_id(p_organization_id, 'p_organization_id');
  if cardinality(p_event_ids) = 0 or array_position(p_event_ids, null) is not null then
    perform private.raise_domain_error('PM422',
      'p_event_ids must name at least one event and no null; leave it out to requeue every parked event');
  end if;
  return query select * from private.requeue_parked_events(p_organization_id, p_event_ids);
end
$$;
comment on function public.requeue_parked_events(uuid, uuid[]) is
  'Requeues parked Dynamics outbox events of the organization (the named ones, or all when p_event_ids is left out): due now, attempts reset, audited; returns the requeued events. Org admins only. Errors: PM401, PM403, PM404, PM412, PM422.';

------------------------------------------------------------------------------------------------
-- Privileges
------------------------------------------------------------------------------------------------

revoke all on public.operations_outbox_backlog, public.operations_parked_events,
  public.operations_nightly_runs from public, anon, authenticated, service_role;
grant select on public.operations_outbox_backlog, public.operations_parked_events,
  public.operations_nightly_runs to authenticated, service_role;

revoke all on function
  private.operations_outbox_backlog(),
  private.operations_parked_events(),
  private.operations_nightly_runs(),
  private.assert_operations_admin(uuid),
  private.requeue_parked_events(uuid, uuid[])
  from public;
-- The views and the RPC run with the caller's rights; these are what they call.
grant execute on function
  private.operations_outbox_backlog(),
  private.operations_parked_events(),
  private.operations_nightly_runs(),
  private.requeue_parked_events(uuid, uuid[])
  to authenticated, service_role;

revoke execute on function public.requeue_parked_events(uuid, uuid[]) from public, anon;
grant execute on function public.requeue_parked_events(uuid, uuid[]) to authenticated, service_role;
