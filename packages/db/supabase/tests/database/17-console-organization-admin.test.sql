-- The console's organization read paths (20261206000000): my_organizations (the header's
-- switcher: a user's own organizations by name) and member_directory (people by name, need to
-- know: org admins every member with email; coordinators and mentors only the people who acted
-- in a timeline they may read). Who can read what, and who cannot.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(28);

------------------------------------------------------------------------------------------------
-- Structure and privileges
------------------------------------------------------------------------------------------------

select ok(
  (select bool_and(c.reloptions @> array['security_invoker=true'])
     from pg_catalog.pg_class c
     where c.oid in ('public.my_organizations'::regclass, 'public.member_directory'::regclass)),
  'both views run with the caller''s rights (security_invoker)'
);
select ok(
  not has_table_privilege('anon', 'public.my_organizations', 'SELECT')
    and not has_table_privilege('anon', 'public.member_directory', 'SELECT')
    and has_table_privilege('authenticated', 'public.my_organizations', 'SELECT')
    and has_table_privilege('authenticated', 'public.member_directory', 'SELECT')
    and not has_table_privilege('authenticated', 'public.my_organizations', 'INSERT, UPDATE, DELETE')
    and not has_table_privilege('authenticated', 'public.member_directory', 'INSERT, UPDATE, DELETE'),
  'authenticated may only read the two views; anon not at all'
);
select ok(
  not has_table_privilege('authenticated', 'private.person_names', 'SELECT, INSERT, UPDATE, DELETE')
    and not has_table_privilege('service_role', 'private.person_names', 'SELECT, INSERT, UPDATE, DELETE'),
  'no client role reads or writes private.person_names directly'
);

-- Names kept by the organization (as the owner), and a timeline with three kinds of actor.
insert into private.person_names (user_id, display_name) values
  (tests.id('admin_a'), 'Astrid Admin'),
  (tests.id('coord_north'), 'Nora North'),
  (tests.id('coord_south'), 'Sam South'),
  (tests.id('admin_b'), 'Bjørn Admin');

select tests.act_as('coord_north', 'org_a');
select lives_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'coordinator_decision') $$,
  'setup: coord_north pauses mentor_a1'
);
select tests.act_as('coord_south', 'org_a');
select lives_ok(
  $$ select public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'vacation') $$,
  'setup: coord_south pauses mentor_a2'
);
select tests.act_as('user_a3', 'org_a');
select lives_ok(
  $$ select public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'personal') $$,
  'setup: mentor_a3 pauses themself'
);

------------------------------------------------------------------------------------------------
-- my_organizations
------------------------------------------------------------------------------------------------

select tests.act_as('dual_user', 'org_a');
select results_eq(
  $$ select organization_name, role::text, is_current from public.my_organizations order by organization_name $$,
  $$ values ('Organization A', 'coordinator', true), ('Organization B', 'org_admin', false) $$,
  'a member of two organizations reads both by name, with their role in each and which one the token claims'
);
select is(
  (select count(*) from public.organizations),
  1::bigint,
  'while the organizations table itself still shows them only the claimed one'
);

select tests.act_as('dual_user', 'org_b');
select results_eq(
  $$ select organization_name from public.my_organizations where is_current $$,
  $$ values ('Organization B') $$,
  'after switching (a token claiming B), B is the current one'
);

select tests.act_as('user_a1', 'org_a');
select results_eq(
  $$ select organization_name, role::text, time_zone from public.my_organizations $$,
  $$ values ('Organization A', 'peer_mentor', 'Europe/Oslo') $$,
  'a mentor reads only their own membership'
);

select tests.act_as('outsider', 'org_a');
select is_empty(
  $$ select from public.my_organizations $$,
  'a user with no membership reads no organization, whatever their token claims'
);

select tests.act_as('dual_user', 'org_a', '{"exp": 1}');
select is_empty(
  $$ select from public.my_organizations $$,
  'expired claims identify nobody: no organization'
);

select tests.act_as_anon();
select throws_ok(
  $$ select from public.my_organizations $$,
  '42501', null,
  'anon cannot read my_organizations'
);

select tests.act_as_owner();
delete from public.organization_members
where organization_id = tests.id('org_b') and user_id = tests.id('dual_user');
select tests.act_as('dual_user', 'org_a');
select results_eq(
  $$ select organization_name from public.my_organizations $$,
  $$ values ('Organization A') $$,
  'a removed membership disappears from the switcher at once'
);

------------------------------------------------------------------------------------------------
-- member_directory: org admins
------------------------------------------------------------------------------------------------

select tests.act_as('admin_a', 'org_a');
select is(
  (select count(*) from public.member_directory),
  (select count(*) from public.organization_members where organization_id = tests.id('org_a')),
  'an org admin reads every member of their organization'
);
select results_eq(
  $$ select display_name, email, role::text from public.member_directory
     where user_id in (tests.id('coord_north'), tests.id('user_a1'), tests.id('coord_none'))
     order by email $$,
  $$ values (null, 'coord_none@example.test', 'coordinator'),
            ('Nora North', 'coord_north@example.test', 'coordinator'),
            ('Ada North', 'user_a1@example.test', 'peer_mentor') $$,
  'with name (the kept name, or the mentor''s display name), email and role; no kept name reads as null'
);
select is_empty(
  $$ select from public.member_directory where organization_id <> tests.id('org_a') $$,
  'and nobody of another organization'
);

select tests.act_as('admin_b', 'org_b');
select results_eq(
  $$ select display_name, email from public.member_directory order by email $$,
  $$ values ('Bjørn Admin', 'admin_b@example.test'), (null, 'coord_b@example.test'),
            ('Gro B', 'user_b1@example.test') $$,
  'the admin of organization B reads B''s members only'
);

select tests.act_as('admin_b', 'org_a');
select is_empty(
  $$ select from public.member_directory $$,
  'a token claiming an organization the caller is not a member of reads nobody'
);

------------------------------------------------------------------------------------------------
-- member_directory: coordinators and mentors (who acted in a timeline they may read)
------------------------------------------------------------------------------------------------

select tests.act_as('coord_north', 'org_a');
select results_eq(
  $$ select display_name, role::text, email from public.member_directory order by display_name $$,
  $$ values ('Cai North-South', 'peer_mentor', null::text), ('Nora North', 'coordinator', null),
            ('Sam South', 'coordinator', null) $$,
  'a coordinator reads the actors of the organization''s timelines by name and role, never an email'
);
select is_empty(
  $$ select from public.member_directory where user_id = tests.id('admin_a') or email is not null $$,
  'and nobody who has not acted (the org admin), and no email'
);

select tests.act_as('user_a1', 'org_a');
select results_eq(
  $$ select display_name, role::text, email from public.member_directory $$,
  $$ values ('Nora North', 'coordinator', null::text) $$,
  'a mentor reads the name of the coordinator who paused them, and nobody else'
);

select tests.act_as('user_a3', 'org_a');
select results_eq(
  $$ select display_name from public.member_directory $$,
  $$ values ('Cai North-South') $$,
  'a mentor who paused themself reads only themself'
);

select tests.act_as('user_b1', 'org_b');
select is_empty(
  $$ select from public.member_directory $$,
  'a mentor with no history reads nobody'
);

select tests.act_as('outsider', 'org_a');
select is_empty(
  $$ select from public.member_directory $$,
  'a user with no membership reads nobody'
);

select tests.act_as_anon();
select throws_ok(
  $$ select from public.member_directory $$,
  '42501', null,
  'anon cannot read member_directory'
);

-- A coordinator who leaves keeps their name in the timelines they acted on.
select tests.act_as_owner();
delete from public.organization_members
where organization_id = tests.id('org_a') and user_id = tests.id('coord_south');
select tests.act_as('user_a2', 'org_a');
select results_eq(
  $$ select display_name, role::text from public.member_directory $$,
  $$ values ('Sam South', null::text) $$,
  'a removed coordinator who acted stays named in the mentor''s timeline, with no current role'
);
select tests.act_as('admin_a', 'org_a');
select is_empty(
  $$ select from public.member_directory where user_id = tests.id('coord_south') $$,
  'while the org admin''s member list no longer shows them'
);

select * from finish();
rollback;
