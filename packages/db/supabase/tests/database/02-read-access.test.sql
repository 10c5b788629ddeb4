-- The READ side of the access matrix (DESIGN §5), for every table in schema public.
--
-- Callers: peer mentors (own rows only), coordinators (one chapter, several chapters, none),
-- an org admin, staff of the other organization, a user with no membership, anon (no
-- privilege at all) and service_role (bypasses row-level security).
-- Every read compares exact key sets; the expected sets are spelled out once below as views.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

------------------------------------------------------------------------------------------------
-- Extra world: audit-log rows and certifications, so log and certification reads are tested
-- on non-empty tables. Made through the RPCs, as the people who would make them.
--   mentor_a1  paused by coord_north (coordinator_decision)        -> log (a1, 1)
--   mentor_a2  paused and resumed by themselves                     -> log (a2, 1), (a2, 2)
--   mentor_a6  paused by the system (certification_expired)         -> log (a6, 1)
--   mentor_b1  paused by admin_b                                    -> log (b1, 1)
--   certifications: mentor_a1, mentor_a2, mentor_a3, mentor_a6, mentor_b1
------------------------------------------------------------------------------------------------
do $setup$
begin
  perform tests.act_as('coord_north', 'org_a');
  perform public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'coordinator_decision', 'needs a break');
  perform tests.act_as('user_a2', 'org_a');
  perform public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'vacation');
  perform public.deactivate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'back again');
  perform tests.act_as_service_role();
  perform public.activate_pause(tests.id('mentor_a6'), tests.id('org_a'), 'certification_expired');
  perform tests.act_as('admin_b', 'org_b');
  perform public.activate_pause(tests.id('mentor_b1'), tests.id('org_b'), 'health');
  perform tests.act_as_owner();
end
$setup$;

select tests.act_as_owner();
insert into public.peer_mentor_certifications (peer_mentor_id, valid_until) values
  (tests.id('mentor_a1'), current_date + 300),
  (tests.id('mentor_a2'), current_date + 30),
  (tests.id('mentor_a3'), current_date + 100),
  (tests.id('mentor_a6'), current_date - 1),
  (tests.id('mentor_b1'), current_date + 200);

------------------------------------------------------------------------------------------------
-- Expected key sets, per organization and table.
------------------------------------------------------------------------------------------------
create view tests.org_a_organizations as values (tests.id('org_a'));
create view tests.org_b_organizations as values (tests.id('org_b'));

create view tests.org_a_chapters as
  values (tests.id('a_north')), (tests.id('a_south')), (tests.id('a_west'));
create view tests.org_b_chapters as values (tests.id('b_main'));

create view tests.org_a_members (organization_id, user_id) as
  select tests.id('org_a'), tests.id(name)
  from unnest(array['admin_a', 'coord_north', 'coord_south', 'coord_multi', 'coord_none',
                    'dual_user', 'user_a1', 'user_a2', 'user_a3', 'user_a4', 'user_a5']) as name;
create view tests.org_b_members (organization_id, user_id) as
  select tests.id('org_b'), tests.id(name)
  from unnest(array['admin_b', 'coord_b', 'dual_user', 'user_b1']) as name;

create view tests.org_a_mentors as
  values (tests.id('mentor_a1')), (tests.id('mentor_a2')), (tests.id('mentor_a3')),
         (tests.id('mentor_a4')), (tests.id('mentor_a5')), (tests.id('mentor_a6'));
create view tests.org_b_mentors as values (tests.id('mentor_b1'));

create view tests.org_a_mentor_chapters (peer_mentor_id, chapter_id) as
  values (tests.id('mentor_a1'), tests.id('a_north')),
         (tests.id('mentor_a2'), tests.id('a_south')),
         (tests.id('mentor_a3'), tests.id('a_north')),
         (tests.id('mentor_a3'), tests.id('a_south')),
         (tests.id('mentor_a4'), tests.id('a_west')),
         (tests.id('mentor_a6'), tests.id('a_north'));
create view tests.org_b_mentor_chapters (peer_mentor_id, chapter_id) as
  values (tests.id('mentor_b1'), tests.id('b_main'));

create view tests.org_a_coordinator_chapters (user_id, chapter_id) as
  values (tests.id('coord_north'), tests.id('a_north')),
         (tests.id('coord_south'), tests.id('a_south')),
         (tests.id('coord_multi'), tests.id('a_north')),
         (tests.id('coord_multi'), tests.id('a_west')),
         (tests.id('dual_user'), tests.id('a_west'));
create view tests.org_b_coordinator_chapters (user_id, chapter_id) as
  values (tests.id('coord_b'), tests.id('b_main'));

create view tests.org_a_log (peer_mentor_id, version) as
  values (tests.id('mentor_a1'), 1), (tests.id('mentor_a2'), 1), (tests.id('mentor_a2'), 2),
         (tests.id('mentor_a6'), 1);
create view tests.org_b_log (peer_mentor_id, version) as
  values (tests.id('mentor_b1'), 1);

create view tests.org_a_certifications as
  values (tests.id('mentor_a1')), (tests.id('mentor_a2')), (tests.id('mentor_a3')), (tests.id('mentor_a6'));
create view tests.org_b_certifications as values (tests.id('mentor_b1'));

grant select on all tables in schema tests to authenticated, service_role;

select plan(118);

-- The setup really wrote what the reads below rely on (checked as the owner).
select set_eq(
  $$ select peer_mentor_id, version from public.peer_mentor_status_log $$,
  $$ table tests.org_a_log union all table tests.org_b_log $$,
  'the audit log holds the transitions made for this test, in both organizations'
);

------------------------------------------------------------------------------------------------
-- A peer mentor with one chapter (user_a1 -> mentor_a1, paused by a coordinator)
------------------------------------------------------------------------------------------------
select tests.act_as('user_a1', 'org_a');
select set_eq($$ select id from public.organizations $$,
  $$ table tests.org_a_organizations $$,
  'a peer mentor sees their own organization and no other');
select set_eq($$ select id from public.chapters $$,
  $$ table tests.org_a_chapters $$,
  'a peer mentor sees every chapter of their organization, not only their own');
select set_eq($$ select organization_id, user_id from public.organization_members $$,
  $$ values (tests.id('org_a'), tests.id('user_a1')) $$,
  'a peer mentor sees only their own membership row');
select set_eq($$ select id from public.peer_mentors $$,
  array[tests.id('mentor_a1')],
  'a peer mentor sees only their own mentor record');
select set_eq($$ select peer_mentor_id, chapter_id from public.peer_mentor_chapters $$,
  $$ values (tests.id('mentor_a1'), tests.id('a_north')) $$,
  'a peer mentor sees only their own chapter links');
select is_empty($$ select 1 from public.coordinator_chapters $$,
  'a peer mentor does not see which coordinator covers which chapter');
select set_eq($$ select peer_mentor_id from public.peer_mentor_status $$,
  array[tests.id('mentor_a1')],
  'a peer mentor sees only their own status, also while a coordinator has paused them');
select set_eq($$ select peer_mentor_id, version from public.peer_mentor_status_log $$,
  $$ values (tests.id('mentor_a1'), 1) $$,
  'a peer mentor sees only their own audit-log rows');
select set_eq($$ select peer_mentor_id from public.peer_mentor_certifications $$,
  array[tests.id('mentor_a1')],
  'a peer mentor sees only their own certification');

------------------------------------------------------------------------------------------------
-- A peer mentor serving two chapters, with no log rows (user_a3 -> mentor_a3)
------------------------------------------------------------------------------------------------
select tests.act_as('user_a3', 'org_a');
select set_eq($$ select id from public.organizations $$,
  $$ table tests.org_a_organizations $$,
  'a mentor of two chapters sees their own organization and no other');
select set_eq($$ select id from public.chapters $$,
  $$ table tests.org_a_chapters $$,
  'a mentor of two chapters sees every chapter of their organization');
select set_eq($$ select organization_id, user_id from public.organization_members $$,
  $$ values (tests.id('org_a'), tests.id('user_a3')) $$,
  'a mentor of two chapters sees only their own membership row');
select set_eq($$ select id from public.peer_mentors $$,
  array[tests.id('mentor_a3')],
  'a mentor of two chapters sees only their own mentor record');
select set_eq($$ select peer_mentor_id, chapter_id from public.peer_mentor_chapters $$,
  $$ values (tests.id('mentor_a3'), tests.id('a_north')), (tests.id('mentor_a3'), tests.id('a_south')) $$,
  'a mentor of two chapters sees both of their chapter links and no one else''s');
select is_empty($$ select 1 from public.coordinator_chapters $$,
  'a mentor of two chapters does not see coordinator assignments');
select set_eq($$ select peer_mentor_id from public.peer_mentor_status $$,
  array[tests.id('mentor_a3')],
  'a mentor of two chapters sees only their own status');
select is_empty($$ select 1 from public.peer_mentor_status_log $$,
  'a mentor with no transitions sees an empty audit log, although others in their chapters have rows');
select set_eq($$ select peer_mentor_id from public.peer_mentor_certifications $$,
  array[tests.id('mentor_a3')],
  'a mentor of two chapters sees only their own certification');

------------------------------------------------------------------------------------------------
-- A peer mentor with two transitions of their own (user_a2 -> mentor_a2)
------------------------------------------------------------------------------------------------
select tests.act_as('user_a2', 'org_a');
select set_eq($$ select peer_mentor_id, version from public.peer_mentor_status_log $$,
  $$ values (tests.id('mentor_a2'), 1), (tests.id('mentor_a2'), 2) $$,
  'a peer mentor sees both of their own transitions and no one else''s');
select set_eq($$ select peer_mentor_id from public.peer_mentor_status $$,
  array[tests.id('mentor_a2')],
  'after pausing and resuming, a peer mentor still sees only their own status');

------------------------------------------------------------------------------------------------
-- A peer mentor with no chapter, no certification and no history (user_a5 -> mentor_a5)
------------------------------------------------------------------------------------------------
select tests.act_as('user_a5', 'org_a');
select set_eq($$ select id from public.peer_mentors $$,
  array[tests.id('mentor_a5')],
  'a mentor without a chapter sees their own mentor record');
select set_eq($$ select peer_mentor_id from public.peer_mentor_status $$,
  array[tests.id('mentor_a5')],
  'a mentor without a chapter sees their own status');
select is_empty($$ select 1 from public.peer_mentor_chapters $$,
  'a mentor without a chapter sees no chapter links at all');
select is_empty($$ select 1 from public.peer_mentor_status_log $$,
  'a mentor without history sees no audit-log rows');
select is_empty($$ select 1 from public.peer_mentor_certifications $$,
  'a mentor without a certification sees no certification rows');

------------------------------------------------------------------------------------------------
-- Staff of organization A: everything of their organization, covered chapters or not.
------------------------------------------------------------------------------------------------
-- coord_north: coordinator of one chapter.
select tests.act_as('coord_north', 'org_a');
select set_eq($$ select id from public.organizations $$, $$ table tests.org_a_organizations $$,
  'a coordinator sees their organization and no other');
select set_eq($$ select id from public.chapters $$, $$ table tests.org_a_chapters $$,
  'a coordinator sees every chapter of their organization, covered or not');
select set_eq($$ select organization_id, user_id from public.organization_members $$, $$ table tests.org_a_members $$,
  'a coordinator sees every membership of their organization');
select set_eq($$ select id from public.peer_mentors $$, $$ table tests.org_a_mentors $$,
  'a coordinator sees every mentor of their organization, in covered chapters or not');
select set_eq($$ select peer_mentor_id, chapter_id from public.peer_mentor_chapters $$, $$ table tests.org_a_mentor_chapters $$,
  'a coordinator sees every mentor-chapter link of their organization');
select set_eq($$ select user_id, chapter_id from public.coordinator_chapters $$, $$ table tests.org_a_coordinator_chapters $$,
  'a coordinator sees every coordinator assignment of their organization');
select set_eq($$ select peer_mentor_id from public.peer_mentor_status $$, $$ table tests.org_a_mentors $$,
  'a coordinator sees the status of every mentor of their organization');
select set_eq($$ select peer_mentor_id, version from public.peer_mentor_status_log $$, $$ table tests.org_a_log $$,
  'a coordinator sees the whole audit log of their organization, including mentors outside their chapter');
select set_eq($$ select peer_mentor_id from public.peer_mentor_certifications $$, $$ table tests.org_a_certifications $$,
  'a coordinator sees every certification of their organization');

-- coord_multi: coordinator of several chapters.
select tests.act_as('coord_multi', 'org_a');
select set_eq($$ select id from public.organizations $$, $$ table tests.org_a_organizations $$,
  'a coordinator of several chapters sees their organization and no other');
select set_eq($$ select id from public.chapters $$, $$ table tests.org_a_chapters $$,
  'a coordinator of several chapters sees every chapter of their organization');
select set_eq($$ select organization_id, user_id from public.organization_members $$, $$ table tests.org_a_members $$,
  'a coordinator of several chapters sees every membership of their organization');
select set_eq($$ select id from public.peer_mentors $$, $$ table tests.org_a_mentors $$,
  'a coordinator of several chapters sees every mentor of their organization');
select set_eq($$ select peer_mentor_id, chapter_id from public.peer_mentor_chapters $$, $$ table tests.org_a_mentor_chapters $$,
  'a coordinator of several chapters sees every mentor-chapter link of their organization');
select set_eq($$ select user_id, chapter_id from public.coordinator_chapters $$, $$ table tests.org_a_coordinator_chapters $$,
  'a coordinator of several chapters sees every coordinator assignment of their organization');
select set_eq($$ select peer_mentor_id from public.peer_mentor_status $$, $$ table tests.org_a_mentors $$,
  'a coordinator of several chapters sees the status of every mentor of their organization');
select set_eq($$ select peer_mentor_id, version from public.peer_mentor_status_log $$, $$ table tests.org_a_log $$,
  'a coordinator of several chapters sees the whole audit log of their organization');
select set_eq($$ select peer_mentor_id from public.peer_mentor_certifications $$, $$ table tests.org_a_certifications $$,
  'a coordinator of several chapters sees every certification of their organization');

-- coord_none: coordinator who covers no chapter yet.
select tests.act_as('coord_none', 'org_a');
select set_eq($$ select id from public.organizations $$, $$ table tests.org_a_organizations $$,
  'a coordinator without chapters sees their organization and no other');
select set_eq($$ select id from public.chapters $$, $$ table tests.org_a_chapters $$,
  'a coordinator without chapters sees every chapter of their organization');
select set_eq($$ select organization_id, user_id from public.organization_members $$, $$ table tests.org_a_members $$,
  'a coordinator without chapters sees every membership of their organization');
select set_eq($$ select id from public.peer_mentors $$, $$ table tests.org_a_mentors $$,
  'a coordinator without chapters still sees every mentor of their organization');
select set_eq($$ select peer_mentor_id, chapter_id from public.peer_mentor_chapters $$, $$ table tests.org_a_mentor_chapters $$,
  'a coordinator without chapters sees every mentor-chapter link of their organization');
select set_eq($$ select user_id, chapter_id from public.coordinator_chapters $$, $$ table tests.org_a_coordinator_chapters $$,
  'a coordinator without chapters sees every coordinator assignment of their organization');
select set_eq($$ select peer_mentor_id from public.peer_mentor_status $$, $$ table tests.org_a_mentors $$,
  'a coordinator without chapters sees the status of every mentor of their organization');
select set_eq($$ select peer_mentor_id, version from public.peer_mentor_status_log $$, $$ table tests.org_a_log $$,
  'a coordinator without chapters sees the whole audit log of their organization');
select set_eq($$ select peer_mentor_id from public.peer_mentor_certifications $$, $$ table tests.org_a_certifications $$,
  'a coordinator without chapters sees every certification of their organization');

-- admin_a: org admin.
select tests.act_as('admin_a', 'org_a');
select set_eq($$ select id from public.organizations $$, $$ table tests.org_a_organizations $$,
  'an org admin sees their organization and no other');
select set_eq($$ select id from public.chapters $$, $$ table tests.org_a_chapters $$,
  'an org admin sees every chapter of their organization');
select set_eq($$ select organization_id, user_id from public.organization_members $$, $$ table tests.org_a_members $$,
  'an org admin sees every membership of their organization');
select set_eq($$ select id from public.peer_mentors $$, $$ table tests.org_a_mentors $$,
  'an org admin sees every mentor of their organization');
select set_eq($$ select peer_mentor_id, chapter_id from public.peer_mentor_chapters $$, $$ table tests.org_a_mentor_chapters $$,
  'an org admin sees every mentor-chapter link of their organization');
select set_eq($$ select user_id, chapter_id from public.coordinator_chapters $$, $$ table tests.org_a_coordinator_chapters $$,
  'an org admin sees every coordinator assignment of their organization');
select set_eq($$ select peer_mentor_id from public.peer_mentor_status $$, $$ table tests.org_a_mentors $$,
  'an org admin sees the status of every mentor of their organization');
select set_eq($$ select peer_mentor_id, version from public.peer_mentor_status_log $$, $$ table tests.org_a_log $$,
  'an org admin sees the whole audit log of their organization');
select set_eq($$ select peer_mentor_id from public.peer_mentor_certifications $$, $$ table tests.org_a_certifications $$,
  'an org admin sees every certification of their organization');

------------------------------------------------------------------------------------------------
-- Staff of organization B: nothing of organization A.
------------------------------------------------------------------------------------------------
select tests.act_as('coord_b', 'org_b');
select is_empty($$ select 1 from public.organizations where id = tests.id('org_a') $$,
  'a coordinator of organization B does not see organization A');
select is_empty($$ select 1 from public.chapters where organization_id = tests.id('org_a') $$,
  'a coordinator of organization B sees no chapter of organization A');
select is_empty($$ select 1 from public.organization_members where organization_id = tests.id('org_a') $$,
  'a coordinator of organization B sees no membership of organization A');
select is_empty($$ select 1 from public.peer_mentors where organization_id = tests.id('org_a') $$,
  'a coordinator of organization B sees no mentor of organization A');
select is_empty($$ select 1 from public.peer_mentor_chapters where organization_id = tests.id('org_a') $$,
  'a coordinator of organization B sees no mentor-chapter link of organization A');
select is_empty($$ select 1 from public.coordinator_chapters where organization_id = tests.id('org_a') $$,
  'a coordinator of organization B sees no coordinator assignment of organization A');
select is_empty($$ select 1 from public.peer_mentor_status where organization_id = tests.id('org_a') $$,
  'a coordinator of organization B sees no status of organization A');
select is_empty($$ select 1 from public.peer_mentor_status_log where organization_id = tests.id('org_a') $$,
  'a coordinator of organization B sees no audit-log row of organization A');
select is_empty($$ select 1 from public.peer_mentor_certifications where organization_id = tests.id('org_a') $$,
  'a coordinator of organization B sees no certification of organization A');

-- admin_b sees exactly organization B: their own organization's rows, nothing else.
select tests.act_as('admin_b', 'org_b');
select set_eq($$ select id from public.organizations $$, $$ table tests.org_b_organizations $$,
  'an org admin of organization B sees organization B only');
select set_eq($$ select id from public.chapters $$, $$ table tests.org_b_chapters $$,
  'an org admin of organization B sees exactly the chapters of organization B');
select set_eq($$ select organization_id, user_id from public.organization_members $$, $$ table tests.org_b_members $$,
  'an org admin of organization B sees exactly the memberships of organization B');
select set_eq($$ select id from public.peer_mentors $$, $$ table tests.org_b_mentors $$,
  'an org admin of organization B sees exactly the mentors of organization B');
select set_eq($$ select peer_mentor_id, chapter_id from public.peer_mentor_chapters $$, $$ table tests.org_b_mentor_chapters $$,
  'an org admin of organization B sees exactly the mentor-chapter links of organization B');
select set_eq($$ select user_id, chapter_id from public.coordinator_chapters $$, $$ table tests.org_b_coordinator_chapters $$,
  'an org admin of organization B sees exactly the coordinator assignments of organization B');
select set_eq($$ select peer_mentor_id from public.peer_mentor_status $$, $$ table tests.org_b_mentors $$,
  'an org admin of organization B sees exactly the statuses of organization B');
select set_eq($$ select peer_mentor_id, version from public.peer_mentor_status_log $$, $$ table tests.org_b_log $$,
  'an org admin of organization B sees exactly the audit log of organization B');
select set_eq($$ select peer_mentor_id from public.peer_mentor_certifications $$, $$ table tests.org_b_certifications $$,
  'an org admin of organization B sees exactly the certifications of organization B');

------------------------------------------------------------------------------------------------
-- A user with no membership anywhere: nothing, whether or not they claim an organization.
------------------------------------------------------------------------------------------------
select tests.act_as('outsider', 'org_a');
select is_empty($$ select 1 from public.organizations $$,
  'a user without a membership who claims organization A sees no organization');
select is_empty($$ select 1 from public.chapters $$,
  'a user without a membership who claims organization A sees no chapter');
select is_empty($$ select 1 from public.organization_members $$,
  'a user without a membership who claims organization A sees no membership');
select is_empty($$ select 1 from public.peer_mentors $$,
  'a user without a membership who claims organization A sees no mentor');
select is_empty($$ select 1 from public.peer_mentor_chapters $$,
  'a user without a membership who claims organization A sees no mentor-chapter link');
select is_empty($$ select 1 from public.coordinator_chapters $$,
  'a user without a membership who claims organization A sees no coordinator assignment');
select is_empty($$ select 1 from public.peer_mentor_status $$,
  'a user without a membership who claims organization A sees no status');
select is_empty($$ select 1 from public.peer_mentor_status_log $$,
  'a user without a membership who claims organization A sees no audit-log row');
select is_empty($$ select 1 from public.peer_mentor_certifications $$,
  'a user without a membership who claims organization A sees no certification');

select tests.act_as('outsider');
select is_empty($$ select 1 from public.organizations $$,
  'a user without a membership or a claim sees no organization');
select is_empty($$ select 1 from public.chapters $$,
  'a user without a membership or a claim sees no chapter');
select is_empty($$ select 1 from public.organization_members $$,
  'a user without a membership or a claim sees no membership');
select is_empty($$ select 1 from public.peer_mentors $$,
  'a user without a membership or a claim sees no mentor');
select is_empty($$ select 1 from public.peer_mentor_chapters $$,
  'a user without a membership or a claim sees no mentor-chapter link');
select is_empty($$ select 1 from public.coordinator_chapters $$,
  'a user without a membership or a claim sees no coordinator assignment');
select is_empty($$ select 1 from public.peer_mentor_status $$,
  'a user without a membership or a claim sees no status');
select is_empty($$ select 1 from public.peer_mentor_status_log $$,
  'a user without a membership or a claim sees no audit-log row');
select is_empty($$ select 1 from public.peer_mentor_certifications $$,
  'a user without a membership or a claim sees no certification');

------------------------------------------------------------------------------------------------
-- anon holds no privilege at all: reading any table is refused, not just filtered.
------------------------------------------------------------------------------------------------
select tests.act_as_anon();
select throws_ok($$ select 1 from public.organizations $$,
  '42501', 'permission denied for table organizations',
  'anon cannot read organizations');
select throws_ok($$ select 1 from public.chapters $$,
  '42501', 'permission denied for table chapters',
  'anon cannot read chapters');
select throws_ok($$ select 1 from public.organization_members $$,
  '42501', 'permission denied for table organization_members',
  'anon cannot read memberships');
select throws_ok($$ select 1 from public.peer_mentors $$,
  '42501', 'permission denied for table peer_mentors',
  'anon cannot read peer mentors');
select throws_ok($$ select 1 from public.peer_mentor_chapters $$,
  '42501', 'permission denied for table peer_mentor_chapters',
  'anon cannot read mentor-chapter links');
select throws_ok($$ select 1 from public.coordinator_chapters $$,
  '42501', 'permission denied for table coordinator_chapters',
  'anon cannot read coordinator assignments');
select throws_ok($$ select 1 from public.peer_mentor_status $$,
  '42501', 'permission denied for table peer_mentor_status',
  'anon cannot read any status');
select throws_ok($$ select 1 from public.peer_mentor_status_log $$,
  '42501', 'permission denied for table peer_mentor_status_log',
  'anon cannot read the audit log');
select throws_ok($$ select 1 from public.peer_mentor_certifications $$,
  '42501', 'permission denied for table peer_mentor_certifications',
  'anon cannot read certifications');

------------------------------------------------------------------------------------------------
-- service_role bypasses row-level security: it sees both organizations.
------------------------------------------------------------------------------------------------
select tests.act_as_service_role();
select set_eq($$ select id from public.organizations $$,
  $$ table tests.org_a_organizations union all table tests.org_b_organizations $$,
  'the service role sees both organizations');
select set_eq($$ select id from public.chapters $$,
  $$ table tests.org_a_chapters union all table tests.org_b_chapters $$,
  'the service role sees the chapters of both organizations');
select set_eq($$ select organization_id, user_id from public.organization_members $$,
  $$ table tests.org_a_members union all table tests.org_b_members $$,
  'the service role sees the memberships of both organizations');
select set_eq($$ select id from public.peer_mentors $$,
  $$ table tests.org_a_mentors union all table tests.org_b_mentors $$,
  'the service role sees the mentors of both organizations');
select set_eq($$ select peer_mentor_id, chapter_id from public.peer_mentor_chapters $$,
  $$ table tests.org_a_mentor_chapters union all table tests.org_b_mentor_chapters $$,
  'the service role sees the mentor-chapter links of both organizations');
select set_eq($$ select user_id, chapter_id from public.coordinator_chapters $$,
  $$ table tests.org_a_coordinator_chapters union all table tests.org_b_coordinator_chapters $$,
  'the service role sees the coordinator assignments of both organizations');
select set_eq($$ select peer_mentor_id from public.peer_mentor_status $$,
  $$ table tests.org_a_mentors union all table tests.org_b_mentors $$,
  'the service role sees the statuses of both organizations');
select set_eq($$ select peer_mentor_id, version from public.peer_mentor_status_log $$,
  $$ table tests.org_a_log union all table tests.org_b_log $$,
  'the service role sees the audit log of both organizations');
select set_eq($$ select peer_mentor_id from public.peer_mentor_certifications $$,
  $$ table tests.org_a_certifications union all table tests.org_b_certifications $$,
  'the service role sees the certifications of both organizations');

------------------------------------------------------------------------------------------------
-- What the visible rows say: a mentor reads their own pause as the coordinator left it, and
-- staff read the log's details for mentors they do not coordinate.
------------------------------------------------------------------------------------------------
select tests.act_as('user_a1', 'org_a');
select results_eq(
  $$ select s.status::text, s.reason_code::text, n.note, s.paused_by, s.paused_by_role::text, s.version
     from public.peer_mentor_status s
     left join public.peer_mentor_status_notes n on n.peer_mentor_id = s.peer_mentor_id and n.version = s.version $$,
  $$ values ('paused', 'coordinator_decision', 'needs a break', tests.id('coord_north'), 'coordinator', 1) $$,
  'a peer mentor reads the pause a coordinator imposed on them, with reason, note and who paused them'
);
select tests.act_as('coord_south', 'org_a');
select results_eq(
  $$ select peer_mentor_id, from_status::text, to_status::text, reason_code::text, actor_user_id, actor_role::text, version
     from public.peer_mentor_status_log order by peer_mentor_id, version $$,
  $$ select * from (values
       (tests.id('mentor_a1'), 'active', 'paused', 'coordinator_decision', tests.id('coord_north'), 'coordinator', 1),
       (tests.id('mentor_a2'), 'active', 'paused', 'vacation', tests.id('user_a2'), 'peer_mentor', 1),
       (tests.id('mentor_a2'), 'paused', 'active', null, tests.id('user_a2'), 'peer_mentor', 2),
       (tests.id('mentor_a6'), 'active', 'paused', 'certification_expired', null::uuid, 'system', 1)
     ) as l (peer_mentor_id, from_status, to_status, reason_code, actor_user_id, actor_role, version)
     order by peer_mentor_id, version $$,
  'a coordinator of another chapter reads every audit-log entry of their organization in full'
);

select * from finish();
rollback;
