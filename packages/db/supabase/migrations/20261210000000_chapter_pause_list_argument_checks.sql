-- Database performance (issue 13): get_active_pauses_for_chapter checks its arguments inline.
--
-- Touches: replaces public.get_active_pauses_for_chapter (same signature, result, rights and
-- errors). It called private.require_id twice on every call; it now calls it only when an
-- argument is null, as activate_pause and deactivate_pause do since 20261208000000.
--
-- Why: a PL/pgSQL call with `set search_path` costs the server ~45 k instructions even when it
-- does nothing (a GUC nesting level in and out, the call's own set-up), measured under callgrind
-- on the bench's data; the two checks were ~90 k of the call's ~1,210 k. The call now costs
-- ~1,145 k (bench:db's instruction count for get_active_pauses_for_chapter, 5 paused mentors per
-- chapter of 500).

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
