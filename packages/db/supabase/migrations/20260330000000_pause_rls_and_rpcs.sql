-- Pause management: row-level security policies and the pause RPCs.
--
-- In this order, so that no function is ever callable without its policies:
--   1. private helpers: the caller's identity and organization (one place reads the claim),
--      the domain-error catalog, reason-code rules, the per-mentor lock;
--   2. one SELECT policy per table for role authenticated;
--   3. the status-transition core (private) and the RPCs activate_pause, deactivate_pause,
--      get_active_pauses_for_chapter (public);
--   4. revoke / grant on tables and functions.
--
-- The organization claim is auth.jwt() -> 'app_metadata' ->> 'organization_id'. It only selects
-- the organization the caller acts in; every check also requires a current row in
-- organization_members. user_metadata is never read: end users can rewrite it themselves.

------------------------------------------------------------------------------------------------
-- 1. Helpers
--
-- PL/pgSQL, not SQL: a SQL function with a SET clause (our fixed search_path) is never inlined,
-- so PostgreSQL 15 parses and plans its body on every call. PL/pgSQL keeps its plans for the
-- session, which matters because one RPC evaluates these helpers dozens of times.
------------------------------------------------------------------------------------------------

-- The one place that knows the claim key (packages/contracts exports the same key).
-- A claim that is not a uuid selects nothing instead of failing the query.
create function private.claimed_organization_id()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_claim text := auth.jwt() -> 'app_metadata' ->> 'organization_id';
begin
  return case
    when v_claim ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then v_claim::uuid
  end;
end
$$;
comment on function private.claimed_organization_id() is
  'The organization the caller''s JWT selects (app_metadata.organization_id), or null. Grants nothing by itself.';

-- True when the claims carry an exp that is not a future NumericDate. PostgREST already rejects
-- expired tokens; this keeps the database safe when claims arrive some other way.
create function private.claims_expired()
returns boolean
language plpgsql
stable
set search_path = ''
as $$
declare
  v_claims jsonb := auth.jwt();
begin
  return coalesce(
    v_claims ? 'exp'
      and case jsonb_typeof(v_claims -> 'exp')
            when 'number' then (v_claims ->> 'exp')::numeric <= extract(epoch from now())
            else true
          end,
    false);
end
$$;
comment on function private.claims_expired() is
  'Whether the request claims have an exp that has passed (or is not a number): such claims identify nobody.';

create function private.caller_user_id()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
begin
  return case when private.claims_expired() then null else auth.uid() end;
end
$$;
comment on function private.caller_user_id() is
  'The calling user''s id (JWT sub), or null when there is none or the claims have expired.';

-- The system actor: the service role (the scheduler and other trusted back ends). Both the
-- claims and the database role must say so, so claims alone cannot make a session the system.
create function private.caller_is_system()
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
  return coalesce(
    auth.role() = 'service_role'
      and pg_catalog.current_setting('role', true) = 'service_role'
      and not private.claims_expired(),
    false);
end
$$;
comment on function private.caller_is_system() is
  'True when the request runs as the service role (claims and database role) with unexpired claims; such a caller acts as the system (actor role system, no user id).';

-- Security definer: policies on organization_members itself call this, so it must read the
-- membership table without row-level security (no recursion). It returns only the caller's own row.
create function private.active_membership_role()
returns public.member_role
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_role public.member_role;
begin
  select m.role into v_role
  from public.organization_members m
  where m.organization_id = private.claimed_organization_id()
    and m.user_id = private.caller_user_id();
  return v_role;
end
$$;
comment on function private.active_membership_role() is
  'The caller''s role in the claimed organization, or null without a current membership there.';

create function private.active_organization_id()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
begin
  return case when private.active_membership_role() is not null then private.claimed_organization_id() end;
end
$$;
comment on function private.active_organization_id() is
  'The claimed organization when the caller is a current member of it, else null.';

create function private.staff_organization_id()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
begin
  return case
    when private.active_membership_role() in ('coordinator', 'org_admin') then private.claimed_organization_id()
  end;
end
$$;
comment on function private.staff_organization_id() is
  'The active organization when the caller is a coordinator or org admin there, else null. Staff read every mentor of it.';

-- Security definer: reads peer_mentors, whose own policy calls this function.
create function private.own_peer_mentor_id()
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := private.caller_user_id();
  v_claimed uuid := private.claimed_organization_id();
  v_id uuid;
begin
  select pm.id into v_id
  from public.peer_mentors pm
  where pm.user_id = v_user_id
    and pm.organization_id = v_claimed
    and exists (
      select from public.organization_members m
      where m.organization_id = v_claimed and m.user_id = v_user_id);
  return v_id;
end
$$;
comment on function private.own_peer_mentor_id() is
  'The caller''s own peer-mentor id in the active organization, or null.';

create function private.coordinates_peer_mentor(p_user_id uuid, p_peer_mentor_id uuid)
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
  return exists (
    select
    from public.coordinator_chapters cc
    join public.peer_mentor_chapters pmc on pmc.chapter_id = cc.chapter_id
    where cc.user_id = p_user_id
      and pmc.peer_mentor_id = p_peer_mentor_id
  );
end
$$;
comment on function private.coordinates_peer_mentor(uuid, uuid) is
  'Whether the user covers at least one chapter the mentor serves in.';

create function private.reason_code_usable_by(p_reason_code public.pause_reason_code)
returns public.status_actor_role[]
language plpgsql
immutable
set search_path = ''
as $$
begin
  return case p_reason_code
    when 'coordinator_decision' then array['coordinator', 'org_admin']::public.status_actor_role[]
    when 'certification_expired' then array['system']::public.status_actor_role[]
    else enum_range(null::public.status_actor_role)
  end;
end
$$;
comment on function private.reason_code_usable_by(public.pause_reason_code) is
  'The actors allowed to start a pause with this reason code (packages/contracts: reasonCodeUsableBy).';

create function private.pause_locking_actor_roles()
returns public.status_actor_role[]
language plpgsql
immutable
set search_path = ''
as $$
begin
  return array['coordinator', 'org_admin', 'system']::public.status_actor_role[];
end
$$;
comment on function private.pause_locking_actor_roles() is
  'A pause started by one of these actors can be ended only by a coordinator or org admin (PM423 for the mentor).';

create function private.note_max_length()
returns integer
language plpgsql
immutable
set search_path = ''
as $$
begin
  return 1000;
end
$$;
comment on function private.note_max_length() is 'Longest accepted note, in characters (also a CHECK on the tables).';

-- The domain-error catalog (packages/contracts: domainErrorCatalog). A test keeps the two equal.
create function private.domain_error_catalog()
returns table (code text, name text, message text)
language plpgsql
immutable
set search_path = ''
as $$
begin
  return query values
    ('PM401', 'not_authenticated', 'not authenticated'),
    ('PM403', 'forbidden', 'not allowed to act on this peer mentor or chapter'),
    ('PM404', 'not_found', 'peer mentor or chapter not found'),
    ('PM409', 'already_paused', 'peer mentor is already paused'),
    ('PM410', 'not_paused', 'peer mentor is not paused'),
    ('PM412', 'organization_mismatch', 'organization does not match the caller'),
    ('PM422', 'invalid_argument', 'invalid argument'),
    ('PM423', 'pause_locked', 'this pause can only be ended by a coordinator or an organization admin');
end
$$;
comment on function private.domain_error_catalog() is
  'Our SQLSTATEs of class PM with their names and messages. Clients switch on the code.';

create function private.raise_domain_error(p_code text, p_detail text default null)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  v_message text;
begin
  select c.message into v_message from private.domain_error_catalog() c where c.code = p_code;
  if v_message is null then
    raise exception 'unknown domain error code %', p_code using errcode = 'internal_error';
  end if;
  raise exception using errcode = p_code, message = v_message, detail = coalesce(p_detail, '');
end
$$;
comment on function private.raise_domain_error(text, text) is
  'Raises a catalogued domain error: SQLSTATE p_code, the catalog message, and p_detail for context.';

create function private.require_id(p_value uuid, p_name text)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_value is null then
    perform private.raise_domain_error('PM422', format('%s is required', p_name));
  end if;
end
$$;
comment on function private.require_id(uuid, text) is 'Raises PM422 when a required id argument is null.';

create function private.require_valid_note(p_note text)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if char_length(p_note) > private.note_max_length() then
    perform private.raise_domain_error('PM422',
      format('p_note has %s characters; at most %s are allowed', char_length(p_note), private.note_max_length()));
  end if;
end
$$;
comment on function private.require_valid_note(text) is 'Raises PM422 when a note is longer than private.note_max_length().';

-- Identity and organization checks shared by every RPC. Returns who is acting.
-- Security definer: it reads the caller's own membership row directly, without the policy's
-- helper subqueries; it returns nothing about anyone but the caller.
create function private.assert_caller_in_organization(p_organization_id uuid)
returns public.status_actor_role
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_user_id uuid;
  v_claimed uuid;
  v_role public.member_role;
begin
  if private.caller_is_system() then
    return 'system'::public.status_actor_role;
  end if;
  v_user_id := private.caller_user_id();
  if v_user_id is null then
    perform private.raise_domain_error('PM401', 'the request carries no valid user id');
  end if;
  v_claimed := private.claimed_organization_id();
  select m.role into v_role
  from public.organization_members m
  where m.organization_id = v_claimed
    and m.user_id = v_user_id;
  if v_role is null then
    perform private.raise_domain_error('PM412',
      'the JWT claim app_metadata.organization_id does not name an organization you are a current member of');
  end if;
  if p_organization_id is distinct from v_claimed then
    perform private.raise_domain_error('PM412',
      'p_organization_id differs from the organization selected by your JWT (app_metadata.organization_id)');
  end if;
  return v_role::text::public.status_actor_role;
end
$$;
comment on function private.assert_caller_in_organization(uuid) is
  'Raises PM401 without a user, PM412 unless p_organization_id is the claimed organization with a current membership; returns the actor role.';

-- Key 1 of the two-key advisory lock is this project's namespace for per-mentor locks, so
-- other advisory-lock users (hashing their own keys) cannot collide with ours.
create function private.peer_mentor_lock_namespace()
returns integer
language plpgsql
immutable
set search_path = ''
as $$
begin
  return 1347767119;
end
$$;
comment on function private.peer_mentor_lock_namespace() is
  'Key 1 of pg_advisory_xact_lock(key1, key2) for per-mentor status locks; key 2 is hashtext(peer_mentor_id).';

create function private.lock_peer_mentor(p_peer_mentor_id uuid)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(
    private.peer_mentor_lock_namespace(), pg_catalog.hashtext(p_peer_mentor_id::text));
end
$$;
comment on function private.lock_peer_mentor(uuid) is
  'Serializes status transitions of one mentor until the end of the transaction, without a table lock.';

------------------------------------------------------------------------------------------------
-- 2. Policies: one permissive SELECT policy per table, for authenticated. No write policies:
--    clients hold no write privilege; writes go through the RPCs. anon holds no privilege.
------------------------------------------------------------------------------------------------

create policy "Members read their organization"
  on public.organizations for select to authenticated
  using (id = (select private.active_organization_id()));
comment on policy "Members read their organization" on public.organizations is
  'A member sees the organization their JWT claims, while their membership there is current.';

create policy "Members read their organization's chapters"
  on public.chapters for select to authenticated
  using (organization_id = (select private.active_organization_id()));
comment on policy "Members read their organization's chapters" on public.chapters is
  'Every current member sees the chapters of the claimed organization.';

create policy "Users read own memberships; staff read their organization's"
  on public.organization_members for select to authenticated
  using (
    user_id = (select private.caller_user_id())
    or organization_id = (select private.staff_organization_id())
  );
comment on policy "Users read own memberships; staff read their organization's" on public.organization_members is
  'Users see their own memberships (all organizations, to switch between them); coordinators and org admins see every membership of the claimed organization.';

create policy "Staff read org mentors; mentors read themselves"
  on public.peer_mentors for select to authenticated
  using (
    organization_id = (select private.staff_organization_id())
    or id = (select private.own_peer_mentor_id())
  );
comment on policy "Staff read org mentors; mentors read themselves" on public.peer_mentors is
  'Coordinators and org admins see every mentor of the claimed organization; a mentor sees only their own row.';

create policy "Staff read org mentor chapters; mentors read their own"
  on public.peer_mentor_chapters for select to authenticated
  using (
    organization_id = (select private.staff_organization_id())
    or peer_mentor_id = (select private.own_peer_mentor_id())
  );
comment on policy "Staff read org mentor chapters; mentors read their own" on public.peer_mentor_chapters is
  'Coordinators and org admins see every mentor-chapter link of the organization; a mentor sees their own.';

create policy "Staff read org coordinator assignments"
  on public.coordinator_chapters for select to authenticated
  using (organization_id = (select private.staff_organization_id()));
comment on policy "Staff read org coordinator assignments" on public.coordinator_chapters is
  'Coordinators and org admins see which coordinator covers which chapter in the organization.';

create policy "Staff read org statuses; mentors read their own"
  on public.peer_mentor_status for select to authenticated
  using (
    organization_id = (select private.staff_organization_id())
    or peer_mentor_id = (select private.own_peer_mentor_id())
  );
comment on policy "Staff read org statuses; mentors read their own" on public.peer_mentor_status is
  'Coordinators and org admins see every status of the organization; a mentor sees only their own.';

create policy "Staff read org status log; mentors read their own"
  on public.peer_mentor_status_log for select to authenticated
  using (
    organization_id = (select private.staff_organization_id())
    or peer_mentor_id = (select private.own_peer_mentor_id())
  );
comment on policy "Staff read org status log; mentors read their own" on public.peer_mentor_status_log is
  'Coordinators and org admins see the whole audit log of the organization; a mentor sees their own transitions.';

create policy "Staff read org certifications; mentors read their own"
  on public.peer_mentor_certifications for select to authenticated
  using (
    organization_id = (select private.staff_organization_id())
    or peer_mentor_id = (select private.own_peer_mentor_id())
  );
comment on policy "Staff read org certifications; mentors read their own" on public.peer_mentor_certifications is
  'Coordinators and org admins see every certification of the organization; a mentor sees their own.';

------------------------------------------------------------------------------------------------
-- 3. Functions
------------------------------------------------------------------------------------------------

-- The status-transition core, shared by activate_pause, deactivate_pause and the system jobs.
--
-- Security definer, because clients hold no write privilege on peer_mentor_status or
-- peer_mentor_status_log: that only this function writes them is what keeps the log complete.
-- It takes no authority from its arguments: it derives the caller from the JWT, requires a
-- current membership, and applies the policies' visibility rule and the access matrix, so
-- calling it directly grants nothing the RPCs do not. The RPCs validate argument shapes first.
create function private.transition_peer_mentor_status(
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

  -- One statement: the log row exists if and only if the status row changed. The version
  -- guard makes a transition that lost a race without the lock change nothing.
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
  'Authorizes and performs one status transition under the per-mentor lock, writing the status row and its log row in one statement.';

create function public.activate_pause(
  p_peer_mentor_id uuid,
  p_organization_id uuid,
  p_reason_code text,
  p_note text default null,
  p_expected_end date default null
)
returns public.peer_mentor_status
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform private.require_id(p_peer_mentor_id, 'p_peer_mentor_id');
  perform private.require_id(p_organization_id, 'p_organization_id');
  if p_reason_code is null or not (p_reason_code = any (enum_range(null::public.pause_reason_code)::text[])) then
    perform private.raise_domain_error('PM422', format('p_reason_code must be one of: %s',
      array_to_string(enum_range(null::public.pause_reason_code), ', ')));
  end if;
  perform private.require_valid_note(p_note);
  return private.transition_peer_mentor_status(
    'paused', p_peer_mentor_id, p_organization_id, p_reason_code::public.pause_reason_code,
    p_note, p_expected_end);
end
$$;
comment on function public.activate_pause(uuid, uuid, text, text, date) is
  'Pauses a peer mentor and logs it atomically. Mentors pause themselves, coordinators the mentors of their chapters, org admins anyone in the organization. Errors: PM401, PM403, PM404, PM409, PM412, PM422.';

create function public.deactivate_pause(
  p_peer_mentor_id uuid,
  p_organization_id uuid,
  p_note text default null
)
returns public.peer_mentor_status
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform private.require_id(p_peer_mentor_id, 'p_peer_mentor_id');
  perform private.require_id(p_organization_id, 'p_organization_id');
  perform private.require_valid_note(p_note);
  return private.transition_peer_mentor_status(
    'active', p_peer_mentor_id, p_organization_id, null, p_note, null);
end
$$;
comment on function public.deactivate_pause(uuid, uuid, text) is
  'Ends a peer mentor''s pause and logs it atomically. A mentor cannot end a pause imposed by a coordinator, an org admin or the system. Errors: PM401, PM403, PM404, PM410, PM412, PM422, PM423.';

create function public.get_active_pauses_for_chapter(p_organization_id uuid, p_chapter_id uuid)
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
  if private.assert_caller_in_organization(p_organization_id) = 'peer_mentor' then
    perform private.raise_domain_error('PM403', 'only coordinators and organization admins list a chapter''s pauses');
  end if;
  if not exists (
    select from public.chapters c where c.id = p_chapter_id and c.organization_id = p_organization_id
  ) then
    perform private.raise_domain_error('PM404',
      format('no chapter %s in organization %s', p_chapter_id, p_organization_id));
  end if;

  -- Runs with the caller's rights: the policies apply on top of the filters. Materialized,
  -- because under the policies' OR the planner expects one chapter member instead of
  -- hundreds and would read every member's peer_mentors row; this finds the few paused
  -- mentors first (index-only scan of the chapter, probes of the small paused index).
  return query
    with paused as materialized (
      select s.peer_mentor_id, s.reason_code, s.note, s.paused_at, s.paused_by, s.paused_by_role,
             s.expected_end
      from public.peer_mentor_chapters pmc
      join public.peer_mentor_status s on s.peer_mentor_id = pmc.peer_mentor_id
      where pmc.chapter_id = p_chapter_id
        and pmc.organization_id = p_organization_id
        and s.organization_id = p_organization_id
        and s.status = 'paused'
    )
    select p.peer_mentor_id, pm.display_name, p.reason_code, p.note, p.paused_at, p.paused_by,
           p.paused_by_role, p.expected_end
    from paused p
    join public.peer_mentors pm on pm.id = p.peer_mentor_id
    order by p.paused_at, p.peer_mentor_id;
end
$$;
comment on function public.get_active_pauses_for_chapter(uuid, uuid) is
  'The paused mentors of one chapter, oldest pause first. Coordinators and org admins of the organization only. Errors: PM401, PM403, PM404, PM412, PM422.';

------------------------------------------------------------------------------------------------
-- 4. Privileges
------------------------------------------------------------------------------------------------

-- Tables: everyone signed in reads through the policies; the service role (admin tooling)
-- maintains organizations, chapters, members, mentors and certifications. Nobody writes the
-- status or the log directly; anon holds nothing.
grant select on
  public.organizations, public.chapters, public.organization_members, public.peer_mentors,
  public.peer_mentor_chapters, public.coordinator_chapters, public.peer_mentor_status,
  public.peer_mentor_status_log, public.peer_mentor_certifications
  to authenticated, service_role;
grant insert, update, delete on
  public.organizations, public.chapters, public.organization_members, public.peer_mentors,
  public.peer_mentor_chapters, public.coordinator_chapters, public.peer_mentor_certifications
  to service_role;

-- Helpers that run with the caller's rights (from a policy or an RPC). The others run only
-- inside security-definer functions and are executable by the owner alone.
revoke all on all functions in schema private from public;
grant usage on schema private to authenticated, service_role;
grant execute on function
  private.claimed_organization_id(),
  private.claims_expired(),
  private.caller_user_id(),
  private.caller_is_system(),
  private.active_membership_role(),
  private.active_organization_id(),
  private.staff_organization_id(),
  private.own_peer_mentor_id(),
  private.note_max_length(),
  private.domain_error_catalog(),
  private.raise_domain_error(text, text),
  private.require_id(uuid, text),
  private.require_valid_note(text),
  private.assert_caller_in_organization(uuid),
  private.transition_peer_mentor_status(public.pause_status, uuid, uuid, public.pause_reason_code, text, date)
  to authenticated, service_role;

-- The RPCs: signed-in users and the service role; never anon.
revoke execute on function public.activate_pause(uuid, uuid, text, text, date) from public, anon;
grant execute on function public.activate_pause(uuid, uuid, text, text, date) to authenticated, service_role;
revoke execute on function public.deactivate_pause(uuid, uuid, text) from public, anon;
grant execute on function public.deactivate_pause(uuid, uuid, text) to authenticated, service_role;
revoke execute on function public.get_active_pauses_for_chapter(uuid, uuid) from public, anon;
grant execute on function public.get_active_pauses_for_chapter(uuid, uuid) to authenticated, service_role;
