-- Read views for the web console (apps/admin): a chapter's roster in one row per mentor, and
-- each chapter's counts, so the console pages, sorts, searches and counts on the server
-- (PostgREST's read grammar has no embedding here) instead of joining in the browser.
--
-- Creates views chapter_roster and chapter_overview. Both are security_invoker: every row
-- passes the caller's own row-level security on the tables underneath, so a view shows nothing
-- a caller could not read from those tables directly.

create view public.chapter_roster
with (security_invoker = true)
as
select
  link.chapter_id,
  link.organization_id,
  mentor.id as peer_mentor_id,
  mentor.display_name,
  status.status,
  status.reason_code,
  status.paused_at,
  status.expected_end,
  status.paused_by_role,
  certification.valid_until as certification_valid_until
from public.peer_mentor_chapters link
join public.peer_mentors mentor on mentor.id = link.peer_mentor_id
join public.peer_mentor_status status on status.peer_mentor_id = mentor.id
left join public.peer_mentor_certifications certification
  on certification.peer_mentor_id = mentor.id;
comment on view public.chapter_roster is
  'One row per mentor of a chapter: name, current status, reason, since, expected end and certification expiry. security_invoker: the caller''s row-level security applies.';

create view public.chapter_overview
with (security_invoker = true)
as
select
  chapter.id as chapter_id,
  chapter.organization_id,
  chapter.name,
  count(*) filter (where status.status = 'paused') as active_pauses,
  count(*) filter (
    where certification.valid_until
      between (now() at time zone organization.time_zone)::date
      and (now() at time zone organization.time_zone)::date + 30
  ) as certifications_expiring
from public.chapters chapter
join public.organizations organization on organization.id = chapter.organization_id
left join public.peer_mentor_chapters link on link.chapter_id = chapter.id
left join public.peer_mentor_status status on status.peer_mentor_id = link.peer_mentor_id
left join public.peer_mentor_certifications certification
  on certification.peer_mentor_id = link.peer_mentor_id
group by chapter.id, chapter.organization_id, chapter.name;
comment on view public.chapter_overview is
  'Each chapter with its number of active pauses and of certifications expiring within 30 days (today in the organization''s time zone). security_invoker: the caller''s row-level security applies.';

revoke all on public.chapter_roster, public.chapter_overview from public, anon, authenticated, service_role;
grant select on public.chapter_roster, public.chapter_overview to authenticated;
