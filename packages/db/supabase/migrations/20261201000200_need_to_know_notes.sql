-- Need-to-know pause notes (issue 16, item 8).
--
-- Notes are free text and may hold health details. Statuses, reasons and dates stay readable
-- organization-wide (staff), but a note is readable only by the mentor herself, the
-- coordinators of a chapter she serves in, and the organization's admins.
--
-- Shape: the notes move out of peer_mentor_status and peer_mentor_status_log into a table of
-- their own, public.peer_mentor_status_notes, one row per transition that carried a note, keyed
-- like the log (peer_mentor_id, version), with its own SELECT policy. Row-level security
-- decides rows, not columns: while the note was a column, a coordinator allowed to see a
-- status row saw its note too. A column privilege (revoke select (note)) would hide it, but
-- then `select *` on those tables fails with "permission denied" for every client; a view
-- would not be the table clients already read. With a table of its own, `.from(table)
-- .select('*')` keeps working for every role on every table, and a note the caller may not
-- read is simply absent (no row), never an error.
--
-- Touches:
--   * creates table public.peer_mentor_status_notes (RLS, its policy, append-only triggers via
--     function private.reject_append_only_change) and copies every existing note into it;
--   * drops column note from public.peer_mentor_status (re-creating its pause-fields check
--     without it) and from public.peer_mentor_status_log;
--   * creates helpers private.admin_organization_id, private.coordinated_peer_mentor_ids,
--     private.status_result; type public.peer_mentor_status_result (what the write RPCs
--     return: the status row plus the current pause's note, as before);
--   * replaces private.write_status_transition (the note goes to the notes table) and
--     public.get_active_pauses_for_chapter (the note read through the notes policy);
--   * re-creates public.activate_pause and public.deactivate_pause returning
--     public.peer_mentor_status_result (same arguments, same JSON keys on the wire).
-- The outbox payload never carried the note and still does not.

------------------------------------------------------------------------------------------------
-- The notes table
------------------------------------------------------------------------------------------------

create table public.peer_mentor_status_notes (
  peer_mentor_id uuid not null,
  -- The status version of the transition that carried the note (the log row's version).
  version integer not null check (version >= 1),
  organization_id uuid not null,
  note text not null check (char_length(note) <= 1000),
  created_at timestamptz not null default now(),
  primary key (peer_mentor_id, version),
  -- No foreign key to the log: a table referenced by a key cannot be truncated at all, which
  -- would pre-empt the log's own append-only trigger. Restrict, like the log.
  foreign key (peer_mentor_id, organization_id)
    references public.peer_mentors (id, organization_id)
);
comment on table public.peer_mentor_status_notes is
  'The free-text note of a status transition (may hold health details), keyed like the log. Need to know: readable by the mentor, coordinators of a chapter she serves in, and org admins. Append-only; written only by the transition core.';
create index peer_mentor_status_notes_organization_mentor_idx
  on public.peer_mentor_status_notes (organization_id, peer_mentor_id);

insert into public.peer_mentor_status_notes (peer_mentor_id, version, organization_id, note, created_at)
select l.peer_mentor_id, l.version, l.organization_id, l.note, l.created_at
from public.peer_mentor_status_log l
where l.note is not null;

create function private.reject_append_only_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using
    errcode = 'insufficient_privilege',
    message = format('%s is append-only: %s is not allowed', tg_table_name, lower(tg_op));
end
$$;
comment on function private.reject_append_only_change() is
  'Keeps an audit table append-only for every role, the table owner included: update, delete and truncate raise.';
revoke all on function private.reject_append_only_change() from public;

create trigger peer_mentor_status_notes_append_only
  before update or delete on public.peer_mentor_status_notes
  for each row execute function private.reject_append_only_change();
create trigger peer_mentor_status_notes_no_truncate
  before truncate on public.peer_mentor_status_notes
  for each statement execute function private.reject_append_only_change();

alter table public.peer_mentor_status_notes enable row level security;

------------------------------------------------------------------------------------------------
-- The columns go
------------------------------------------------------------------------------------------------

-- Dropping a column drops every constraint that mentions it, so the pause-fields check is
-- re-created without the note.
alter table public.peer_mentor_status drop constraint peer_mentor_status_pause_fields;
alter table public.peer_mentor_status drop column note;
alter table public.peer_mentor_status add constraint peer_mentor_status_pause_fields check (
  case status
    when 'active' then reason_code is null and paused_at is null
      and paused_by is null and paused_by_role is null and expected_end is null
    else reason_code is not null and paused_at is not null and paused_by_role is not null
  end
);
alter table public.peer_mentor_status_log drop column note;

comment on table public.peer_mentor_status_log is
  'Append-only audit log, one row per status transition, written in the same statement as the transition. Update, delete and truncate fail for every role. Notes are in peer_mentor_status_notes (need to know).';

------------------------------------------------------------------------------------------------
-- Who may read a note
------------------------------------------------------------------------------------------------

create function private.admin_organization_id()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
begin
  return case when private.active_membership_role() = 'org_admin' then private.claimed_organization_id() end;
end
$$;
comment on function private.admin_organization_id() is
  'The active organization when the caller is an org admin there, else null.';

-- Security definer: reads the chapter links without their policies' helper subqueries, for
-- the caller's own assignments only; a coordinator's list is a few chapters' mentors.
create function private.coordinated_peer_mentor_ids()
returns uuid[]
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  if private.active_membership_role() is distinct from 'coordinator' then
    return '{}'::uuid[];
  end if;
  select coalesce(array_agg(distinct pmc.peer_mentor_id), '{}'::uuid[]) into v_ids
  from public.coordinator_chapters cc
  join public.peer_mentor_chapters pmc on pmc.chapter_id = cc.chapter_id
  where cc.user_id = private.caller_user_id()
    and cc.organization_id = private.claimed_organization_id();
  return v_ids;
end
$$;
comment on function private.coordinated_peer_mentor_ids() is
  'The mentors serving in a chapter the caller coordinates in the active organization (empty unless the caller is a coordinator there).';

create policy "Need to know: the mentor, her chapters' coordinators and org admins read notes"
  on public.peer_mentor_status_notes for select to authenticated
  using (
    peer_mentor_id = (select private.own_peer_mentor_id())
    or organization_id = (select private.admin_organization_id())
    or peer_mentor_id = any ((select private.coordinated_peer_mentor_ids())::uuid[])
  );
comment on policy "Need to know: the mentor, her chapters' coordinators and org admins read notes" on public.peer_mentor_status_notes is
  'A note is read by the mentor it concerns, the coordinators of a chapter she serves in, and the org admins of the claimed organization; other staff see statuses and the log, not notes.';

------------------------------------------------------------------------------------------------
-- Writes: the note goes to its own table
------------------------------------------------------------------------------------------------

create or replace function private.write_status_transition(
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
      peer_mentor_id, organization_id, from_status, to_status, reason_code,
      expected_end, actor_user_id, actor_role, version)
    select u.peer_mentor_id, u.organization_id, p_current.status, u.status, u.reason_code,
           u.expected_end, p_actor_user_id, p_actor_role, u.version
    from updated u
  ), noted as (
    insert into public.peer_mentor_status_notes (peer_mentor_id, version, organization_id, note)
    select u.peer_mentor_id, u.version, u.organization_id, p_note
    from updated u
    where p_note is not null
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
  'Writes one transition from p_current: the status row, its log row, its note (if any) and its outbox event in one statement. Returns the new status row, or null (and writes nothing) when the row is no longer at p_current.version. Called by the transition core only.';

------------------------------------------------------------------------------------------------
-- What the write RPCs return: the status row with the current pause's note, as before
------------------------------------------------------------------------------------------------

create type public.peer_mentor_status_result as (
  peer_mentor_id uuid,
  organization_id uuid,
  status public.pause_status,
  reason_code public.pause_reason_code,
  note text,
  paused_at timestamptz,
  paused_by uuid,
  paused_by_role public.status_actor_role,
  expected_end date,
  version integer,
  updated_at timestamptz
);
comment on type public.peer_mentor_status_result is
  'What activate_pause and deactivate_pause return: the peer_mentor_status row plus the current pause''s note (the caller acted on the mentor, so may read it).';

-- Runs with the caller's rights: the note is read through its policy. Whoever a transition
-- allowed to act may read the note (the mentor, her coordinator, an org admin, the system).
-- Volatile: a stable function reads with the calling statement's snapshot and would not see
-- the note the transition just wrote.
create function private.status_result(p_row public.peer_mentor_status)
returns public.peer_mentor_status_result
language plpgsql
volatile
set search_path = ''
as $$
begin
  return (p_row.peer_mentor_id, p_row.organization_id, p_row.status, p_row.reason_code,
          (select n.note from public.peer_mentor_status_notes n
           where n.peer_mentor_id = p_row.peer_mentor_id and n.version = p_row.version
             and p_row.status = 'paused'),
          p_row.paused_at, p_row.paused_by, p_row.paused_by_role, p_row.expected_end,
          p_row.version, p_row.updated_at)::public.peer_mentor_status_result;
end
$$;
comment on function private.status_result(public.peer_mentor_status) is
  'A status row as the write RPCs return it: with the note of the pause it is in (null while active).';

drop function public.activate_pause(uuid, uuid, text, text, date);
create function public.activate_pause(
  p_peer_mentor_id uuid,
  p_organization_id uuid,
  p_reason_code text,
  p_note text default null,
  p_expected_end date default null
)
returns public.peer_mentor_status_result
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
  return private.status_result(private.transition_peer_mentor_status(
    'paused', p_peer_mentor_id, p_organization_id, p_reason_code::public.pause_reason_code,
    p_note, p_expected_end));
end
$$;
comment on function public.activate_pause(uuid, uuid, text, text, date) is
  'Pauses a peer mentor and logs it atomically. Mentors pause themselves, coordinators the mentors of their chapters, org admins anyone in the organization; acting on yourself, the mentor''s rules apply. Returns the status row with the pause''s note. Errors: PM401, PM403, PM404, PM409, PM412, PM422, PM429.';

drop function public.deactivate_pause(uuid, uuid, text);
create function public.deactivate_pause(
  p_peer_mentor_id uuid,
  p_organization_id uuid,
  p_note text default null
)
returns public.peer_mentor_status_result
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform private.require_id(p_peer_mentor_id, 'p_peer_mentor_id');
  perform private.require_id(p_organization_id, 'p_organization_id');
  perform private.require_valid_note(p_note);
  return private.status_result(private.transition_peer_mentor_status(
    'active', p_peer_mentor_id, p_organization_id, null, p_note, null));
end
$$;
comment on function public.deactivate_pause(uuid, uuid, text) is
  'Ends a peer mentor''s pause and logs it atomically. A mentor (also a staff member acting on herself) cannot end a pause imposed by someone else. When her certification has expired she is paused again for certification_expired by the system in the same transaction, and the returned row says so. Errors: PM401, PM403, PM404, PM410, PM412, PM422, PM423, PM429.';

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
  if private.assert_caller_in_organization(p_organization_id) = 'peer_mentor' then
    perform private.raise_domain_error('PM403', 'only coordinators and organization admins list a chapter''s pauses');
  end if;
  if not exists (
    select from public.chapters c where c.id = p_chapter_id and c.organization_id = p_organization_id
  ) then
    perform private.raise_domain_error('PM404',
      format('no chapter %s in organization %s', p_chapter_id, p_organization_id));
  end if;

  -- Runs with the caller's rights: the policies apply on top of the filters, the notes
  -- policy included (a coordinator listing a chapter she does not cover sees no notes).
  -- Materialized, because under the policies' OR the planner expects one chapter member
  -- instead of hundreds and would read every member's peer_mentors row; this finds the few
  -- paused mentors first (index-only scan of the chapter, probes of the small paused index).
  return query
    with paused as materialized (
      select s.peer_mentor_id, s.reason_code, s.paused_at, s.paused_by, s.paused_by_role,
             s.expected_end, s.version
      from public.peer_mentor_chapters pmc
      join public.peer_mentor_status s on s.peer_mentor_id = pmc.peer_mentor_id
      where pmc.chapter_id = p_chapter_id
        and pmc.organization_id = p_organization_id
        and s.organization_id = p_organization_id
        and s.status = 'paused'
    )
    select p.peer_mentor_id, pm.display_name, p.reason_code, n.note, p.paused_at, p.paused_by,
           p.paused_by_role, p.expected_end
    from paused p
    join public.peer_mentors pm on pm.id = p.peer_mentor_id
    left join public.peer_mentor_status_notes n
      on n.peer_mentor_id = p.peer_mentor_id and n.version = p.version
    order by p.paused_at, p.peer_mentor_id;
end
$$;
comment on function public.get_active_pauses_for_chapter(uuid, uuid) is
  'The paused mentors of one chapter, oldest pause first; a note only where the caller may read it (the mentor''s coordinators, org admins). Coordinators and org admins of the organization only. Errors: PM401, PM403, PM404, PM412, PM422.';

------------------------------------------------------------------------------------------------
-- Privileges
------------------------------------------------------------------------------------------------

-- Read through the policy; the service role (admin back end) reads every note. Nobody writes.
revoke all on public.peer_mentor_status_notes from anon, authenticated, service_role;
grant select on public.peer_mentor_status_notes to authenticated, service_role;

grant execute on function private.admin_organization_id() to authenticated, service_role;
grant execute on function private.coordinated_peer_mentor_ids() to authenticated, service_role;
grant execute on function private.status_result(public.peer_mentor_status) to authenticated, service_role;

revoke execute on function public.activate_pause(uuid, uuid, text, text, date) from public, anon;
grant execute on function public.activate_pause(uuid, uuid, text, text, date) to authenticated, service_role;
revoke execute on function public.deactivate_pause(uuid, uuid, text) from public, anon;
grant execute on function public.deactivate_pause(uuid, uuid, text) to authenticated, service_role;
