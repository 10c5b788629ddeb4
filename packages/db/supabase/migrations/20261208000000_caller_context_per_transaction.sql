-- Database performance (issue 13, second pass): the caller's context resolved once per
-- transaction, the notes policy's coordinator branch as a per-row probe, and a leaner write RPC.
--
-- Touches:
--   * replaces private.caller_context() (same signature, result and rights): one read and one
--     parse of the claims instead of three (auth.jwt(), auth.uid() and auth.role() each read and
--     cast request.jwt.claims; the same settings are read here in the same order of precedence),
--     and a transaction-local cache of the result in two custom settings,
--     peer_mentor.caller_context_key and peer_mentor.caller_context;
--   * creates private.forget_caller_context() and statement-level triggers on
--     public.organization_members and public.peer_mentors (the two tables the context reads)
--     that clear the cache whenever either changes;
--   * creates private.caller_coordinates_peer_mentor(uuid) and alters the notes policy ("Need
--     to know: ...") to the same rule with the coordinator branch as that probe per row
--     instead of an array of every mentor she coordinates; drops
--     private.coordinated_peer_mentor_ids(), which built that array (nothing else calls it);
--   * replaces public.activate_pause and public.deactivate_pause (same signatures, results and
--     errors): the note they return is the one the call wrote (activate) or none (deactivate),
--     so they no longer read it back through the notes policy; the argument checks call their
--     raising helpers only when an argument is wrong;
--   * creates private.transition_result(public.peer_mentor_status, text), which builds that
--     result, and drops private.status_result(public.peer_mentor_status);
--   * replaces private.transition_peer_mentor_status (same signature and result): it takes the
--     per-mentor advisory lock directly instead of through two wrapper functions.
--
-- Why a per-transaction cache now (20261207000000 decided against it). Every policy names one
-- to three fields of the context, each an initPlan of its own, and PostgreSQL does not share
-- initPlans: a statement resolved the context (a claims parse and an index probe, ~35 µs) up
-- to three times, and every statement under RLS inside one request did so again. Cached, the
-- first initPlan of a transaction resolves it and every later one reads it back.
--   * Forging adds nothing. The trust root of the whole Supabase model is request.jwt.claims,
--     itself a custom setting that any role can write with set_config: whoever can run
--     set_config can already claim to be any user of any organization. The cached value is
--     one more such setting, and it is used only while its key matches the transaction's
--     claims settings, the role setting and the transaction's start time exactly, so a value
--     written for other claims, another role or another transaction (even at session level) is
--     ignored and recomputed; one that matches the key but is not a context fails the
--     statement (22P02) and so grants nothing.
--   * It cannot go stale. `set local role`, `set_config('role', ...)` or a claims change inside
--     the transaction changes the key; the triggers below clear the cache when a membership or
--     a mentor's user link (anything the context reads) changes in the transaction, so the next
--     statement resolves it again; a rollback to a savepoint reverts the setting together with
--     the data it was computed from (custom settings are transactional). It lives no longer
--     than the transaction (set_config(..., true)).
--   * What changes: a membership removed by ANOTHER transaction that commits while this one
--     runs is seen at this transaction's next resolution instead of its next statement. A
--     PostgREST request is one transaction, so its statements now agree on who the caller is
--     (as under repeatable read); the next request sees the change.

------------------------------------------------------------------------------------------------
-- 1. The caller's context, once per transaction
------------------------------------------------------------------------------------------------

-- Security definer: policies on organization_members and peer_mentors call it, so it reads them
-- without row-level security (no recursion). It returns only the caller's own membership and
-- mentor row.
create or replace function private.caller_context()
returns private.caller_context
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  -- Everything the context depends on besides the membership tables (whose triggers clear the
  -- cache): the transaction, the database role and every claims setting auth.* reads.
  v_key text := pg_catalog.concat_ws(e'\x1f',
    pg_catalog.now(),
    pg_catalog.current_setting('role', true),
    pg_catalog.current_setting('request.jwt.claims', true),
    pg_catalog.current_setting('request.jwt.claim', true),
    pg_catalog.current_setting('request.jwt.claim.sub', true),
    pg_catalog.current_setting('request.jwt.claim.role', true));
  v_claims jsonb;
  v_claim text;
  v_context private.caller_context;
begin
  if pg_catalog.current_setting('peer_mentor.caller_context_key', true) = v_key then
    return pg_catalog.current_setting('peer_mentor.caller_context', true)::private.caller_context;
  end if;

  -- auth.jwt(), auth.uid() and auth.role() in one read: the legacy single-claim settings take
  -- precedence over request.jwt.claims, as there.
  v_claims := coalesce(
    nullif(pg_catalog.current_setting('request.jwt.claim', true), ''),
    nullif(pg_catalog.current_setting('request.jwt.claims', true), ''))::jsonb;
  -- The one place that knows the claim key (packages/contracts exports the same key).
  -- A claim that is not a uuid selects nothing instead of failing the query.
  v_claim := v_claims -> 'app_metadata' ->> 'organization_id';
  v_context.claimed_organization_id := case
    when v_claim ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then v_claim::uuid
  end;
  -- PostgREST already rejects expired tokens; this keeps the database safe when claims arrive
  -- some other way.
  v_context.claims_expired := coalesce(
    v_claims ? 'exp'
      and case jsonb_typeof(v_claims -> 'exp')
            when 'number' then (v_claims ->> 'exp')::numeric <= extract(epoch from pg_catalog.now())
            else true
          end,
    false);
  v_context.user_id := case when not v_context.claims_expired then coalesce(
    nullif(pg_catalog.current_setting('request.jwt.claim.sub', true), ''), v_claims ->> 'sub')::uuid end;
  -- Both the claims and the database role must say service_role, so claims alone cannot make
  -- a session the system.
  v_context.is_system := coalesce(
    coalesce(nullif(pg_catalog.current_setting('request.jwt.claim.role', true), ''), v_claims ->> 'role') = 'service_role'
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

  -- Transaction-local: gone at commit or rollback, reverted with a savepoint.
  perform pg_catalog.set_config('peer_mentor.caller_context', v_context::text, true),
          pg_catalog.set_config('peer_mentor.caller_context_key', v_key, true);
  return v_context;
end
$$;
comment on function private.caller_context() is
  'The caller''s context: user id, expired claims, system actor, claimed organization, membership role there, active/staff/admin organization, own peer-mentor id. Resolved once per transaction for the same claims and role (cached in peer_mentor.caller_context, cleared when a membership or mentor row changes); policies read it in initPlans.';

create function private.forget_caller_context()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_catalog.set_config('peer_mentor.caller_context_key', '', true);
  return null;
end
$$;
comment on function private.forget_caller_context() is
  'After any change to a table private.caller_context() reads: clears its transaction-local cache, so the next statement resolves the caller again.';

create trigger organization_members_forget_caller_context
  after insert or update or delete or truncate on public.organization_members
  for each statement execute function private.forget_caller_context();
create trigger peer_mentors_forget_caller_context
  after insert or update or delete or truncate on public.peer_mentors
  for each statement execute function private.forget_caller_context();

------------------------------------------------------------------------------------------------
-- 2. Notes: the coordinator branch probes per row
------------------------------------------------------------------------------------------------

-- Security definer: reads the chapter links and coordinator assignments without their
-- policies' initPlans, for the caller's own assignments only (it answers only whether the
-- caller herself covers the mentor).
create function private.caller_coordinates_peer_mentor(p_peer_mentor_id uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_context private.caller_context := private.caller_context();
begin
  return v_context.membership_role = 'coordinator' and exists (
    select
    from public.peer_mentor_chapters pmc
    join public.coordinator_chapters cc on cc.chapter_id = pmc.chapter_id
    where pmc.peer_mentor_id = p_peer_mentor_id
      and cc.user_id = v_context.user_id
      and cc.organization_id = v_context.claimed_organization_id);
end
$$;
comment on function private.caller_coordinates_peer_mentor(uuid) is
  'Whether the caller is a coordinator in her claimed organization who covers a chapter the mentor serves in (two primary-key probes).';

-- The same rule as before: the mentor herself, an org admin of the claimed organization, or a
-- coordinator there who covers a chapter the mentor serves in. The last is a probe per row,
-- run only when the first two fail, instead of an array of every mentor of her chapters built
-- for each statement (a timeline reads a few notes of one mentor; the array held ~500 ids).
alter policy "Need to know: the mentor, her chapters' coordinators and org admins read notes"
  on public.peer_mentor_status_notes
  using (
    peer_mentor_id = (select (private.caller_context()).own_peer_mentor_id)
    or organization_id = (select (private.caller_context()).admin_organization_id)
    or private.caller_coordinates_peer_mentor(peer_mentor_id)
  );

drop function private.coordinated_peer_mentor_ids();

------------------------------------------------------------------------------------------------
-- 3. The write RPCs
------------------------------------------------------------------------------------------------

-- The caller just made this transition, so she may read its note (the notes policy shows it to
-- the mentor, her coordinators, the org admins and the system): no need to read it back.
create function private.transition_result(p_row public.peer_mentor_status, p_note text)
returns public.peer_mentor_status_result
language plpgsql
immutable
set search_path = ''
as $$
begin
  return (p_row.peer_mentor_id, p_row.organization_id, p_row.status, p_row.reason_code,
          case when p_row.status = 'paused' then p_note end,
          p_row.paused_at, p_row.paused_by, p_row.paused_by_role, p_row.expected_end,
          p_row.version, p_row.updated_at)::public.peer_mentor_status_result;
end
$$;
comment on function private.transition_result(public.peer_mentor_status, text) is
  'A status row as the write RPCs return it, with p_note when the row is the pause that carried it (null while active).';

create or replace function public.activate_pause(
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
  if p_peer_mentor_id is null or p_organization_id is null then
    perform private.require_id(p_peer_mentor_id, 'p_peer_mentor_id');
    perform private.require_id(p_organization_id, 'p_organization_id');
  end if;
  if p_reason_code is null or not (p_reason_code = any (enum_range(null::public.pause_reason_code)::text[])) then
    perform private.raise_domain_error('PM422', format('p_reason_code must be one of: %s',
      array_to_string(enum_range(null::public.pause_reason_code), ', ')));
  end if;
  if p_note is not null then
    perform private.require_valid_note(p_note);
  end if;
  -- An activation never ends in another pause, so the row returned is the pause with p_note.
  return private.transition_result(private.transition_peer_mentor_status(
    'paused', p_peer_mentor_id, p_organization_id, p_reason_code::public.pause_reason_code,
    p_note, p_expected_end), p_note);
end
$$;
comment on function public.activate_pause(uuid, uuid, text, text, date) is
  'Pauses a peer mentor and logs it atomically. Mentors pause themselves, coordinators the mentors of their chapters, org admins anyone in the organization; acting on yourself, the mentor''s rules apply. Returns the status row with the pause''s note. Errors: PM401, PM403, PM404, PM409, PM412, PM422, PM429.';

create or replace function public.deactivate_pause(
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
  if p_peer_mentor_id is null or p_organization_id is null then
    perform private.require_id(p_peer_mentor_id, 'p_peer_mentor_id');
    perform private.require_id(p_organization_id, 'p_organization_id');
  end if;
  if p_note is not null then
    perform private.require_valid_note(p_note);
  end if;
  -- The row returned is active (p_note is the resume's, not shown) or the system's pause for
  -- an expired certification, which carries no note.
  return private.transition_result(private.transition_peer_mentor_status(
    'active', p_peer_mentor_id, p_organization_id, null, p_note, null), null);
end
$$;
comment on function public.deactivate_pause(uuid, uuid, text) is
  'Ends a peer mentor''s pause and logs it atomically. A mentor (also a staff member acting on herself) cannot end a pause imposed by someone else. When her certification has expired she is paused again for certification_expired by the system in the same transaction, and the returned row says so. Errors: PM401, PM403, PM404, PM410, PM412, PM422, PM423, PM429.';

drop function private.status_result(public.peer_mentor_status);

------------------------------------------------------------------------------------------------
-- 4. Privileges
------------------------------------------------------------------------------------------------

revoke all on function private.forget_caller_context() from public;
-- The notes policy calls it with the caller's rights.
revoke all on function private.caller_coordinates_peer_mentor(uuid) from public;
grant execute on function private.caller_coordinates_peer_mentor(uuid) to authenticated, service_role;
revoke all on function private.transition_result(public.peer_mentor_status, text) from public;
grant execute on function private.transition_result(public.peer_mentor_status, text) to authenticated, service_role;
