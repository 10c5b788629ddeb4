-- Hardening of the status-transition rules (issue 16, items 1, 2, 3 and 6).
--
-- Touches:
--   * creates table private.status_transition_limit (one row: the per-mentor limit, 20
--     transitions in any 60 minutes) and function private.require_transition_allowance;
--   * replaces private.domain_error_catalog with PM429 too_many_changes added;
--   * creates private.write_status_transition (the one data-modifying statement, moved out of
--     the core so that one call can make two transitions);
--   * replaces private.transition_peer_mentor_status (same signature and result):
--       - visibility and authority are checked before the per-mentor lock, the status is read
--         again under it (a caller who may not see the mentor answers PM404 at once instead of
--         waiting behind someone else's transition);
--       - when the actor is the mentor (a coordinator or org admin who also serves as a
--         mentor) the mentor's rules apply: reason codes a mentor may use, PM423 for a pause
--         someone else imposed; the log still records the actor's role;
--       - a caller other than the system gets PM429 once the mentor has had the limit's
--         number of transitions within its window;
--       - ending a pause of a mentor whose certification has expired (in the organization's
--         calendar) pauses her again for certification_expired as the system, in the same
--         transaction: two log rows and two outbox events in order, and the certification's
--         expiry marker says paused. The caller receives that final status row.

------------------------------------------------------------------------------------------------
-- The per-mentor transition limit
------------------------------------------------------------------------------------------------

create table private.status_transition_limit (
  -- A single row: the key can only be true.
  singleton boolean primary key default true check (singleton),
  max_transitions integer not null check (max_transitions >= 1),
  per_window interval not null check (per_window > interval '0'),
  updated_at timestamptz not null default now()
);
comment on table private.status_transition_limit is
  'The per-mentor limit on status transitions: at most max_transitions (the system''s included) in any per_window; a further call by anyone but the system is refused with PM429. One row; operators change it as the table owner. Clients hold no privilege.';
alter table private.status_transition_limit enable row level security;
revoke all on private.status_transition_limit from public, anon, authenticated, service_role;

-- 20 in an hour: a person pausing, correcting and resuming needs a handful; a script looping
-- pause/resume with 1,000-character notes is held to 480 log rows a day instead of millions.
insert into private.status_transition_limit (max_transitions, per_window) values (20, interval '60 minutes');

-- Runs inside the security-definer core (the owner reads the limit and the log). One probe of
-- the log's unique (peer_mentor_id, version) index: the max-th newest transition, if it
-- happened within the window, means the limit is reached.
create function private.require_transition_allowance(p_current public.peer_mentor_status)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  v_limit private.status_transition_limit;
  v_oldest_counted timestamptz;
begin
  select l.* into v_limit from private.status_transition_limit l;
  select g.created_at into v_oldest_counted
  from public.peer_mentor_status_log g
  where g.peer_mentor_id = p_current.peer_mentor_id
    and g.version = p_current.version - v_limit.max_transitions + 1;
  if v_oldest_counted > now() - v_limit.per_window then
    perform private.raise_domain_error('PM429', format(
      'at most %s status changes per peer mentor in %s; try again after %s',
      v_limit.max_transitions, v_limit.per_window, v_oldest_counted + v_limit.per_window));
  end if;
end
$$;
comment on function private.require_transition_allowance(public.peer_mentor_status) is
  'Raises PM429 when the mentor already had private.status_transition_limit''s number of transitions within its window.';

------------------------------------------------------------------------------------------------
-- The catalog gains PM429
------------------------------------------------------------------------------------------------

create or replace function private.domain_error_catalog()
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
    ('PM423', 'pause_locked', 'this pause can only be ended by a coordinator or an organization admin'),
    ('PM429', 'too_many_changes', 'too many status changes for this peer mentor; try again later');
end
$$;

------------------------------------------------------------------------------------------------
-- One transition's writes
------------------------------------------------------------------------------------------------

-- Runs inside the security-definer core only (no grant): the status row, its log row and its
-- outbox event in one statement, so the log row and the event exist if and only if the status
-- row changed. The version guard makes a transition that lost a race change nothing.
create function private.write_status_transition(
  p_current public.peer_mentor_status,
  p_to_status public.pause_status,
  p_reason_code public.pause_reason_code,
  p_note text,
  p_expected_end date,
  p_actor_user_id uuid,
  p_actor_role public.status_actor_role
)
returns public.peer_mentor_status
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_result public.peer_mentor_status;
begin
  with updated as (
    update public.peer_mentor_status s
    set status = p_to_status,
        reason_code = p_reason_code,
        note = case when p_to_status = 'paused' then p_note end,
        paused_at = case when p_to_status = 'paused' then now() end,
        paused_by = case when p_to_status = 'paused' then p_actor_user_id end,
        paused_by_role = case when p_to_status = 'paused' then p_actor_role end,
        expected_end = case when p_to_status = 'paused' then p_expected_end end,
        version = s.version + 1,
        updated_at = now()
    where s.peer_mentor_id = p_current.peer_mentor_id
      and s.version = p_current.version
    returning s.*
  ), logged as (
    insert into public.peer_mentor_status_log (
      peer_mentor_id, organization_id, from_status, to_status, reason_code, note,
      expected_end, actor_user_id, actor_role, version)
    select u.peer_mentor_id, u.organization_id, p_current.status, u.status, u.reason_code, p_note,
           u.expected_end, p_actor_user_id, p_actor_role, u.version
    from updated u
  ), queued as (
    -- What the CRM needs to mirror the status; never the free-text note (it may hold health
    -- details), the reason code says why.
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
             'actor_role', p_actor_role,
             'version', u.version,
             'occurred_at', u.updated_at)
    from updated u
  )
  select u.* into v_result from updated u;
  return v_result;
end
$$;
comment on function private.write_status_transition(public.peer_mentor_status, public.pause_status, public.pause_reason_code, text, date, uuid, public.status_actor_role) is
  'Writes one transition from p_current: the status row, its log row and its outbox event in one statement. Returns the new status row, or null (and writes nothing) when the row is no longer at p_current.version. Called by the transition core only.';

------------------------------------------------------------------------------------------------
-- The core
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
  v_rules_role public.status_actor_role;
  v_actor_user_id uuid;
  v_read record;
  v_today date;
  v_mentor public.peer_mentors;
  v_current public.peer_mentor_status;
  v_expired_until date;
  v_result public.peer_mentor_status;
begin
  v_actor_role := private.assert_caller_in_organization(p_organization_id);
  v_actor_user_id := case when v_actor_role <> 'system' then private.caller_user_id() end;

  -- Who may act is decided before the per-mentor lock and from rows a transition never
  -- changes, so a caller who may not see this mentor is refused at once, not after waiting
  -- behind someone else's transition.
  select (now() at time zone o.time_zone)::date as today, pm as mentor
    into v_read
  from public.organizations o
  left join public.peer_mentors pm
    on pm.id = p_peer_mentor_id and pm.organization_id = o.id
  where o.id = p_organization_id;
  v_today := v_read.today;
  v_mentor := v_read.mentor;

  -- "Not in the past" is read in the organization's calendar.
  if p_expected_end < v_today then
    perform private.raise_domain_error('PM422', format(
      'p_expected_end %s is in the past (today is %s in the organization''s time zone)',
      p_expected_end, v_today));
  end if;

  -- A coordinator or org admin acting on herself as a mentor follows the mentor's rules.
  v_rules_role := case when v_mentor.user_id = v_actor_user_id then 'peer_mentor' else v_actor_role end;

  -- Invisible is the same as absent: no existence leak across mentors or organizations.
  -- This is the read policy's rule for a caller whose organization is already verified:
  -- staff see every mentor of it, a mentor sees only themselves.
  if v_mentor.id is null
    or (v_rules_role = 'peer_mentor' and v_mentor.user_id is distinct from v_actor_user_id) then
    perform private.raise_domain_error('PM404',
      format('no peer mentor %s visible to you in organization %s', p_peer_mentor_id, p_organization_id));
  end if;
  if v_rules_role = 'coordinator' and not private.coordinates_peer_mentor(v_actor_user_id, v_mentor.id) then
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

  -- Serialize every transition of this mentor; the status is read again under the lock. (A
  -- mentor deleted in between has no status row: the write below then reports a concurrent
  -- change, and a retry answers PM404.)
  perform private.lock_peer_mentor(v_mentor.id);
  select s.* into v_current from public.peer_mentor_status s where s.peer_mentor_id = v_mentor.id;

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
  if v_actor_role <> 'system' then
    perform private.require_transition_allowance(v_current);
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
  if p_to_status = 'active' then
    select c.valid_until into v_expired_until
    from public.peer_mentor_certifications c
    where c.peer_mentor_id = v_mentor.id
      and c.valid_until < v_today;
    if found then
      -- Cannot miss: the lock is held and v_result is the row just written.
      v_result := private.write_status_transition(
        v_result, 'paused', 'certification_expired',
        format('Certification expired: valid until %s', v_expired_until), null, null, 'system');
      update public.peer_mentor_certifications c
      set expiry_handled_for = v_expired_until, expiry_handled_on = v_today, expiry_outcome = 'paused'
      where c.peer_mentor_id = v_mentor.id;
    end if;
  end if;
  return v_result;
end
$$;
comment on function private.transition_peer_mentor_status(public.pause_status, uuid, uuid, public.pause_reason_code, text, date) is
  'Authorizes (before the per-mentor lock; the mentor''s rules when the actor is the mentor) and performs one status transition under the lock, within the per-mentor limit (PM429, not for the system). Ending a pause of a mentor whose certification has expired pauses her again for certification_expired as the system in the same transaction; the result is the final status row.';

------------------------------------------------------------------------------------------------
-- Privileges: the new helpers run only inside the security-definer core (as its owner).
------------------------------------------------------------------------------------------------

revoke all on function private.require_transition_allowance(public.peer_mentor_status) from public;
revoke all on function private.write_status_transition(public.peer_mentor_status, public.pause_status, public.pause_reason_code, text, date, uuid, public.status_actor_role) from public;

-- The RPCs' documented errors gain PM429 (the catalog test reads these comments).
comment on function public.activate_pause(uuid, uuid, text, text, date) is
  'Pauses a peer mentor and logs it atomically. Mentors pause themselves, coordinators the mentors of their chapters, org admins anyone in the organization; acting on yourself, the mentor''s rules apply. Errors: PM401, PM403, PM404, PM409, PM412, PM422, PM429.';
comment on function public.deactivate_pause(uuid, uuid, text) is
  'Ends a peer mentor''s pause and logs it atomically. A mentor (also a staff member acting on herself) cannot end a pause imposed by someone else. When her certification has expired she is paused again for certification_expired by the system in the same transaction, and the returned row says so. Errors: PM401, PM403, PM404, PM410, PM412, PM422, PM423, PM429.';
