-- Database performance (issue 13): cheaper policy helpers, an indexed chapter pause list, and
-- a transition core that reads once before and once under the per-mentor lock.
--
-- Touches:
--   * creates type private.caller_context and function private.caller_context(): the caller's
--     whole context (claims, user, system or not, claimed organization, membership role, own
--     mentor id) resolved in one call, with one read of the claims and one index probe; and
--     private.actor_role_in(context, organization), the RPCs' PM401/PM412 checks on it;
--   * replaces the helpers claimed_organization_id, claims_expired, caller_user_id,
--     caller_is_system, active_membership_role, active_organization_id, staff_organization_id,
--     admin_organization_id, own_peer_mentor_id, coordinated_peer_mentor_ids and
--     assert_caller_in_organization (same names, signatures and results) with thin readers of
--     that context, so callers elsewhere keep working;
--   * alters every SELECT policy in public (same names and rules) to read the context once per
--     statement: (select (private.caller_context()).field), an initPlan;
--   * creates table private.paused_mentor_chapters (one row per chapter link of a paused
--     mentor), kept equal to the status rows by triggers on peer_mentor_status and
--     peer_mentor_chapters in the same transaction; public.get_active_pauses_for_chapter now
--     calls private.list_chapter_pauses, which resolves the caller once, authorizes as before
--     and reads that table: a direct index range per chapter;
--   * replaces private.transition_peer_mentor_status (same signature and result): the mentor,
--     the organization's date and the coordinator check in one read before the lock, the
--     status, the transition limit and an expired certification in one read under it; drops
--     private.require_transition_allowance, which that read replaces.
--
-- Why no per-transaction cache of the context: a custom setting (set_config) is writable by
-- every role, so a cached context could be forged by the caller; evaluating it once per
-- statement (initPlan) is as cheap for a one-statement PostgREST request and cannot go stale
-- across `set local role` or a claims change inside a transaction.

------------------------------------------------------------------------------------------------
-- 1. The caller's context
------------------------------------------------------------------------------------------------

create type private.caller_context as (
  -- The JWT sub, or null when there is none or the claims have expired.
  user_id uuid,
  -- The claims carry an exp that has passed (or is not a number): they identify nobody.
  claims_expired boolean,
  -- The service role (claims and database role) with unexpired claims: the system actor.
  is_system boolean,
  -- app_metadata.organization_id when it is a uuid, else null. Selects; grants nothing.
  claimed_organization_id uuid,
  -- The caller's role in the claimed organization, null without a current membership there.
  membership_role public.member_role,
  -- The claimed organization when the caller is a current member / staff / org admin there.
  active_organization_id uuid,
  staff_organization_id uuid,
  admin_organization_id uuid,
  -- The caller's own peer-mentor id in the active organization, or null.
  own_peer_mentor_id uuid
);
comment on type private.caller_context is
  'Who the caller is, as private.caller_context() resolves it from the request claims, the database role and the membership tables.';

-- Security definer: policies on organization_members and peer_mentors call it, so it reads them
-- without row-level security (no recursion). It returns only the caller's own membership and
-- mentor row. PL/pgSQL keeps the plan of its one query for the session.
create function private.caller_context()
returns private.caller_context
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_claims jsonb := auth.jwt();
  v_claim text := v_claims -> 'app_metadata' ->> 'organization_id';
  v_context private.caller_context;
begin
  -- The one place that knows the claim key (packages/contracts exports the same key).
  -- A claim that is not a uuid selects nothing instead of failing the query.
  v_context.claimed_organization_id := case
    when v_claim ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then v_claim::uuid
  end;
  -- PostgREST already rejects expired tokens; this keeps the database safe when claims arrive
  -- some other way.
  v_context.claims_expired := coalesce(
    v_claims ? 'exp'
      and case jsonb_typeof(v_claims -> 'exp')
            when 'number' then (v_claims ->> 'exp')::numeric <= extract(epoch from now())
            else true
          end,
    false);
  v_context.user_id := case when not v_context.claims_expired then auth.uid() end;
  -- Both the claims and the database role must say service_role, so claims alone cannot make
  -- a session the system.
  v_context.is_system := coalesce(
    auth.role() = 'service_role'
      and pg_catalog.current_setting('role', true) = 'service_role'
      and not v_context.claims_expired,
    false);
  select m.role, pm.id
    into v_context.membership_role, v_context.own_peer_mentor_id
  from public.organization_members m
  left join public.peer_mentors pm
    on pm.user_id = m.user_id and pm.organization_id = m.organization_id
  where m.organization_id = v_context.claimed_organization_id
    and m.user_id = v_context.user_id;
  v_context.active_organization_id := case
    when v_context.membership_role is not null then v_context.claimed_organization_id end;
  v_context.staff_organization_id := case
    when v_context.membership_role in ('coordinator', 'org_admin') then v_context.claimed_organization_id end;
  v_context.admin_organization_id := case
    when v_context.membership_role = 'org_admin' then v_context.claimed_organization_id end;
  return v_context;
end
$$;
comment on function private.caller_context() is
  'The caller''s context in one call: user id, expired claims, system actor, claimed organization, membership role there, active/staff/admin organization, own peer-mentor id. Policies read it once per statement.';

------------------------------------------------------------------------------------------------
-- 2. The named helpers read the context (same names, signatures and results as before)
------------------------------------------------------------------------------------------------

create or replace function private.claimed_organization_id()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
begin
  return (private.caller_context()).claimed_organization_id;
end
$$;

create or replace function private.claims_expired()
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
  return (private.caller_context()).claims_expired;
end
$$;

create or replace function private.caller_user_id()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
begin
  return (private.caller_context()).user_id;
end
$$;

create or replace function private.caller_is_system()
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
  return (private.caller_context()).is_system;
end
$$;

-- Security definer as before (the rights now come from caller_context; kept so the function's
-- properties do not change under its callers).
create or replace function private.active_membership_role()
returns public.member_role
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return (private.caller_context()).membership_role;
end
$$;

create or replace function private.active_organization_id()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
begin
  return (private.caller_context()).active_organization_id;
end
$$;

create or replace function private.staff_organization_id()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
begin
  return (private.caller_context()).staff_organization_id;
end
$$;

create or replace function private.admin_organization_id()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
begin
  return (private.caller_context()).admin_organization_id;
end
$$;

-- Security definer as before (see active_membership_role).
create or replace function private.own_peer_mentor_id()
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return (private.caller_context()).own_peer_mentor_id;
end
$$;

-- Security definer: reads the chapter links without their policies' helper subqueries, for
-- the caller's own assignments only; a coordinator's list is a few chapters' mentors.
create or replace function private.coordinated_peer_mentor_ids()
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_context private.caller_context := private.caller_context();
  v_ids uuid[];
begin
  if v_context.membership_role is distinct from 'coordinator' then
    return '{}'::uuid[];
  end if;
  select coalesce(array_agg(distinct pmc.peer_mentor_id), '{}'::uuid[]) into v_ids
  from public.coordinator_chapters cc
  join public.peer_mentor_chapters pmc on pmc.chapter_id = cc.chapter_id
  where cc.user_id = v_context.user_id
    and cc.organization_id = v_context.claimed_organization_id;
  return v_ids;
end
$$;

-- Identity and organization checks shared by every RPC, from a context already resolved.
create function private.actor_role_in(p_context private.caller_context, p_organization_id uuid)
returns public.status_actor_role
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_context.is_system then
    return 'system'::public.status_actor_role;
  end if;
  if p_context.user_id is null then
    perform private.raise_domain_error('PM401', 'the request carries no valid user id');
  end if;
  if p_context.membership_role is null then
    perform private.raise_domain_error('PM412',
      'the JWT claim app_metadata.organization_id does not name an organization you are a current member of');
  end if;
  if p_organization_id is distinct from p_context.claimed_organization_id then
    perform private.raise_domain_error('PM412',
      'p_organization_id differs from the organization selected by your JWT (app_metadata.organization_id)');
  end if;
  return p_context.membership_role::text::public.status_actor_role;
end
$$;
comment on function private.actor_role_in(private.caller_context, uuid) is
  'For a resolved caller context: the system actor, or PM401 without a user, PM412 unless p_organization_id is the claimed organization with a current membership; returns the actor role.';

-- Security definer as before (see active_membership_role).
create or replace function private.assert_caller_in_organization(p_organization_id uuid)
returns public.status_actor_role
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return private.actor_role_in(private.caller_context(), p_organization_id);
end
$$;

------------------------------------------------------------------------------------------------
-- 3. Policies: the same rules, the context read once per statement
------------------------------------------------------------------------------------------------

alter policy "Members read their organization" on public.organizations
  using (id = (select (private.caller_context()).active_organization_id));

alter policy "Members read their organization's chapters" on public.chapters
  using (organization_id = (select (private.caller_context()).active_organization_id));

alter policy "Users read own memberships; staff read their organization's" on public.organization_members
  using (
    user_id = (select (private.caller_context()).user_id)
    or organization_id = (select (private.caller_context()).staff_organization_id)
  );

alter policy "Staff read org mentors; mentors read themselves" on public.peer_mentors
  using (
    organization_id = (select (private.caller_context()).staff_organization_id)
    or id = (select (private.caller_context()).own_peer_mentor_id)
  );

alter policy "Staff read org mentor chapters; mentors read their own" on public.peer_mentor_chapters
  using (
    organization_id = (select (private.caller_context()).staff_organization_id)
    or peer_mentor_id = (select (private.caller_context()).own_peer_mentor_id)
  );

alter policy "Staff read org coordinator assignments" on public.coordinator_chapters
  using (organization_id = (select (private.caller_context()).staff_organization_id));

alter policy "Staff read org statuses; mentors read their own" on public.peer_mentor_status
  using (
    organization_id = (select (private.caller_context()).staff_organization_id)
    or peer_mentor_id = (select (private.caller_context()).own_peer_mentor_id)
  );

alter policy "Staff read org status log; mentors read their own" on public.peer_mentor_status_log
  using (
    organization_id = (select (private.caller_context()).staff_organization_id)
    or peer_mentor_id = (select (private.caller_context()).own_peer_mentor_id)
  );

alter policy "Staff read org certifications; mentors read their own" on public.peer_mentor_certifications
  using (
    organization_id = (select (private.caller_context()).staff_organization_id)
    or peer_mentor_id = (select (private.caller_context()).own_peer_mentor_id)
  );

alter policy "Need to know: the mentor, her chapters' coordinators and org admins read notes"
  on public.peer_mentor_status_notes
  using (
    peer_mentor_id = (select (private.caller_context()).own_peer_mentor_id)
    or organization_id = (select (private.caller_context()).admin_organization_id)
    or peer_mentor_id = any ((select private.coordinated_peer_mentor_ids())::uuid[])
  );

alter policy "Users read their own organization selection" on public.organization_selections
  using (user_id = (select (private.caller_context()).user_id));

alter policy "Org admins read their organization's membership log" on public.organization_membership_log
  using (organization_id = (select (private.caller_context()).admin_organization_id));

------------------------------------------------------------------------------------------------
-- 4. The chapter pause list: paused links kept with the status
------------------------------------------------------------------------------------------------

create table private.paused_mentor_chapters (
  chapter_id uuid not null,
  peer_mentor_id uuid not null,
  -- The link's organization (a chapter's and its mentors' are the same).
  organization_id uuid not null,
  primary key (chapter_id, peer_mentor_id)
  -- No foreign key to peer_mentor_chapters: its check would lock the link row from inside a
  -- transition, while a link removal holds that row and waits for the transition (a deadlock).
  -- The link triggers below remove the rows instead.
);
comment on table private.paused_mentor_chapters is
  'One row per chapter link (peer_mentor_chapters) of a paused mentor: exactly the links whose mentor''s peer_mentor_status is paused, kept so by triggers in the same transaction as the change. A chapter''s pause list is a range of its primary key.';
create index paused_mentor_chapters_mentor_idx
  on private.paused_mentor_chapters (peer_mentor_id);
alter table private.paused_mentor_chapters enable row level security;

-- Security definer: the status only changes inside the transition core (the owner) or by the
-- owner, but keeping the rows in step must not depend on who changes the status.
create function private.sync_paused_chapters_of_status()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from private.paused_mentor_chapters p
  where p.peer_mentor_id = new.peer_mentor_id
    and new.status <> 'paused';
  insert into private.paused_mentor_chapters (chapter_id, peer_mentor_id, organization_id)
  select pmc.chapter_id, pmc.peer_mentor_id, pmc.organization_id
  from public.peer_mentor_chapters pmc
  where pmc.peer_mentor_id = new.peer_mentor_id
    and new.status = 'paused'
  on conflict do nothing;
  return null;
end
$$;
comment on function private.sync_paused_chapters_of_status() is
  'After a status change: the mentor''s chapter links enter private.paused_mentor_chapters when paused and leave it when active.';

create trigger peer_mentor_status_sync_paused_chapters
  after update of status on public.peer_mentor_status
  for each row when (old.status is distinct from new.status)
  execute function private.sync_paused_chapters_of_status();

-- Security definer: the service role (admin tooling) and the membership RPCs write chapter
-- links; neither holds a privilege on private.paused_mentor_chapters or may lock status rows.
--
-- Concurrency: a transition and a link change may run at once. Each link change locks the
-- mentor's status row FOR SHARE, which conflicts with a transition's UPDATE of it, so one waits
-- for the other and then reads what it committed: either the transition's trigger sees the link
-- as it now is, or this trigger sees the new status. (Without the lock both could miss the
-- other: a paused mentor's new link left off the list, or a removed link left on it.) A
-- transition never waits for a link row, so the two cannot deadlock.
create function private.sync_paused_chapter_link()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    perform from public.peer_mentor_status s where s.peer_mentor_id = old.peer_mentor_id for share;
    delete from private.paused_mentor_chapters p
    where p.chapter_id = old.chapter_id and p.peer_mentor_id = old.peer_mentor_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    perform from public.peer_mentor_status s where s.peer_mentor_id = new.peer_mentor_id for share;
    insert into private.paused_mentor_chapters (chapter_id, peer_mentor_id, organization_id)
    select new.chapter_id, new.peer_mentor_id, new.organization_id
    from public.peer_mentor_status s
    where s.peer_mentor_id = new.peer_mentor_id
      and s.status = 'paused'
    on conflict do nothing;
  end if;
  return null;
end
$$;
comment on function private.sync_paused_chapter_link() is
  'After a chapter link is added, changed or removed: it is in private.paused_mentor_chapters exactly while its mentor is paused.';

create trigger peer_mentor_chapters_sync_paused
  after insert or update or delete on public.peer_mentor_chapters
  for each row execute function private.sync_paused_chapter_link();

insert into private.paused_mentor_chapters (chapter_id, peer_mentor_id, organization_id)
select pmc.chapter_id, pmc.peer_mentor_id, pmc.organization_id
from public.peer_mentor_chapters pmc
join public.peer_mentor_status s on s.peer_mentor_id = pmc.peer_mentor_id
where s.status = 'paused';

-- Security definer: private.paused_mentor_chapters is the owner's, and reading through the
-- policies would resolve the caller's context once per table (an initPlan each for the paused
-- links, the statuses, the mentors and the notes). Instead the context is resolved once, the
-- caller is authorized here exactly as before (PM401/PM412, PM403 for a peer mentor, PM404 for
-- a chapter of another organization), and the rows are those the policies show such a caller:
-- staff (and the system) see every status and mentor of the organization; a note only where
-- the notes policy allows it (the mentor herself, an org admin, a coordinator of a chapter the
-- mentor serves in; the service role reads every note). 12-need-to-know-notes and
-- 07-active-pauses-for-chapter pin both.
create function private.list_chapter_pauses(p_organization_id uuid, p_chapter_id uuid)
returns table (
  peer_mentor_id uuid,
  display_name text,
  reason_code public.pause_reason_code,
  note text,
  paused_at timestamptz,
  paused_by uuid,
  paused_by_role public.status_actor_role,
  expected_end date
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_context private.caller_context := private.caller_context();
  v_actor_role public.status_actor_role := private.actor_role_in(v_context, p_organization_id);
begin
  if v_actor_role = 'peer_mentor' then
    perform private.raise_domain_error('PM403', 'only coordinators and organization admins list a chapter''s pauses');
  end if;
  if not exists (
    select from public.chapters c where c.id = p_chapter_id and c.organization_id = p_organization_id
  ) then
    perform private.raise_domain_error('PM404',
      format('no chapter %s in organization %s', p_chapter_id, p_organization_id));
  end if;

  -- The chapter's paused links are a range of the primary key; each is one probe of the
  -- status, the mentor and the note.
  return query
    select s.peer_mentor_id, pm.display_name, s.reason_code,
           case
             when v_actor_role in ('system', 'org_admin')
               or pm.id = v_context.own_peer_mentor_id
               or (v_actor_role = 'coordinator' and exists (
                     select
                     from public.coordinator_chapters cc
                     join public.peer_mentor_chapters pmc on pmc.chapter_id = cc.chapter_id
                     where cc.user_id = v_context.user_id
                       and cc.organization_id = p_organization_id
                       and pmc.peer_mentor_id = s.peer_mentor_id))
             then n.note
           end,
           s.paused_at, s.paused_by, s.paused_by_role, s.expected_end
    from private.paused_mentor_chapters p
    join public.peer_mentor_status s on s.peer_mentor_id = p.peer_mentor_id
    join public.peer_mentors pm on pm.id = p.peer_mentor_id
    left join public.peer_mentor_status_notes n
      on n.peer_mentor_id = s.peer_mentor_id and n.version = s.version
    where p.chapter_id = p_chapter_id
      and p.organization_id = p_organization_id
      and s.organization_id = p_organization_id
      and s.status = 'paused'
    order by s.paused_at, s.peer_mentor_id;
end
$$;
comment on function private.list_chapter_pauses(uuid, uuid) is
  'The body of get_active_pauses_for_chapter: authorizes the caller (PM401, PM403, PM404, PM412) and lists the chapter''s paused mentors, oldest pause first, with a note only where the notes policy would show it.';

create or replace function public.get_active_pauses_for_chapter(p_organization_id uuid, p_chapter_id uuid)
returns table (
  peer_mentor_id uuid,
  display_name text,
  reason_code public.pause_reason_code,
  note text,
  paused_at timestamptz,
  paused_by uuid,
  paused_by_role public.status_actor_role,
  expected_end date
)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  perform private.require_id(p_organization_id, 'p_organization_id');
  perform private.require_id(p_chapter_id, 'p_chapter_id');
  return query select * from private.list_chapter_pauses(p_organization_id, p_chapter_id);
end
$$;

------------------------------------------------------------------------------------------------
-- 5. The transition core: one read before the lock, one under it
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
  v_context private.caller_context := private.caller_context();
  v_actor_role public.status_actor_role := private.actor_role_in(v_context, p_organization_id);
  v_actor_user_id uuid := case when v_actor_role <> 'system' then v_context.user_id end;
  v_rules_role public.status_actor_role;
  v_before record;
  v_locked record;
  v_current public.peer_mentor_status;
  v_result public.peer_mentor_status;
begin
  -- Who may act is decided before the per-mentor lock and from rows a transition never
  -- changes, so a caller who may not see this mentor is refused at once, not after waiting
  -- behind someone else's transition. One read: the organization's calendar date, the mentor,
  -- and (for a coordinator) whether she covers a chapter the mentor serves in.
  select (now() at time zone o.time_zone)::date as today, pm.id as mentor_id,
         pm.user_id as mentor_user_id,
         v_actor_role = 'coordinator' and exists (
           select
           from public.coordinator_chapters cc
           join public.peer_mentor_chapters pmc on pmc.chapter_id = cc.chapter_id
           where cc.user_id = v_actor_user_id
             and pmc.peer_mentor_id = pm.id) as coordinates
    into v_before
  from public.organizations o
  left join public.peer_mentors pm
    on pm.id = p_peer_mentor_id and pm.organization_id = o.id
  where o.id = p_organization_id;

  -- "Not in the past" is read in the organization's calendar.
  if p_expected_end < v_before.today then
    perform private.raise_domain_error('PM422', format(
      'p_expected_end %s is in the past (today is %s in the organization''s time zone)',
      p_expected_end, v_before.today));
  end if;

  -- A coordinator or org admin acting on herself as a mentor follows the mentor's rules.
  v_rules_role := case when v_before.mentor_user_id = v_actor_user_id then 'peer_mentor' else v_actor_role end;

  -- Invisible is the same as absent: no existence leak across mentors or organizations.
  -- This is the read policy's rule for a caller whose organization is already verified:
  -- staff see every mentor of it, a mentor sees only themselves.
  if v_before.mentor_id is null
    or (v_rules_role = 'peer_mentor' and v_before.mentor_user_id is distinct from v_actor_user_id) then
    perform private.raise_domain_error('PM404',
      format('no peer mentor %s visible to you in organization %s', p_peer_mentor_id, p_organization_id));
  end if;
  if v_rules_role = 'coordinator' and not v_before.coordinates then
    perform private.raise_domain_error('PM403', 'you do not coordinate a chapter this peer mentor serves in');
  end if;
  if p_to_status = 'paused' and not (v_rules_role = any (private.reason_code_usable_by(p_reason_code))) then
    perform private.raise_domain_error('PM403', case
      when v_rules_role = v_actor_role then
        format('reason code %s cannot be used by a caller with role %s', p_reason_code, v_actor_role)
      else
        format('reason code %s cannot be used on yourself: acting on yourself, you follow a peer mentor''s rules', p_reason_code)
      end);
  end if;

  -- Serialize every transition of this mentor; then one read of what may have changed: the
  -- status, the transition limit (the max-th newest transition, one probe of the log's unique
  -- (peer_mentor_id, version) index) and a certification expired in the organization's
  -- calendar. (A mentor deleted in between has no status row: the write below then reports a
  -- concurrent change, and a retry answers PM404.)
  perform private.lock_peer_mentor(v_before.mentor_id);
  -- Scalar subqueries, so each is one probe of a unique index whatever the log's size.
  select s as status, l.max_transitions, l.per_window,
         (select g.created_at
          from public.peer_mentor_status_log g
          where g.peer_mentor_id = s.peer_mentor_id
            and g.version = s.version - l.max_transitions + 1) as oldest_counted,
         (select c.valid_until
          from public.peer_mentor_certifications c
          where c.peer_mentor_id = s.peer_mentor_id
            and c.valid_until < v_before.today) as expired_until
    into v_locked
  from public.peer_mentor_status s
  left join private.status_transition_limit l on true
  where s.peer_mentor_id = v_before.mentor_id;
  v_current := v_locked.status;

  if v_current.status = p_to_status then
    perform private.raise_domain_error(
      case p_to_status when 'paused' then 'PM409' else 'PM410' end,
      format('status is %s (version %s)', v_current.status, v_current.version));
  end if;
  -- A pause someone else imposed (a coordinator, an org admin, the system) is locked for the
  -- mentor; a pause a staff mentor started on herself is her own.
  if p_to_status = 'active' and v_rules_role = 'peer_mentor'
    and v_current.paused_by_role = any (private.pause_locking_actor_roles())
    and v_current.paused_by is distinct from v_actor_user_id then
    perform private.raise_domain_error('PM423',
      format('this pause was started by the %s role', v_current.paused_by_role));
  end if;
  -- The per-mentor limit binds everyone but the system.
  if v_actor_role <> 'system' and v_locked.oldest_counted > now() - v_locked.per_window then
    perform private.raise_domain_error('PM429', format(
      'at most %s status changes per peer mentor in %s; try again after %s',
      v_locked.max_transitions, v_locked.per_window, v_locked.oldest_counted + v_locked.per_window));
  end if;

  v_result := private.write_status_transition(
    v_current, p_to_status, p_reason_code, p_note, p_expected_end, v_actor_user_id, v_actor_role);
  if v_result is null then
    raise exception using
      errcode = 'serialization_failure',
      message = 'peer mentor status changed concurrently; retry the call',
      detail = format('peer mentor %s was expected at version %s', v_current.peer_mentor_id, v_current.version);
  end if;

  -- An expired certification holds at the moment a pause ends: the mentor is paused for it
  -- by the system in the same transaction, so pausing for another reason around the nightly
  -- run cannot dodge it. The renewal path (a valid_until from today on) is unaffected.
  if p_to_status = 'active' and v_locked.expired_until is not null then
    -- Cannot miss: the lock is held and v_result is the row just written.
    v_result := private.write_status_transition(
      v_result, 'paused', 'certification_expired',
      format('Certification expired: valid until %s', v_locked.expired_until), null, null, 'system');
    update public.peer_mentor_certifications c
    set expiry_handled_for = v_locked.expired_until, expiry_handled_on = v_before.today,
        expiry_outcome = 'paused'
    where c.peer_mentor_id = v_before.mentor_id;
  end if;
  return v_result;
end
$$;

drop function private.require_transition_allowance(public.peer_mentor_status);

------------------------------------------------------------------------------------------------
-- 6. Privileges
------------------------------------------------------------------------------------------------

-- Policies and the RPCs evaluate these with the caller's rights.
revoke all on function private.caller_context() from public;
grant execute on function private.caller_context() to authenticated, service_role;
revoke all on function private.actor_role_in(private.caller_context, uuid) from public;
grant execute on function private.actor_role_in(private.caller_context, uuid) to authenticated, service_role;

-- Read only by private.list_chapter_pauses (the owner), written only by the triggers.
revoke all on private.paused_mentor_chapters from public, anon, authenticated, service_role;
revoke all on function private.list_chapter_pauses(uuid, uuid) from public;
grant execute on function private.list_chapter_pauses(uuid, uuid) to authenticated, service_role;

revoke all on function private.sync_paused_chapters_of_status() from public;
revoke all on function private.sync_paused_chapter_link() from public;
