-- What the performance levers of issue 13 (migration 20261207000000) must not change:
--   * the caller's context: every named helper answers exactly what private.caller_context()
--     says, for every kind of caller, and the context follows `set local role` and a claims
--     change inside one transaction (since 20261208000000 the context is cached per
--     transaction, keyed on the role and claims settings; 20-caller-context-cache pins that);
--   * the paused chapter links: private.paused_mentor_chapters holds exactly the chapter links
--     of paused mentors ("link state = status row") after every path that changes a status or
--     a link: both RPCs as mentor, coordinator, org admin and the system, the resume that
--     re-pauses for an expired certification, the nightly auto-resume and expiry, adding,
--     removing and moving a chapter link, removing a member, deleting a chapter;
--   * the transition core's single reads: the transition limit and its absence, a deleted
--     limit row, and who may act, as before.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(49);

-- The links of paused mentors that the table misses, and the rows it has without such a link.
create function tests.paused_link_drift()
returns table (side text, chapter_id uuid, peer_mentor_id uuid)
language sql
stable
security definer
set search_path = ''
as $$
  with expected as (
    select pmc.chapter_id, pmc.peer_mentor_id, pmc.organization_id
    from public.peer_mentor_chapters pmc
    join public.peer_mentor_status s on s.peer_mentor_id = pmc.peer_mentor_id
    where s.status = 'paused'
  )
  (select 'missing', e.chapter_id, e.peer_mentor_id
   from (select * from expected except select * from private.paused_mentor_chapters) e)
  union all
  (select 'extra', x.chapter_id, x.peer_mentor_id
   from (select * from private.paused_mentor_chapters except select * from expected) x)
$$;

create function tests.paused_links_of(p_mentor text)
returns bigint
language sql
stable
security definer
set search_path = ''
as $$ select count(*) from private.paused_mentor_chapters p where p.peer_mentor_id = tests.id(p_mentor) $$;

-- A nightly invocation driven to its end as the system (pg_cron and the Edge Function do the same).
create function tests.run_nightly(p_invocation text, p_job text)
returns void
language plpgsql
as $$
declare
  v_steps integer := 0;
begin
  perform tests.act_as_service_role();
  while exists (
    select from private.run_scheduler_step(tests.id(p_invocation), array[p_job], now(),
      (now() at time zone 'Europe/Oslo')::date, 100, 'pgTAP')) loop
    v_steps := v_steps + 1;
    if v_steps > 50 then
      raise exception 'invocation % did not end', p_invocation;
    end if;
  end loop;
  perform tests.act_as_owner();
end
$$;

-- Each named helper against the context, as the current caller.
create function tests.helpers_agree_with_context()
returns boolean
language sql
stable
as $$
  select private.claimed_organization_id() is not distinct from c.claimed_organization_id
     and private.claims_expired() is not distinct from c.claims_expired
     and private.caller_user_id() is not distinct from c.user_id
     and private.caller_is_system() is not distinct from c.is_system
     and private.active_membership_role() is not distinct from c.membership_role
     and private.active_organization_id() is not distinct from c.active_organization_id
     and private.staff_organization_id() is not distinct from c.staff_organization_id
     and private.admin_organization_id() is not distinct from c.admin_organization_id
     and private.own_peer_mentor_id() is not distinct from c.own_peer_mentor_id
  from private.caller_context() c
$$;
grant execute on function tests.helpers_agree_with_context() to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The caller's context
------------------------------------------------------------------------------------------------

select tests.act_as('user_a1', 'org_a');
select row_eq(
  $$ select * from private.caller_context() $$,
  row(tests.id('user_a1'), false, false, tests.id('org_a'), 'peer_mentor'::public.member_role,
      tests.id('org_a'), null::uuid, null::uuid, tests.id('mentor_a1'))::private.caller_context,
  'a mentor: her user, her organization as a member, not staff, her own mentor id'
);
select ok(tests.helpers_agree_with_context(), 'a mentor: every named helper answers as the context');

select tests.act_as('coord_north', 'org_a');
select row_eq(
  $$ select * from private.caller_context() $$,
  row(tests.id('coord_north'), false, false, tests.id('org_a'), 'coordinator'::public.member_role,
      tests.id('org_a'), tests.id('org_a'), null::uuid, null::uuid)::private.caller_context,
  'a coordinator, in the same transaction right after the mentor: staff of her organization, no mentor id (nothing stale)'
);
select ok(tests.helpers_agree_with_context(), 'a coordinator: every named helper answers as the context');

select tests.act_as('admin_a', 'org_a');
select is((select c.admin_organization_id from private.caller_context() c), tests.id('org_a'),
  'an org admin: her organization is the admin organization');
select ok(tests.helpers_agree_with_context(), 'an org admin: every named helper answers as the context');

select tests.act_as('dual_user', 'org_b');
select is((select c.membership_role from private.caller_context() c), 'org_admin'::public.member_role,
  'a user of two organizations: the claim selects the membership (org admin in B)');
select tests.act_as('dual_user', 'org_a');
select is((select c.membership_role from private.caller_context() c), 'coordinator'::public.member_role,
  'the same user, claims switched inside the transaction: coordinator in A');

select tests.act_as('outsider', 'org_a');
select row_eq(
  $$ select * from private.caller_context() $$,
  row(tests.id('outsider'), false, false, tests.id('org_a'), null::public.member_role,
      null::uuid, null::uuid, null::uuid, null::uuid)::private.caller_context,
  'a claimed organization without a membership: the claim selects, grants nothing'
);
select ok(tests.helpers_agree_with_context(), 'an outsider: every named helper answers as the context');

select tests.act_as('user_a1', null, jsonb_build_object('user_metadata', jsonb_build_object('organization_id', tests.id('org_a'))));
select is((select c.claimed_organization_id from private.caller_context() c), null,
  'a forged user_metadata.organization_id selects nothing');

select tests.act_as('user_a1', 'org_a', '{"app_metadata": {"organization_id": "not-a-uuid"}}');
select is((select c.claimed_organization_id from private.caller_context() c), null,
  'a claim that is not a uuid selects nothing instead of failing');

select tests.act_as('user_a1', 'org_a', jsonb_build_object('exp', extract(epoch from now() - interval '1 minute')::bigint));
select row_eq(
  $$ select c.user_id, c.claims_expired, c.membership_role, c.own_peer_mentor_id from private.caller_context() c $$,
  row(null::uuid, true, null::public.member_role, null::uuid),
  'expired claims identify nobody'
);
select ok(tests.helpers_agree_with_context(), 'expired claims: every named helper answers as the context');

select tests.act_as_service_role();
select row_eq(
  $$ select c.user_id, c.is_system, c.membership_role from private.caller_context() c $$,
  row(null::uuid, true, null::public.member_role),
  'the service role is the system'
);
select ok(tests.helpers_agree_with_context(), 'the service role: every named helper answers as the context');

select tests.act_with_claims('{"role": "service_role"}');
select is((select c.is_system from private.caller_context() c), false,
  'service_role claims without the service_role database role are not the system');

select tests.act_as('user_a1', 'org_a');
select is((select count(*)::int from public.peer_mentor_status), 1,
  'a policy reads the context: the mentor sees her own status row only');
select tests.act_as('coord_north', 'org_a');
select is((select count(*)::int from public.peer_mentor_status), 6,
  'the next statement, claims switched to a coordinator: she sees her organization''s six');

------------------------------------------------------------------------------------------------
-- The paused chapter links
------------------------------------------------------------------------------------------------

select tests.act_as_owner();
select is_empty($$ select * from tests.paused_link_drift() $$, 'to begin with, the paused links match the statuses');

select tests.act_as('user_a3', 'org_a');
select public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'health');
select is(tests.paused_links_of('mentor_a3'), 2::bigint, 'a mentor serving in two chapters pauses herself: both links are paused');
select is_empty($$ select * from tests.paused_link_drift() $$, '... and the links match the statuses');

select tests.act_as('user_a3', 'org_a');
select public.deactivate_pause(tests.id('mentor_a3'), tests.id('org_a'));
select is(tests.paused_links_of('mentor_a3'), 0::bigint, 'she resumes: her links leave the list');

select tests.act_as('coord_north', 'org_a');
select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'coordinator_decision', 'talk first');
select tests.act_as('admin_a', 'org_a');
select public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'other');
select tests.act_as_service_role();
select public.activate_pause(tests.id('mentor_a6'), tests.id('org_a'), 'certification_expired');
select tests.act_as('admin_b', 'org_b');
select public.activate_pause(tests.id('mentor_b1'), tests.id('org_b'), 'vacation');
select tests.act_as_owner();
select is_empty($$ select * from tests.paused_link_drift() $$,
  'pauses by a coordinator, an org admin, the system and another organization: the links match');
select is((select count(*)::int from private.paused_mentor_chapters), 4, '... four paused links');

select tests.act_as('coord_north', 'org_a');
select results_eq(
  $$ select peer_mentor_id from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_north')) order by 1 $$,
  $$ select id from (values (tests.id('mentor_a1')), (tests.id('mentor_a6'))) v (id) order by 1 $$,
  'the chapter list reads them: A North lists mentor_a1 and mentor_a6'
);
select throws_ok(
  $$ select count(*) from private.paused_mentor_chapters $$,
  '42501', null,
  'a coordinator cannot read the paused links directly (only the list function, as the owner, does)'
);
select tests.act_as('user_a1', 'org_a');
select throws_ok(
  $$ select * from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_north')) $$,
  'PM403', null,
  'a mentor cannot list a chapter''s pauses (authorized as before)'
);

-- Membership administration.
select tests.act_as('admin_a', 'org_a');
select public.add_mentor_chapter(tests.id('org_a'), tests.id('mentor_a2'), tests.id('a_west'));
select is(tests.paused_links_of('mentor_a2'), 2::bigint, 'a paused mentor joins a chapter: the new link is paused');
select public.remove_mentor_chapter(tests.id('org_a'), tests.id('mentor_a2'), tests.id('a_south'));
select is(tests.paused_links_of('mentor_a2'), 1::bigint, 'she leaves a chapter: that link leaves the list');
select public.add_mentor_chapter(tests.id('org_a'), tests.id('mentor_a4'), tests.id('a_north'));
select is(tests.paused_links_of('mentor_a4'), 0::bigint, 'an active mentor joins a chapter: nothing is listed');
select public.remove_member(tests.id('org_a'), tests.id('user_a1'));
select tests.act_as_owner();
select is_empty($$ select * from tests.paused_link_drift() $$,
  'after adding and removing chapter links and removing a paused mentor''s membership, the links match');

-- The admin tooling (service role) and the owner write links directly.
select tests.act_as_service_role();
insert into public.peer_mentor_chapters (peer_mentor_id, chapter_id) values (tests.id('mentor_a6'), tests.id('a_south'));
select is(tests.paused_links_of('mentor_a6'), 2::bigint, 'the service role links a paused mentor to a chapter: listed');
select tests.act_as_owner();
update public.peer_mentor_chapters set chapter_id = tests.id('a_west')
where peer_mentor_id = tests.id('mentor_a6') and chapter_id = tests.id('a_south');
select ok(exists (select from private.paused_mentor_chapters p
                  where p.peer_mentor_id = tests.id('mentor_a6') and p.chapter_id = tests.id('a_west')),
  'a paused mentor''s link moved to another chapter: the paused row moves with it');
update public.peer_mentor_chapters set peer_mentor_id = tests.id('mentor_a5')
where peer_mentor_id = tests.id('mentor_a6') and chapter_id = tests.id('a_west');
select is_empty($$ select * from tests.paused_link_drift() $$,
  'a link handed to an active mentor: it leaves the list, and the links match');
delete from public.chapters where id = tests.id('a_west');
select is_empty($$ select * from tests.paused_link_drift() $$, 'a chapter deleted: its paused links go with it');

-- The system: a resume that re-pauses for an expired certification, the nightly jobs.
insert into public.peer_mentor_certifications (peer_mentor_id, valid_until)
values (tests.id('mentor_b1'), (now() at time zone 'Europe/Oslo')::date - 1);
select tests.act_as('admin_b', 'org_b');
select results_eq(
  $$ select status::text, reason_code::text from public.deactivate_pause(tests.id('mentor_b1'), tests.id('org_b')) $$,
  $$ values ('paused', 'certification_expired') $$,
  'a resume with an expired certification pauses again in the same call'
);
select is(tests.paused_links_of('mentor_b1'), 1::bigint, '... and her link stays in the list');

select tests.act_as_owner();
update public.peer_mentor_status set expected_end = (now() at time zone 'Europe/Oslo')::date - 1
where peer_mentor_id = tests.id('mentor_a2');
select tests.run_nightly('inv-19-resume', 'scheduled_resume');
select is((tests.status_of('mentor_a2')).status::text, 'active', 'the nightly job resumes a pause whose expected end has passed');
select is(tests.paused_links_of('mentor_a2'), 0::bigint, '... and her link leaves the list');

insert into public.peer_mentor_certifications (peer_mentor_id, valid_until)
values (tests.id('mentor_a4'), (now() at time zone 'Europe/Oslo')::date - 1);
select tests.run_nightly('inv-19-expiry', 'certification_expiry');
select is(tests.paused_links_of('mentor_a4'), 1::bigint, 'the nightly expiry pauses a mentor: her link is listed');
select is_empty($$ select * from tests.paused_link_drift() $$, 'after the nightly jobs, the links match the statuses');

------------------------------------------------------------------------------------------------
-- The transition core's reads
------------------------------------------------------------------------------------------------

update private.status_transition_limit set max_transitions = 3;
select tests.act_as('user_a3', 'org_a');
select public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'personal');
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a3'), tests.id('org_a')) $$,
  'PM429', null,
  'the limit is read under the lock: a third change within the window is refused'
);
select tests.act_as_owner();
delete from private.status_transition_limit;
select tests.act_as('user_a3', 'org_a');
select results_eq(
  $$ select status::text from public.deactivate_pause(tests.id('mentor_a3'), tests.id('org_a')) $$,
  $$ values ('active') $$,
  'without a limit row, nothing is limited (as before)'
);
select tests.act_as_owner();
select is_empty($$ select * from tests.paused_link_drift() $$, 'and the links still match');

select tests.act_as('coord_south', 'org_a');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_b1'), tests.id('org_a'), 'personal') $$,
  'PM404', null,
  'a mentor of another organization is not found (no existence leak), from the one read before the lock'
);
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a5'), tests.id('org_a'), 'personal') $$,
  'PM403', null,
  'a coordinator of no chapter the mentor serves in: PM403 from the same read'
);
select tests.act_as('coord_north', 'org_a');
select results_eq(
  $$ select status::text from public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  $$ values ('active') $$,
  'the coordinator of a chapter the mentor serves in ends the pause she imposed'
);
select tests.act_as_owner();
select is_empty($$ select * from tests.paused_link_drift() $$, 'at the end, the links match the statuses');

select * from finish();
rollback;
