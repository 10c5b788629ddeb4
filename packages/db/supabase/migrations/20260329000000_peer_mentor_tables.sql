-- Peer-mentor pause management: schema, enum types and tables.
--
-- Creates schema private; types pause_status, pause_reason_code, member_role,
-- status_actor_role; tables organizations, chapters, organization_members, peer_mentors,
-- peer_mentor_chapters, coordinator_chapters, peer_mentor_status, peer_mentor_status_log,
-- peer_mentor_certifications; and the triggers that keep them consistent (one status row per
-- mentor, organization copied from the parent row, append-only log).
--
-- Every table gets row-level security with no policy and no client privilege here, so until
-- 20260330000000_pause_rls_and_rpcs.sql adds policies and grants, only the owner can use them.

create schema if not exists private;
comment on schema private is
  'Internals: policy helpers and the status-transition core. PostgREST does not expose this schema.';
revoke all on schema private from public;

-- Deny by default: Supabase grants every new function in public to the API roles, and
-- PostgreSQL grants EXECUTE to PUBLIC. Each function this project creates gets an explicit grant.
alter default privileges in schema public revoke execute on functions from public;
alter default privileges in schema public revoke execute on functions from anon, authenticated, service_role;
alter default privileges in schema private revoke execute on functions from public;

------------------------------------------------------------------------------------------------
-- Types
------------------------------------------------------------------------------------------------

create type public.pause_status as enum ('active', 'paused');
comment on type public.pause_status is 'Whether a peer mentor is serving (active) or on a break (paused).';

create type public.pause_reason_code as enum (
  'personal', 'health', 'vacation', 'other', 'coordinator_decision', 'certification_expired'
);
comment on type public.pause_reason_code is
  'Why a mentor is paused. coordinator_decision: coordinators and org admins only; certification_expired: the system only.';

create type public.member_role as enum ('peer_mentor', 'coordinator', 'org_admin');
comment on type public.member_role is 'A user''s role in one organization.';

create type public.status_actor_role as enum ('peer_mentor', 'coordinator', 'org_admin', 'system');
comment on type public.status_actor_role is
  'Who made a status transition; system is the service role (the nightly scheduler).';

------------------------------------------------------------------------------------------------
-- Validation helpers used by constraints
------------------------------------------------------------------------------------------------

-- Marked immutable so a CHECK constraint may use it: the set of time zone names only changes
-- with a tzdata upgrade, and a name that disappears would fail loudly at use.
create function private.is_time_zone(p_name text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select exists (select from pg_catalog.pg_timezone_names where name = p_name)
$$;
comment on function private.is_time_zone(text) is 'True when p_name is a time zone PostgreSQL knows (e.g. Europe/Oslo).';

------------------------------------------------------------------------------------------------
-- Organizations, chapters, members
------------------------------------------------------------------------------------------------

create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(btrim(name)) between 1 and 200),
  time_zone text not null default 'Europe/Oslo' check (private.is_time_zone(time_zone)),
  created_at timestamptz not null default now()
);
comment on table public.organizations is
  'An organization running a peer-mentor program (the first is HLF). Dates such as a pause''s expected end are read in its time zone.';

create table public.chapters (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 200),
  created_at timestamptz not null default now(),
  -- Target of the composite foreign keys that keep chapter links inside one organization.
  unique (id, organization_id)
);
comment on table public.chapters is 'A local chapter of an organization; mentors serve in chapters, coordinators cover them.';
create index chapters_organization_id_idx on public.chapters (organization_id);

create table public.organization_members (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role public.member_role not null,
  created_at timestamptz not null default now(),
  primary key (organization_id, user_id)
);
comment on table public.organization_members is
  'Current memberships: the source of authority. Deleting a row locks the user out at once, even while their JWT is still valid.';
create index organization_members_user_id_idx on public.organization_members (user_id);

------------------------------------------------------------------------------------------------
-- Peer mentors and their chapters
------------------------------------------------------------------------------------------------

create table public.peer_mentors (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  -- Null until the mentor has an app login (e.g. imported from the CRM first).
  user_id uuid unique references auth.users (id) on delete set null,
  display_name text not null check (char_length(btrim(display_name)) between 1 and 200),
  created_at timestamptz not null default now(),
  unique (id, organization_id)
);
comment on table public.peer_mentors is
  'A trained volunteer of one organization. Its status row in peer_mentor_status is created with it.';
create index peer_mentors_organization_id_idx on public.peer_mentors (organization_id);

create table public.peer_mentor_chapters (
  peer_mentor_id uuid not null,
  chapter_id uuid not null,
  -- Copied from the mentor by trigger; the two composite keys then make a link across
  -- organizations impossible. Callers insert (peer_mentor_id, chapter_id) only.
  organization_id uuid not null,
  created_at timestamptz not null default now(),
  primary key (peer_mentor_id, chapter_id),
  foreign key (peer_mentor_id, organization_id)
    references public.peer_mentors (id, organization_id) on delete cascade,
  foreign key (chapter_id, organization_id)
    references public.chapters (id, organization_id) on delete cascade
);
comment on table public.peer_mentor_chapters is 'The chapters a mentor serves in (a mentor may serve several).';
create index peer_mentor_chapters_organization_mentor_idx
  on public.peer_mentor_chapters (organization_id, peer_mentor_id);
-- Also the foreign-key index for the chapter; with peer_mentor_id last, listing a chapter's
-- mentors is an index-only scan sorted by mentor.
create index peer_mentor_chapters_chapter_organization_idx
  on public.peer_mentor_chapters (chapter_id, organization_id, peer_mentor_id);

create table public.coordinator_chapters (
  user_id uuid not null,
  chapter_id uuid not null,
  -- Copied from the chapter by trigger; callers insert (user_id, chapter_id) only.
  organization_id uuid not null,
  created_at timestamptz not null default now(),
  primary key (user_id, chapter_id),
  foreign key (chapter_id, organization_id)
    references public.chapters (id, organization_id) on delete cascade,
  -- Coverage ends with the membership.
  foreign key (organization_id, user_id)
    references public.organization_members (organization_id, user_id) on delete cascade
);
comment on table public.coordinator_chapters is
  'The chapters a coordinator covers. A coordinator may cover several chapters, and a chapter may have several coordinators.';
create index coordinator_chapters_organization_user_idx
  on public.coordinator_chapters (organization_id, user_id);
create index coordinator_chapters_chapter_organization_idx
  on public.coordinator_chapters (chapter_id, organization_id);

------------------------------------------------------------------------------------------------
-- Status, audit log, certifications
------------------------------------------------------------------------------------------------

create table public.peer_mentor_status (
  peer_mentor_id uuid primary key,
  organization_id uuid not null,
  status public.pause_status not null default 'active',
  reason_code public.pause_reason_code,
  note text check (char_length(note) <= 1000),
  paused_at timestamptz,
  paused_by uuid references auth.users (id) on delete set null,
  -- Who started the current pause; decides who may end it (PM423).
  paused_by_role public.status_actor_role,
  expected_end date,
  -- 0 for a new mentor, +1 for every transition; equals the newest log row's version.
  version integer not null default 0 check (version >= 0),
  updated_at timestamptz not null default now(),
  foreign key (peer_mentor_id, organization_id)
    references public.peer_mentors (id, organization_id) on delete cascade,
  -- The pause fields describe the current pause and are empty while the mentor is active.
  constraint peer_mentor_status_pause_fields check (
    case status
      when 'active' then reason_code is null and note is null and paused_at is null
        and paused_by is null and paused_by_role is null and expected_end is null
      else reason_code is not null and paused_at is not null and paused_by_role is not null
    end
  )
);
comment on table public.peer_mentor_status is
  'Exactly one row per mentor: the current status. Changed only by activate_pause / deactivate_pause (and the system jobs), never written directly by a client.';
create index peer_mentor_status_organization_mentor_idx
  on public.peer_mentor_status (organization_id, peer_mentor_id);
create index peer_mentor_status_paused_by_idx
  on public.peer_mentor_status (paused_by) where paused_by is not null;
-- The paused mentors of an organization: a small index (pauses are a few percent of the
-- roster) that a chapter's pause list probes instead of every mentor's status row.
create index peer_mentor_status_paused_idx
  on public.peer_mentor_status (organization_id, peer_mentor_id) where status = 'paused';

create table public.peer_mentor_status_log (
  id bigint generated always as identity primary key,
  peer_mentor_id uuid not null,
  organization_id uuid not null,
  from_status public.pause_status not null,
  to_status public.pause_status not null,
  -- The reason of a pause; null for a resume.
  reason_code public.pause_reason_code,
  note text check (char_length(note) <= 1000),
  expected_end date,
  -- No foreign key: the audit record outlives the user account it names.
  actor_user_id uuid,
  actor_role public.status_actor_role not null,
  -- The status version this transition produced: 1, 2, 3, ... per mentor.
  version integer not null check (version >= 1),
  created_at timestamptz not null default now(),
  -- A duplicated transition is impossible at the storage level.
  unique (peer_mentor_id, version),
  -- Restrict: a mentor with history cannot be deleted, so the history cannot be either.
  foreign key (peer_mentor_id, organization_id)
    references public.peer_mentors (id, organization_id),
  check (from_status <> to_status),
  check ((to_status = 'paused') = (reason_code is not null)),
  check ((actor_role = 'system') = (actor_user_id is null))
);
comment on table public.peer_mentor_status_log is
  'Append-only audit log, one row per status transition, written in the same statement as the transition. Update, delete and truncate fail for every role.';
create index peer_mentor_status_log_organization_mentor_idx
  on public.peer_mentor_status_log (organization_id, peer_mentor_id);

create table public.peer_mentor_certifications (
  peer_mentor_id uuid primary key,
  -- Copied from the mentor by trigger; callers insert (peer_mentor_id, valid_until) only.
  organization_id uuid not null,
  valid_until date not null,
  updated_at timestamptz not null default now(),
  foreign key (peer_mentor_id, organization_id)
    references public.peer_mentors (id, organization_id) on delete cascade
);
comment on table public.peer_mentor_certifications is
  'A mentor''s certification; the nightly job pauses mentors whose certification has expired.';
create index peer_mentor_certifications_organization_mentor_idx
  on public.peer_mentor_certifications (organization_id, peer_mentor_id);
create index peer_mentor_certifications_valid_until_idx
  on public.peer_mentor_certifications (valid_until);

------------------------------------------------------------------------------------------------
-- Triggers
------------------------------------------------------------------------------------------------

-- Security definer: whoever creates a mentor (an admin tool with the service role) holds no
-- privilege on peer_mentor_status, which only the transition functions change.
create function private.create_peer_mentor_status()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.peer_mentor_status (peer_mentor_id, organization_id)
  values (new.id, new.organization_id);
  return null;
end
$$;
comment on function private.create_peer_mentor_status() is
  'After insert on peer_mentors: creates the mentor''s status row (active, version 0).';

create trigger peer_mentors_create_status
  after insert on public.peer_mentors
  for each row execute function private.create_peer_mentor_status();

create function private.copy_peer_mentor_organization()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  select pm.organization_id into new.organization_id
  from public.peer_mentors pm
  where pm.id = new.peer_mentor_id;
  if not found then
    raise exception using
      errcode = 'foreign_key_violation',
      message = format('peer mentor %s does not exist', new.peer_mentor_id),
      table = tg_table_name;
  end if;
  return new;
end
$$;
comment on function private.copy_peer_mentor_organization() is
  'Before insert or update on tables keyed by a mentor: sets organization_id to the mentor''s organization.';

create trigger peer_mentor_chapters_copy_organization
  before insert or update of peer_mentor_id, organization_id on public.peer_mentor_chapters
  for each row execute function private.copy_peer_mentor_organization();

create trigger peer_mentor_certifications_copy_organization
  before insert or update of peer_mentor_id, organization_id on public.peer_mentor_certifications
  for each row execute function private.copy_peer_mentor_organization();

create function private.copy_chapter_organization()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  select c.organization_id into new.organization_id
  from public.chapters c
  where c.id = new.chapter_id;
  if not found then
    raise exception using
      errcode = 'foreign_key_violation',
      message = format('chapter %s does not exist', new.chapter_id),
      table = tg_table_name;
  end if;
  return new;
end
$$;
comment on function private.copy_chapter_organization() is
  'Before insert or update on coordinator_chapters: sets organization_id to the chapter''s organization.';

create trigger coordinator_chapters_copy_organization
  before insert or update of chapter_id, organization_id on public.coordinator_chapters
  for each row execute function private.copy_chapter_organization();

create function private.reject_status_log_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using
    errcode = 'insufficient_privilege',
    message = format('peer_mentor_status_log is append-only: %s is not allowed', lower(tg_op));
end
$$;
comment on function private.reject_status_log_change() is
  'Keeps the audit log append-only for every role, the table owner included: update, delete and truncate raise.';

create trigger peer_mentor_status_log_append_only
  before update or delete on public.peer_mentor_status_log
  for each row execute function private.reject_status_log_change();

create trigger peer_mentor_status_log_no_truncate
  before truncate on public.peer_mentor_status_log
  for each statement execute function private.reject_status_log_change();

------------------------------------------------------------------------------------------------
-- Row-level security on, client privileges off (policies and grants come in the next migration)
------------------------------------------------------------------------------------------------

alter table public.organizations enable row level security;
alter table public.chapters enable row level security;
alter table public.organization_members enable row level security;
alter table public.peer_mentors enable row level security;
alter table public.peer_mentor_chapters enable row level security;
alter table public.coordinator_chapters enable row level security;
alter table public.peer_mentor_status enable row level security;
alter table public.peer_mentor_status_log enable row level security;
alter table public.peer_mentor_certifications enable row level security;

revoke all on
  public.organizations, public.chapters, public.organization_members, public.peer_mentors,
  public.peer_mentor_chapters, public.coordinator_chapters, public.peer_mentor_status,
  public.peer_mentor_status_log, public.peer_mentor_certifications
  from anon, authenticated, service_role;
revoke all on sequence public.peer_mentor_status_log_id_seq from anon, authenticated, service_role;

revoke all on function private.is_time_zone(text) from public;
-- The organizations CHECK constraint runs it with the rights of whoever writes the row.
grant usage on schema private to service_role;
grant execute on function private.is_time_zone(text) to service_role;
revoke all on function private.create_peer_mentor_status() from public;
revoke all on function private.copy_peer_mentor_organization() from public;
revoke all on function private.copy_chapter_organization() from public;
revoke all on function private.reject_status_log_change() from public;
