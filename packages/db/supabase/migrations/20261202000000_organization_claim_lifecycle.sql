-- The organization claim's lifecycle: who selects it, who writes it into tokens, who manages
-- the memberships behind it.
--
-- Creates type membership_change; tables organization_selections (each user's chosen
-- organization) and organization_membership_log (append-only audit of membership
-- administration); private helpers organization_claim_for,
-- assert_organization_admin, require_chapter_in_organization, require_other_org_admin,
-- log_membership_change, and the security-definer write paths
-- record_organization_selection, change_member_role, remove_member, assign_coordinator_chapter,
-- unassign_coordinator_chapter, add_mentor_chapter, remove_mentor_chapter; public functions
-- custom_access_token_hook (Supabase Auth's Custom Access Token Hook), switch_organization,
-- change_member_role, remove_member, assign_coordinator_chapter, unassign_coordinator_chapter,
-- add_mentor_chapter, remove_mentor_chapter.
--
-- The claim (app_metadata.organization_id) still only selects; authority stays in
-- organization_members. The hook runs as supabase_auth_admin, which alone may execute it.

------------------------------------------------------------------------------------------------
-- 1. Tables
------------------------------------------------------------------------------------------------

create table public.organization_selections (
  user_id uuid primary key references auth.users (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  selected_at timestamptz not null default now()
);
comment on table public.organization_selections is
  'The organization each user last switched to (switch_organization). custom_access_token_hook puts it in the token while the membership is current.';
create index organization_selections_organization_id_idx on public.organization_selections (organization_id);

create type public.membership_change as enum (
  'member_role_changed', 'member_removed',
  'coordinator_chapter_assigned', 'coordinator_chapter_unassigned',
  'mentor_chapter_added', 'mentor_chapter_removed'
);
comment on type public.membership_change is 'What a membership administration RPC changed.';

create table public.organization_membership_log (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations (id),
  action public.membership_change not null,
  -- No foreign keys on the people and rows named: the record outlives them.
  actor_user_id uuid,
  actor_role public.status_actor_role not null check (actor_role in ('org_admin', 'system')),
  subject_user_id uuid,
  peer_mentor_id uuid,
  chapter_id uuid,
  -- The row before and after the change (null where there was none).
  before jsonb,
  after jsonb,
  created_at timestamptz not null default now(),
  check ((actor_role = 'system') = (actor_user_id is null)),
  check (before is not null or after is not null)
);
comment on table public.organization_membership_log is
  'Append-only audit of membership administration: who changed which role, membership or chapter assignment, when, with the row before and after.';
create index organization_membership_log_organization_id_idx
  on public.organization_membership_log (organization_id, id);

-- Append-only through private.reject_append_only_change() (20261201000200), as the notes are.

create trigger organization_membership_log_append_only
  before update or delete on public.organization_membership_log
  for each row execute function private.reject_append_only_change();
create trigger organization_membership_log_no_truncate
  before truncate on public.organization_membership_log
  for each statement execute function private.reject_append_only_change();

alter table public.organization_selections enable row level security;
alter table public.organization_membership_log enable row level security;

------------------------------------------------------------------------------------------------
-- 2. Helpers and policies
------------------------------------------------------------------------------------------------

-- private.admin_organization_id() (the claimed organization when the caller is a current org
-- admin there, else null) comes from 20261201000200_need_to_know_notes.sql.

create policy "Users read their own organization selection"
  on public.organization_selections for select to authenticated
  using (user_id = (select private.caller_user_id()));
comment on policy "Users read their own organization selection" on public.organization_selections is
  'A user sees which organization they selected, and nobody else''s choice.';

create policy "Org admins read their organization's membership log"
  on public.organization_membership_log for select to authenticated
  using (organization_id = (select private.admin_organization_id()));
comment on policy "Org admins read their organization's membership log" on public.organization_membership_log is
  'Only org admins of the claimed organization read its membership audit.';

-- Security definer: Supabase Auth's role holds no privilege on our tables; this returns the one
-- membership the token should name for the user it is given, and nothing else.
-- The choice: the selected organization while that membership is current; otherwise the
-- oldest current membership (ties by organization id), so the fallback is deterministic.
create function private.organization_claim_for(p_user_id uuid)
returns table (organization_id uuid, role public.member_role)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
    select m.organization_id, m.role
    from public.organization_members m
    left join public.organization_selections s
      on s.user_id = m.user_id and s.organization_id = m.organization_id
    where m.user_id = p_user_id
    order by (s.user_id is not null) desc, m.created_at, m.organization_id
    limit 1;
end
$$;
comment on function private.organization_claim_for(uuid) is
  'The organization (and role) a user''s next token carries: the selected one if still a current membership, else the oldest current membership, else none.';

-- Supabase Auth's Custom Access Token Hook. Input: {user_id, claims, authentication_method};
-- output: {claims}. It sets or removes app_metadata.organization_id (and the informational
-- app_metadata.organization_role) and keeps every other claim as Supabase Auth made it.
create function public.custom_access_token_hook(event jsonb)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_claims jsonb := case jsonb_typeof(event -> 'claims') when 'object' then event -> 'claims' else '{}'::jsonb end;
  v_user_text text := event ->> 'user_id';
  v_app_metadata jsonb;
  v_organization_id uuid;
  v_role public.member_role;
begin
  v_app_metadata := case jsonb_typeof(v_claims -> 'app_metadata')
    when 'object' then v_claims -> 'app_metadata' else '{}'::jsonb end;
  if v_user_text ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select c.organization_id, c.role into v_organization_id, v_role
    from private.organization_claim_for(v_user_text::uuid) c;
  end if;
  if v_organization_id is null then
    v_app_metadata := v_app_metadata - 'organization_id' - 'organization_role';
  else
    v_app_metadata := v_app_metadata || jsonb_build_object(
      'organization_id', v_organization_id, 'organization_role', v_role);
  end if;
  return jsonb_build_object('claims', v_claims || jsonb_build_object('app_metadata', v_app_metadata));
end
$$;
comment on function public.custom_access_token_hook(jsonb) is
  'Supabase Auth Custom Access Token Hook: writes app_metadata.organization_id (the selected organization while a current member, else the oldest current membership, else removed) and app_metadata.organization_role (informational only: authority is organization_members). Executable by supabase_auth_admin only.';

------------------------------------------------------------------------------------------------
-- 3. Switching organizations
------------------------------------------------------------------------------------------------

-- Security definer: clients hold no write privilege on organization_selections. It records a
-- choice only for the caller (the JWT's sub), and only of an organization they belong to.
create function private.record_organization_selection(p_organization_id uuid)
returns table (organization_id uuid, organization_name text, role public.member_role, selected_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := private.caller_user_id();
  v_role public.member_role;
  v_name text;
  v_selected_at timestamptz;
begin
  if v_user_id is null then
    perform private.raise_domain_error('PM401', 'switching organizations needs a signed-in user');
  end if;
  select m.role, o.name into v_role, v_name
  from public.organization_members m
  join public.organizations o on o.id = m.organization_id
  where m.user_id = v_user_id and m.organization_id = p_organization_id;
  if v_role is null then
    perform private.raise_domain_error('PM412',
      format('you are not a current member of organization %s', p_organization_id));
  end if;
  insert into public.organization_selections as s (user_id, organization_id, selected_at)
  values (v_user_id, p_organization_id, now())
  on conflict on constraint organization_selections_pkey
    do update set organization_id = excluded.organization_id, selected_at = excluded.selected_at
  returning s.selected_at into v_selected_at;
  return query select p_organization_id, v_name, v_role, v_selected_at;
end
$$;
comment on function private.record_organization_selection(uuid) is
  'Records the caller''s organization choice if they are a current member there (PM401 without a user, PM412 otherwise).';

create function public.switch_organization(p_organization_id uuid)
returns table (organization_id uuid, organization_name text, role public.member_role, selected_at timestamptz)
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform private.require_id(p_organization_id, 'p_organization_id');
  return query select * from private.record_organization_selection(p_organization_id);
end
$$;
comment on function public.switch_organization(uuid) is
  'Selects the organization the caller''s next token claims (refresh the session afterwards). Returns the organization, its name and the caller''s role there. Errors: PM401, PM412, PM422.';

------------------------------------------------------------------------------------------------
-- 4. Membership administration (org admins of the claimed organization, or the system)
------------------------------------------------------------------------------------------------

create function private.assert_organization_admin(p_organization_id uuid)
returns public.status_actor_role
language plpgsql
stable
set search_path = ''
as $$
declare
  v_actor public.status_actor_role := private.assert_caller_in_organization(p_organization_id);
begin
  if v_actor not in ('org_admin', 'system') then
    perform private.raise_domain_error('PM403', 'only organization admins manage memberships and chapter assignments');
  end if;
  return v_actor;
end
$$;
comment on function private.assert_organization_admin(uuid) is
  'PM401/PM412 as every RPC, then PM403 unless the caller is an org admin of the organization (or the system); returns the actor role.';

create function private.require_chapter_in_organization(p_chapter_id uuid, p_organization_id uuid)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if not exists (
    select from public.chapters c where c.id = p_chapter_id and c.organization_id = p_organization_id
  ) then
    perform private.raise_domain_error('PM404', format('no chapter %s in organization %s', p_chapter_id, p_organization_id));
  end if;
end
$$;
comment on function private.require_chapter_in_organization(uuid, uuid) is 'Raises PM404 unless the chapter belongs to the organization.';

-- An organization keeps at least one org admin. Locks the organization's admin rows, so two
-- admins demoting each other at once cannot both succeed.
create function private.require_other_org_admin(p_organization_id uuid, p_user_id uuid)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
  perform from public.organization_members m
  where m.organization_id = p_organization_id and m.role = 'org_admin'
  order by m.user_id
  for update;
  if not exists (
    select from public.organization_members m
    where m.organization_id = p_organization_id and m.role = 'org_admin' and m.user_id <> p_user_id
  ) then
    perform private.raise_domain_error('PM422', 'an organization must keep at least one org admin');
  end if;
end
$$;
comment on function private.require_other_org_admin(uuid, uuid) is
  'Raises PM422 when p_user_id is the organization''s only org admin (they may not be demoted or removed).';

create function private.log_membership_change(
  p_organization_id uuid,
  p_action public.membership_change,
  p_actor_role public.status_actor_role,
  p_subject_user_id uuid,
  p_peer_mentor_id uuid,
  p_chapter_id uuid,
  p_before jsonb,
  p_after jsonb
)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
  insert into public.organization_membership_log (
    organization_id, action, actor_user_id, actor_role, subject_user_id, peer_mentor_id,
    chapter_id, before, after)
  values (
    p_organization_id, p_action,
    case when p_actor_role <> 'system' then private.caller_user_id() end,
    p_actor_role, p_subject_user_id, p_peer_mentor_id, p_chapter_id, p_before, p_after);
end
$$;
comment on function private.log_membership_change(uuid, public.membership_change, public.status_actor_role, uuid, uuid, uuid, jsonb, jsonb) is
  'Appends one row to organization_membership_log; the actor is the caller (null for the system).';

-- The write paths below are security definer because clients hold no write privilege on the
-- membership and assignment tables. Each derives the caller from the JWT and requires an org
-- admin of the claimed organization first (assert_organization_admin), so calling one directly
-- grants nothing the RPCs do not.

create function private.change_member_role(p_organization_id uuid, p_user_id uuid, p_role public.member_role)
returns public.organization_members
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_actor public.status_actor_role := private.assert_organization_admin(p_organization_id);
  v_before public.organization_members;
  v_after public.organization_members;
begin
  select * into v_before from public.organization_members m
  where m.organization_id = p_organization_id and m.user_id = p_user_id
  for update;
  if v_before.user_id is null then
    perform private.raise_domain_error('PM404', format('no member %s in organization %s', p_user_id, p_organization_id));
  end if;
  if v_before.role = p_role then
    return v_before;
  end if;
  if v_before.role = 'org_admin' then
    perform private.require_other_org_admin(p_organization_id, p_user_id);
  end if;
  update public.organization_members m set role = p_role
  where m.organization_id = p_organization_id and m.user_id = p_user_id
  returning * into v_after;
  -- Chapter coverage belongs to staff: a member who becomes a peer mentor loses it.
  if p_role = 'peer_mentor' then
    with removed as (
      delete from public.coordinator_chapters cc
      where cc.organization_id = p_organization_id and cc.user_id = p_user_id
      returning cc.*
    )
    insert into public.organization_membership_log (
      organization_id, action, actor_user_id, actor_role, subject_user_id, chapter_id, before)
    select p_organization_id, 'coordinator_chapter_unassigned',
           case when v_actor <> 'system' then private.caller_user_id() end,
           v_actor, p_user_id, r.chapter_id, to_jsonb(r)
    from removed r;
  end if;
  perform private.log_membership_change(p_organization_id, 'member_role_changed', v_actor,
    p_user_id, null, null, to_jsonb(v_before), to_jsonb(v_after));
  return v_after;
end
$$;
comment on function private.change_member_role(uuid, uuid, public.member_role) is
  'Changes a member''s role (org admins only), logged; a member made peer_mentor loses their chapter assignments; the last org admin cannot be demoted.';

create function private.remove_member(p_organization_id uuid, p_user_id uuid)
returns public.organization_members
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_actor public.status_actor_role := private.assert_organization_admin(p_organization_id);
  v_before public.organization_members;
  v_chapters uuid[];
begin
  select * into v_before from public.organization_members m
  where m.organization_id = p_organization_id and m.user_id = p_user_id
  for update;
  if v_before.user_id is null then
    perform private.raise_domain_error('PM404', format('no member %s in organization %s', p_user_id, p_organization_id));
  end if;
  if v_before.role = 'org_admin' then
    perform private.require_other_org_admin(p_organization_id, p_user_id);
  end if;
  select coalesce(array_agg(cc.chapter_id order by cc.chapter_id), '{}') into v_chapters
  from public.coordinator_chapters cc
  where cc.organization_id = p_organization_id and cc.user_id = p_user_id;
  -- Their chapter assignments go with the membership (foreign key, on delete cascade); a
  -- selection of this organization goes too, so their next token falls back to another one.
  delete from public.organization_members m
  where m.organization_id = p_organization_id and m.user_id = p_user_id;
  delete from public.organization_selections s
  where s.user_id = p_user_id and s.organization_id = p_organization_id;
  perform private.log_membership_change(p_organization_id, 'member_removed', v_actor, p_user_id, null, null,
    to_jsonb(v_before) || jsonb_build_object('coordinator_chapter_ids', to_jsonb(v_chapters)), null);
  return v_before;
end
$$;
comment on function private.remove_member(uuid, uuid) is
  'Removes a member (org admins only), with their chapter assignments and selection, logged. Takes effect at once; their next token loses the claim.';

create function private.assign_coordinator_chapter(p_organization_id uuid, p_user_id uuid, p_chapter_id uuid)
returns public.coordinator_chapters
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_actor public.status_actor_role := private.assert_organization_admin(p_organization_id);
  v_role public.member_role;
  v_row public.coordinator_chapters;
begin
  select m.role into v_role from public.organization_members m
  where m.organization_id = p_organization_id and m.user_id = p_user_id;
  if v_role is null then
    perform private.raise_domain_error('PM404', format('no member %s in organization %s', p_user_id, p_organization_id));
  end if;
  if v_role = 'peer_mentor' then
    perform private.raise_domain_error('PM422', 'only coordinators and org admins cover chapters; change the member''s role first');
  end if;
  perform private.require_chapter_in_organization(p_chapter_id, p_organization_id);
  insert into public.coordinator_chapters (user_id, chapter_id)
  values (p_user_id, p_chapter_id)
  on conflict do nothing
  returning * into v_row;
  if v_row.user_id is null then
    -- Already assigned: nothing changes and nothing is logged.
    select * into v_row from public.coordinator_chapters cc
    where cc.user_id = p_user_id and cc.chapter_id = p_chapter_id;
    return v_row;
  end if;
  perform private.log_membership_change(p_organization_id, 'coordinator_chapter_assigned', v_actor,
    p_user_id, null, p_chapter_id, null, to_jsonb(v_row));
  return v_row;
end
$$;
comment on function private.assign_coordinator_chapter(uuid, uuid, uuid) is
  'Makes a coordinator (or org admin) cover a chapter (org admins only), logged; assigning again changes nothing.';

create function private.unassign_coordinator_chapter(p_organization_id uuid, p_user_id uuid, p_chapter_id uuid)
returns public.coordinator_chapters
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_actor public.status_actor_role := private.assert_organization_admin(p_organization_id);
  v_row public.coordinator_chapters;
begin
  delete from public.coordinator_chapters cc
  where cc.organization_id = p_organization_id and cc.user_id = p_user_id and cc.chapter_id = p_chapter_id
  returning * into v_row;
  if v_row.user_id is null then
    perform private.raise_domain_error('PM404',
      format('member %s does not cover chapter %s in organization %s', p_user_id, p_chapter_id, p_organization_id));
  end if;
  perform private.log_membership_change(p_organization_id, 'coordinator_chapter_unassigned', v_actor,
    p_user_id, null, p_chapter_id, to_jsonb(v_row), null);
  return v_row;
end
$$;
comment on function private.unassign_coordinator_chapter(uuid, uuid, uuid) is
  'Ends a coordinator''s coverage of a chapter (org admins only), logged; PM404 when there is no such assignment.';

create function private.add_mentor_chapter(p_organization_id uuid, p_peer_mentor_id uuid, p_chapter_id uuid)
returns public.peer_mentor_chapters
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_actor public.status_actor_role := private.assert_organization_admin(p_organization_id);
  v_row public.peer_mentor_chapters;
begin
  if not exists (
    select from public.peer_mentors pm where pm.id = p_peer_mentor_id and pm.organization_id = p_organization_id
  ) then
    perform private.raise_domain_error('PM404', format('no peer mentor %s in organization %s', p_peer_mentor_id, p_organization_id));
  end if;
  perform private.require_chapter_in_organization(p_chapter_id, p_organization_id);
  insert into public.peer_mentor_chapters (peer_mentor_id, chapter_id)
  values (p_peer_mentor_id, p_chapter_id)
  on conflict do nothing
  returning * into v_row;
  if v_row.peer_mentor_id is null then
    -- Already linked: nothing changes and nothing is logged.
    select * into v_row from public.peer_mentor_chapters pmc
    where pmc.peer_mentor_id = p_peer_mentor_id and pmc.chapter_id = p_chapter_id;
    return v_row;
  end if;
  perform private.log_membership_change(p_organization_id, 'mentor_chapter_added', v_actor,
    null, p_peer_mentor_id, p_chapter_id, null, to_jsonb(v_row));
  return v_row;
end
$$;
comment on function private.add_mentor_chapter(uuid, uuid, uuid) is
  'Links a peer mentor to a chapter of their organization (org admins only), logged; linking again changes nothing.';

create function private.remove_mentor_chapter(p_organization_id uuid, p_peer_mentor_id uuid, p_chapter_id uuid)
returns public.peer_mentor_chapters
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_actor public.status_actor_role := private.assert_organization_admin(p_organization_id);
  v_row public.peer_mentor_chapters;
begin
  delete from public.peer_mentor_chapters pmc
  where pmc.organization_id = p_organization_id and pmc.peer_mentor_id = p_peer_mentor_id
    and pmc.chapter_id = p_chapter_id
  returning * into v_row;
  if v_row.peer_mentor_id is null then
    perform private.raise_domain_error('PM404',
      format('peer mentor %s does not serve in chapter %s in organization %s', p_peer_mentor_id, p_chapter_id, p_organization_id));
  end if;
  perform private.log_membership_change(p_organization_id, 'mentor_chapter_removed', v_actor,
    null, p_peer_mentor_id, p_chapter_id, to_jsonb(v_row), null);
  return v_row;
end
$$;
comment on function private.remove_mentor_chapter(uuid, uuid, uuid) is
  'Removes a peer mentor''s link to a chapter (org admins only), logged; PM404 when there is no such link.';

-- The RPCs: argument shapes first (an invalid call changes nothing), then the write path.

create function public.change_member_role(p_organization_id uuid, p_user_id uuid, p_role public.member_role)
returns public.organization_members
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform private.require_id(p_organization_id, 'p_organization_id');
  perform private.require_id(p_user_id, 'p_user_id');
  if p_role is null then
    perform private.raise_domain_error('PM422', format('p_role must be one of: %s',
      array_to_string(enum_range(null::public.member_role), ', ')));
  end if;
  return private.change_member_role(p_organization_id, p_user_id, p_role);
end
$$;
comment on function public.change_member_role(uuid, uuid, public.member_role) is
  'Changes a member''s role in the organization; org admins only, audited. Errors: PM401, PM403, PM404, PM412, PM422.';

create function public.remove_member(p_organization_id uuid, p_user_id uuid)
returns public.organization_members
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform private.require_id(p_organization_id, 'p_organization_id');
  perform private.require_id(p_user_id, 'p_user_id');
  return private.remove_member(p_organization_id, p_user_id);
end
$$;
comment on function public.remove_member(uuid, uuid) is
  'Removes a member from the organization at once (their chapter assignments too); org admins only, audited. Errors: PM401, PM403, PM404, PM412, PM422.';

create function public.assign_coordinator_chapter(p_organization_id uuid, p_user_id uuid, p_chapter_id uuid)
returns public.coordinator_chapters
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform private.require_id(p_organization_id, 'p_organization_id');
  perform private.require_id(p_user_id, 'p_user_id');
  perform private.require_id(p_chapter_id, 'p_chapter_id');
  return private.assign_coordinator_chapter(p_organization_id, p_user_id, p_chapter_id);
end
$$;
comment on function public.assign_coordinator_chapter(uuid, uuid, uuid) is
  'Makes a coordinator cover a chapter; org admins only, audited. Errors: PM401, PM403, PM404, PM412, PM422.';

create function public.unassign_coordinator_chapter(p_organization_id uuid, p_user_id uuid, p_chapter_id uuid)
returns public.coordinator_chapters
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform private.require_id(p_organization_id, 'p_organization_id');
  perform private.require_id(p_user_id, 'p_user_id');
  perform private.require_id(p_chapter_id, 'p_chapter_id');
  return private.unassign_coordinator_chapter(p_organization_id, p_user_id, p_chapter_id);
end
$$;
comment on function public.unassign_coordinator_chapter(uuid, uuid, uuid) is
  'Ends a coordinator''s coverage of a chapter; org admins only, audited. Errors: PM401, PM403, PM404, PM412, PM422.';

create function public.add_mentor_chapter(p_organization_id uuid, p_peer_mentor_id uuid, p_chapter_id uuid)
returns public.peer_mentor_chapters
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform private.require_id(p_organization_id, 'p_organization_id');
  perform private.require_id(p_peer_mentor_id, 'p_peer_mentor_id');
  perform private.require_id(p_chapter_id, 'p_chapter_id');
  return private.add_mentor_chapter(p_organization_id, p_peer_mentor_id, p_chapter_id);
end
$$;
comment on function public.add_mentor_chapter(uuid, uuid, uuid) is
  'Links a peer mentor to a chapter; org admins only, audited. Errors: PM401, PM403, PM404, PM412, PM422.';

create function public.remove_mentor_chapter(p_organization_id uuid, p_peer_mentor_id uuid, p_chapter_id uuid)
returns public.peer_mentor_chapters
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform private.require_id(p_organization_id, 'p_organization_id');
  perform private.require_id(p_peer_mentor_id, 'p_peer_mentor_id');
  perform private.require_id(p_chapter_id, 'p_chapter_id');
  return private.remove_mentor_chapter(p_organization_id, p_peer_mentor_id, p_chapter_id);
end
$$;
comment on function public.remove_mentor_chapter(uuid, uuid, uuid) is
  'Removes a peer mentor''s link to a chapter; org admins only, audited. Errors: PM401, PM403, PM404, PM412, PM422.';

------------------------------------------------------------------------------------------------
-- 5. Privileges
------------------------------------------------------------------------------------------------

revoke all on public.organization_selections, public.organization_membership_log
  from anon, authenticated, service_role;
revoke all on sequence public.organization_membership_log_id_seq from anon, authenticated, service_role;
grant select on public.organization_selections, public.organization_membership_log
  to authenticated, service_role;

revoke all on function
  private.admin_organization_id(),
  private.organization_claim_for(uuid),
  private.record_organization_selection(uuid),
  private.assert_organization_admin(uuid),
  private.require_chapter_in_organization(uuid, uuid),
  private.require_other_org_admin(uuid, uuid),
  private.log_membership_change(uuid, public.membership_change, public.status_actor_role, uuid, uuid, uuid, jsonb, jsonb),
  private.change_member_role(uuid, uuid, public.member_role),
  private.remove_member(uuid, uuid),
  private.assign_coordinator_chapter(uuid, uuid, uuid),
  private.unassign_coordinator_chapter(uuid, uuid, uuid),
  private.add_mentor_chapter(uuid, uuid, uuid),
  private.remove_mentor_chapter(uuid, uuid, uuid)
  from public;
-- Called with the caller's rights, from a policy or an RPC. The other helpers run only inside
-- the security-definer write paths.
grant execute on function
  private.admin_organization_id(),
  private.record_organization_selection(uuid),
  private.change_member_role(uuid, uuid, public.member_role),
  private.remove_member(uuid, uuid),
  private.assign_coordinator_chapter(uuid, uuid, uuid),
  private.unassign_coordinator_chapter(uuid, uuid, uuid),
  private.add_mentor_chapter(uuid, uuid, uuid),
  private.remove_mentor_chapter(uuid, uuid, uuid)
  to authenticated, service_role;

-- The hook, as Supabase documents it: Supabase Auth (supabase_auth_admin) alone executes it;
-- the one read it needs is the private claim helper.
revoke execute on function public.custom_access_token_hook(jsonb) from public, anon, authenticated, service_role;
grant usage on schema public to supabase_auth_admin;
grant execute on function public.custom_access_token_hook(jsonb) to supabase_auth_admin;
grant usage on schema private to supabase_auth_admin;
grant execute on function private.organization_claim_for(uuid) to supabase_auth_admin;

revoke execute on function public.switch_organization(uuid) from public, anon;
grant execute on function public.switch_organization(uuid) to authenticated, service_role;
revoke execute on function public.change_member_role(uuid, uuid, public.member_role) from public, anon;
grant execute on function public.change_member_role(uuid, uuid, public.member_role) to authenticated, service_role;
revoke execute on function public.remove_member(uuid, uuid) from public, anon;
grant execute on function public.remove_member(uuid, uuid) to authenticated, service_role;
revoke execute on function public.assign_coordinator_chapter(uuid, uuid, uuid) from public, anon;
grant execute on function public.assign_coordinator_chapter(uuid, uuid, uuid) to authenticated, service_role;
revoke execute on function public.unassign_coordinator_chapter(uuid, uuid, uuid) from public, anon;
grant execute on function public.unassign_coordinator_chapter(uuid, uuid, uuid) to authenticated, service_role;
revoke execute on function public.add_mentor_chapter(uuid, uuid, uuid) from public, anon;
grant execute on function public.add_mentor_chapter(uuid, uuid, uuid) to authenticated, service_role;
revoke execute on function public.remove_mentor_chapter(uuid, uuid, uuid) from public, anon;
grant execute on function public.remove_mentor_chapter(uuid, uuid, uuid) to authenticated, service_role;
