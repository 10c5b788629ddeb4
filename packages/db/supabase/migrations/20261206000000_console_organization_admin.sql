-- Read paths for the web console's organization switcher, org-admin pages and timeline actor
-- names: the names of a user's own organizations, and the people of an organization by name.
--
-- Creates table private.person_names (the name a person goes by, kept by the organization, not
-- by the person); security-definer readers private.caller_organizations() and
-- private.member_directory_rows(); views public.my_organizations and public.member_directory
-- (security_invoker, each reading exactly one of those functions).
--
-- Why not user_metadata for names: end users rewrite their own user_metadata, and no function
-- here reads it (00-structure). Why functions behind the views: organizations' policy shows only
-- the claimed organization, and auth.users is not readable by clients; the functions return the
-- caller's own share of both and nothing else, so the views stay security_invoker.

------------------------------------------------------------------------------------------------
-- 1. Names
------------------------------------------------------------------------------------------------

create table private.person_names (
  user_id uuid primary key references auth.users (id) on delete cascade,
  display_name text not null check (char_length(btrim(display_name)) between 1 and 200),
  updated_at timestamptz not null default now()
);
comment on table private.person_names is
  'The name a signed-in person goes by in the console (coordinators, org admins; mentors have peer_mentors.display_name). Kept by the organization''s onboarding as the owner, never by the person, so it can be shown to colleagues and mentors.';
-- Deny by default: only the security-definer readers below read it.
alter table private.person_names enable row level security;
revoke all on private.person_names from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- 2. The caller's organizations (the header's switcher)
------------------------------------------------------------------------------------------------

-- Security definer: organizations' policy shows only the claimed organization, so the names of
-- the caller's other organizations are otherwise unreadable. Returns only the organizations the
-- caller (the JWT's sub) is a current member of, with their own role there.
create function private.caller_organizations()
returns table (organization_id uuid, organization_name text, time_zone text, role public.member_role)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
    select o.id, o.name, o.time_zone, m.role
    from public.organization_members m
    join public.organizations o on o.id = m.organization_id
    where m.user_id = private.caller_user_id();
end
$$;
comment on function private.caller_organizations() is
  'The caller''s current memberships with each organization''s name, time zone and the caller''s role there; nothing for anyone else.';

create view public.my_organizations
with (security_invoker = true)
as
select
  mine.organization_id,
  mine.organization_name,
  mine.time_zone,
  mine.role,
  mine.organization_id is not distinct from (select private.claimed_organization_id()) as is_current
from private.caller_organizations() mine;
comment on view public.my_organizations is
  'The organizations the signed-in user belongs to, by name, with their role there and which one their token claims (is_current). Switch with switch_organization, then refresh the session. security_invoker; never another user''s memberships.';

------------------------------------------------------------------------------------------------
-- 3. People by name (org-admin member pages; who acted in a timeline)
------------------------------------------------------------------------------------------------

-- Security definer: auth.users (emails) and private.person_names are unreadable to clients.
-- Need to know, in the claimed organization while the caller is a current member:
--   * an org admin reads every member: role, name and email;
--   * a coordinator reads the people who acted in the organization's status log (the timelines
--     they may read), by name and current role, never an email;
--   * a mentor reads the people who acted on their own timeline (who paused or resumed them),
--     by name and current role, never an email;
--   * anyone else reads nothing.
-- A mentor's name is their peer_mentors.display_name in the organization; anyone else's is
-- their private.person_names entry (null when there is none: the console shows the role).
create function private.member_directory_rows()
returns table (
  organization_id uuid,
  user_id uuid,
  role public.member_role,
  display_name text,
  email text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_role public.member_role := private.active_membership_role();
  v_organization_id uuid := private.claimed_organization_id();
  v_own_mentor_id uuid;
begin
  if v_role is null then
    return;
  end if;
  if v_role = 'org_admin' then
    return query
      select m.organization_id, m.user_id, m.role,
             coalesce(pm.display_name, n.display_name), u.email::text
      from public.organization_members m
      join auth.users u on u.id = m.user_id
      left join public.peer_mentors pm
        on pm.user_id = m.user_id and pm.organization_id = m.organization_id
      left join private.person_names n on n.user_id = m.user_id
      where m.organization_id = v_organization_id;
    return;
  end if;
  -- Actors stay named after they leave the organization (role null), so a timeline keeps
  -- saying who acted.
  v_own_mentor_id := case when v_role = 'peer_mentor' then private.own_peer_mentor_id() end;
  return query
    select v_organization_id, actor.user_id, m.role,
           coalesce(pm.display_name, n.display_name), null::text
    from (
      select distinct l.actor_user_id as user_id
      from public.peer_mentor_status_log l
      where l.organization_id = v_organization_id
        and l.actor_user_id is not null
        and (v_role = 'coordinator' or l.peer_mentor_id = v_own_mentor_id)
    ) actor
    left join public.organization_members m
      on m.organization_id = v_organization_id and m.user_id = actor.user_id
    left join public.peer_mentors pm
      on pm.user_id = actor.user_id and pm.organization_id = v_organization_id
    left join private.person_names n on n.user_id = actor.user_id;
end
$$;
comment on function private.member_directory_rows() is
  'People of the claimed organization by name, need to know: org admins every member with email; coordinators the actors of the organization''s status log; mentors the actors of their own timeline (names and current role only); nobody else anything.';

create view public.member_directory
with (security_invoker = true)
as
select d.organization_id, d.user_id, d.role, d.display_name, d.email
from private.member_directory_rows() d;
comment on view public.member_directory is
  'People of the signed-in user''s organization by name. Org admins: every member with role, name and email (the member pages). Coordinators and mentors: only the people who acted in a timeline they may read, name and current role, no email. security_invoker.';

------------------------------------------------------------------------------------------------
-- 4. Privileges
------------------------------------------------------------------------------------------------

revoke all on function private.caller_organizations(), private.member_directory_rows() from public;
-- Called with the caller's rights from the views.
grant execute on function private.caller_organizations(), private.member_directory_rows()
  to authenticated;

revoke all on public.my_organizations, public.member_directory
  from public, anon, authenticated, service_role;
grant select on public.my_organizations, public.member_directory to authenticated;
