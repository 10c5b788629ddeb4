-- Database performance (issue 13): a cheaper get_active_pauses_for_chapter, same answers.
--
-- Touches (same signatures, results, rights and errors):
--   * replaces public.get_active_pauses_for_chapter: it called private.require_id twice on
--     every call; it now calls it only when an argument is null, as activate_pause and
--     deactivate_pause do since 20261208000000;
--   * replaces private.list_chapter_pauses: the query that checks the chapter belongs to the
--     organization also reads the chapters a coordinator covers there, once. A coordinator of
--     the listed chapter reads every note on it without a probe per row (every mentor listed
--     serves in it: the list is exactly its links of paused mentors); for another chapter each
--     row is one probe of the mentor's links against those chapters, instead of a join of her
--     assignments with the mentor's links.
--
-- Why (server instructions under callgrind, on the bench's data: 5 paused mentors in a chapter
-- of 500, as the organization's coordinator): a PL/pgSQL call with `set search_path` costs
-- ~30 k with an empty body (the call's set-up, a GUC nesting level in and out) and require_id
-- ~45 k, so the two checks were ~90 k of the call's ~1,210 k. Listing her own chapter, the
-- probes per row were another ~60 k; listing another chapter of the organization, reading her
-- chapters once costs about what the cheaper probes save.

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
  if p_organization_id is null or p_chapter_id is null then
    perform private.require_id(p_organization_id, 'p_organization_id');
    perform private.require_id(p_chapter_id, 'p_chapter_id');
  end if;
  return query select * from private.list_chapter_pauses(p_organization_id, p_chapter_id);
end
$$;

create or replace function private.list_chapter_pauses(p_organization_id uuid, p_chapter_id uuid)
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
  v_chapters uuid[];
begin
  if v_actor_role = 'peer_mentor' then
    perform private.raise_domain_error('PM403', 'only coordinators and organization admins list a chapter''s pauses');
  end if;
  -- The chapter is the organization's; and, for a coordinator, the chapters she covers there
  -- (usually one or two), read once instead of once per row listed.
  select case when v_actor_role = 'coordinator' then (
           select coalesce(array_agg(cc.chapter_id), '{}')
           from public.coordinator_chapters cc
           where cc.user_id = v_context.user_id
             and cc.organization_id = p_organization_id) end
    into v_chapters
  from public.chapters c
  where c.id = p_chapter_id and c.organization_id = p_organization_id;
  if not found then
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
               -- Every mentor listed serves in this chapter (the list is exactly its links of
               -- paused mentors), so a coordinator of it reads every note without a probe.
               or p_chapter_id = any (v_chapters)
               or exists (
                    select
                    from public.peer_mentor_chapters pmc
                    where pmc.peer_mentor_id = s.peer_mentor_id
                      and pmc.chapter_id = any (v_chapters))
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
