-- Write privileges and the audit log (DESIGN §4, §5):
--   * no client role (anon, authenticated as mentor / coordinator / org admin, service_role)
--     can insert, update, delete or truncate peer_mentor_status or peer_mentor_status_log;
--   * authenticated and anon cannot write any other public table; service_role maintains them;
--   * the log is append-only for every role, the table owner included, and survives cascades;
--   * the fields of the log rows written by a coordinator's pause and the system's resume.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

------------------------------------------------------------------------------------------------
-- Direct writes to try, written once and run as each role. Each statement would succeed (or
-- at least fail differently) for a role holding the privilege, so 42501 is the only proof.
------------------------------------------------------------------------------------------------
create table tests.status_writes (ord int primary key, tbl text not null, what text not null, stmt text not null);
insert into tests.status_writes values
  (1, 'peer_mentor_status', 'insert a status row',
   $$ insert into public.peer_mentor_status (peer_mentor_id, organization_id, status, reason_code, paused_at, paused_by_role)
      values (tests.id('mentor_a2'), tests.id('org_a'), 'paused', 'health', now(), 'peer_mentor') $$),
  (2, 'peer_mentor_status', 'update a status row',
   $$ update public.peer_mentor_status set version = version + 1 where peer_mentor_id = tests.id('mentor_a1') $$),
  (3, 'peer_mentor_status', 'delete a status row',
   $$ delete from public.peer_mentor_status where peer_mentor_id = tests.id('mentor_a2') $$),
  (4, 'peer_mentor_status', 'truncate the status table',
   $$ truncate public.peer_mentor_status $$),
  (5, 'peer_mentor_status_log', 'insert an audit-log entry',
   $$ insert into public.peer_mentor_status_log
        (peer_mentor_id, organization_id, from_status, to_status, reason_code, actor_user_id, actor_role, version)
      values (tests.id('mentor_a2'), tests.id('org_a'), 'active', 'paused', 'health', tests.id('user_a2'), 'peer_mentor', 1) $$),
  (6, 'peer_mentor_status_log', 'rewrite an audit-log entry',
   $$ update public.peer_mentor_status_log set expected_end = current_date where peer_mentor_id = tests.id('mentor_a1') $$),
  (7, 'peer_mentor_status_log', 'delete an audit-log entry',
   $$ delete from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a1') $$),
  (8, 'peer_mentor_status_log', 'truncate the audit log',
   $$ truncate public.peer_mentor_status_log $$);

create table tests.management_writes (ord int primary key, tbl text not null, what text not null, stmt text not null);
insert into tests.management_writes values
  (1, 'organizations', 'create an organization',
   $$ insert into public.organizations (name) values ('Organization C') $$),
  (2, 'organizations', 'rename an organization',
   $$ update public.organizations set name = 'Renamed' where id = tests.id('org_a') $$),
  (3, 'organizations', 'delete an organization',
   $$ delete from public.organizations where id = tests.id('org_b') $$),
  (4, 'chapters', 'create a chapter',
   $$ insert into public.chapters (organization_id, name) values (tests.id('org_a'), 'A East') $$),
  (5, 'chapters', 'rename a chapter',
   $$ update public.chapters set name = 'Renamed' where id = tests.id('a_north') $$),
  (6, 'chapters', 'delete a chapter',
   $$ delete from public.chapters where id = tests.id('a_south') $$),
  (7, 'organization_members', 'add a member',
   $$ insert into public.organization_members (organization_id, user_id, role)
      values (tests.id('org_a'), tests.id('outsider'), 'org_admin') $$),
  (8, 'organization_members', 'change a member''s role',
   $$ update public.organization_members set role = 'org_admin'
      where organization_id = tests.id('org_a') and user_id = tests.id('coord_none') $$),
  (9, 'organization_members', 'remove a member',
   $$ delete from public.organization_members
      where organization_id = tests.id('org_a') and user_id = tests.id('user_a5') $$),
  (10, 'peer_mentors', 'create a peer mentor',
   $$ insert into public.peer_mentors (organization_id, display_name) values (tests.id('org_a'), 'Intruder') $$),
  (11, 'peer_mentors', 'rename a peer mentor',
   $$ update public.peer_mentors set display_name = 'Renamed' where id = tests.id('mentor_a1') $$),
  (12, 'peer_mentors', 'delete a peer mentor',
   $$ delete from public.peer_mentors where id = tests.id('mentor_a5') $$),
  (13, 'peer_mentor_chapters', 'link a mentor to a chapter',
   $$ insert into public.peer_mentor_chapters (peer_mentor_id, chapter_id) values (tests.id('mentor_a5'), tests.id('a_west')) $$),
  (14, 'peer_mentor_chapters', 'move a mentor to another chapter',
   $$ update public.peer_mentor_chapters set chapter_id = tests.id('a_west')
      where peer_mentor_id = tests.id('mentor_a1') and chapter_id = tests.id('a_north') $$),
  (15, 'peer_mentor_chapters', 'unlink a mentor from a chapter',
   $$ delete from public.peer_mentor_chapters
      where peer_mentor_id = tests.id('mentor_a2') and chapter_id = tests.id('a_south') $$),
  (16, 'coordinator_chapters', 'assign a coordinator to a chapter',
   $$ insert into public.coordinator_chapters (user_id, chapter_id) values (tests.id('coord_none'), tests.id('a_south')) $$),
  (17, 'coordinator_chapters', 'move a coordinator to another chapter',
   $$ update public.coordinator_chapters set chapter_id = tests.id('a_south')
      where user_id = tests.id('coord_north') and chapter_id = tests.id('a_north') $$),
  (18, 'coordinator_chapters', 'unassign a coordinator',
   $$ delete from public.coordinator_chapters
      where user_id = tests.id('coord_south') and chapter_id = tests.id('a_south') $$),
  (19, 'peer_mentor_certifications', 'record a certification',
   $$ insert into public.peer_mentor_certifications (peer_mentor_id, valid_until)
      values (tests.id('mentor_a4'), current_date + 365) $$),
  (20, 'peer_mentor_certifications', 'extend a certification',
   $$ update public.peer_mentor_certifications set valid_until = current_date + 3650
      where peer_mentor_id = tests.id('mentor_a1') $$),
  (21, 'peer_mentor_certifications', 'delete a certification',
   $$ delete from public.peer_mentor_certifications where peer_mentor_id = tests.id('mentor_a1') $$);

grant select on tests.status_writes, tests.management_writes to anon, authenticated, service_role;

-- The truth of every management table, read as the owner whatever the current role.
create function tests.management_fingerprint()
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select md5(concat_ws('|',
    (select string_agg(t::text, ',' order by t.id) from public.organizations t),
    (select string_agg(t::text, ',' order by t.id) from public.chapters t),
    (select string_agg(t::text, ',' order by t.organization_id, t.user_id) from public.organization_members t),
    (select string_agg(t::text, ',' order by t.id) from public.peer_mentors t),
    (select string_agg(t::text, ',' order by t.peer_mentor_id, t.chapter_id) from public.peer_mentor_chapters t),
    (select string_agg(t::text, ',' order by t.user_id, t.chapter_id) from public.coordinator_chapters t),
    (select string_agg(t::text, ',' order by t.peer_mentor_id) from public.peer_mentor_certifications t)))
$$;
grant execute on function tests.management_fingerprint() to anon, authenticated, service_role;

insert into public.peer_mentor_certifications (peer_mentor_id, valid_until)
values (tests.id('mentor_a1'), current_date + 30);

select plan(126);

------------------------------------------------------------------------------------------------
-- 1. The log rows of a coordinator's pause and the system's resume.
------------------------------------------------------------------------------------------------
select tests.act_as('coord_north', 'org_a');
select lives_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'coordinator_decision',
                                  'needs a break', current_date + 14) $$,
  'a coordinator pauses mentor_a1 of their chapter'
);
select tests.act_as_service_role();
select lives_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'ended by the system') $$,
  'the system (service role) ends the coordinator''s pause of mentor_a1'
);
select tests.act_as('coord_south', 'org_a');
select lives_ok(
  $$ select public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'health') $$,
  'a coordinator of a_south pauses mentor_a3'
);
select tests.act_as_service_role();
select lives_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a3'), tests.id('org_a')) $$,
  'the system ends the pause of mentor_a3'
);

select tests.act_as('admin_a', 'org_a');
select results_eq(
  $$ select organization_id, from_status::text, to_status::text, reason_code::text, tests.note_of(peer_mentor_id, version) as note, expected_end,
            actor_user_id, actor_role::text, version
     from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a1') order by version $$,
  $$ values
       (tests.id('org_a'), 'active', 'paused', 'coordinator_decision', 'needs a break', current_date + 14,
        tests.id('coord_north'), 'coordinator', 1),
       (tests.id('org_a'), 'paused', 'active', null, 'ended by the system', null::date,
        null::uuid, 'system', 2) $$,
  'the log names the coordinator who paused (version 1) and records the system, with no user, as the one who resumed (version 2)'
);
select ok(
  (select bool_and(created_at is not null) from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a1')),
  'every log row carries the time of its transition'
);
select results_eq(
  $$ select peer_mentor_id, version from public.peer_mentor_status_log order by peer_mentor_id, version $$,
  $$ select * from (values (tests.id('mentor_a1'), 1), (tests.id('mentor_a1'), 2),
                           (tests.id('mentor_a3'), 1), (tests.id('mentor_a3'), 2)) as v (m, n)
     order by m, n $$,
  'versions count 1, 2 per mentor, independently for each mentor'
);
select results_eq(
  $$ select status::text, reason_code::text, paused_by, paused_by_role::text, version
     from public.peer_mentor_status where peer_mentor_id = tests.id('mentor_a1') $$,
  $$ values ('active', null::text, null::uuid, null::text, 2) $$,
  'after the system''s resume mentor_a1 is active at version 2, matching the newest log row'
);

------------------------------------------------------------------------------------------------
-- 2. No client role writes the status or the log directly (42501), and nothing changes.
------------------------------------------------------------------------------------------------
select tests.remember_state();

select tests.act_as_anon();
select throws_ok(w.stmt, '42501', 'permission denied for table ' || w.tbl, 'anon cannot ' || w.what)
from (select * from tests.status_writes order by ord) w;
select tests.state_unchanged('statuses and log are unchanged after anon''s attempts');

select tests.act_as('user_a1', 'org_a');
select throws_ok(w.stmt, '42501', 'permission denied for table ' || w.tbl, 'a peer mentor cannot ' || w.what)
from (select * from tests.status_writes order by ord) w;
select tests.state_unchanged('statuses and log are unchanged after a peer mentor''s attempts');

select tests.act_as('coord_north', 'org_a');
select throws_ok(w.stmt, '42501', 'permission denied for table ' || w.tbl, 'a coordinator cannot ' || w.what)
from (select * from tests.status_writes order by ord) w;
select tests.state_unchanged('statuses and log are unchanged after a coordinator''s attempts');

select tests.act_as('admin_a', 'org_a');
select throws_ok(w.stmt, '42501', 'permission denied for table ' || w.tbl, 'an org admin cannot ' || w.what)
from (select * from tests.status_writes order by ord) w;
select tests.state_unchanged('statuses and log are unchanged after an org admin''s attempts');

select tests.act_as_service_role();
select throws_ok(w.stmt, '42501', 'permission denied for table ' || w.tbl, 'the service role cannot ' || w.what)
from (select * from tests.status_writes order by ord) w;
select tests.state_unchanged('statuses and log are unchanged after the service role''s attempts');

------------------------------------------------------------------------------------------------
-- 3. authenticated (even an org admin) and anon cannot write any other public table.
------------------------------------------------------------------------------------------------
select tests.act_as_owner();
do $$ begin perform set_config('tests.management_before', tests.management_fingerprint(), true); end $$;

select tests.act_as('admin_a', 'org_a');
select throws_ok(w.stmt, '42501', 'permission denied for table ' || w.tbl, 'an org admin cannot ' || w.what || ' directly')
from (select * from tests.management_writes order by ord) w;
select is(tests.management_fingerprint(), current_setting('tests.management_before'),
  'the management tables are unchanged after the org admin''s attempts');

select tests.act_as_anon();
select throws_ok(w.stmt, '42501', 'permission denied for table ' || w.tbl, 'anon cannot ' || w.what)
from (select * from tests.management_writes order by ord) w;
select is(tests.management_fingerprint(), current_setting('tests.management_before'),
  'the management tables are unchanged after anon''s attempts');

------------------------------------------------------------------------------------------------
-- 4. service_role maintains the management tables; a new mentor gets its status row.
------------------------------------------------------------------------------------------------
select tests.act_as_service_role();
select lives_ok(
  $$ insert into public.organizations (id, name, time_zone) values (tests.id('org_c'), 'Organization C', 'Europe/Oslo') $$,
  'the service role creates an organization (its time-zone check runs for the service role)'
);
select lives_ok(
  $$ insert into public.chapters (id, organization_id, name) values (tests.id('a_east'), tests.id('org_a'), 'A East') $$,
  'the service role creates a chapter'
);
select lives_ok(
  $$ insert into public.peer_mentors (id, organization_id, display_name) values (tests.id('mentor_a7'), tests.id('org_a'), 'Hal New') $$,
  'the service role creates a peer mentor'
);
select results_eq(
  $$ select organization_id, status::text, reason_code::text, paused_at, version
     from public.peer_mentor_status where peer_mentor_id = tests.id('mentor_a7') $$,
  $$ values (tests.id('org_a'), 'active', null::text, null::timestamptz, 0) $$,
  'the new mentor has its status row at once: active, version 0'
);
select lives_ok(
  $$ insert into public.peer_mentor_chapters (peer_mentor_id, chapter_id) values (tests.id('mentor_a7'), tests.id('a_east')) $$,
  'the service role links the new mentor to the new chapter'
);
select lives_ok(
  $$ insert into public.organization_members (organization_id, user_id, role) values (tests.id('org_a'), tests.id('outsider'), 'coordinator') $$,
  'the service role adds a member'
);
select lives_ok(
  $$ insert into public.coordinator_chapters (user_id, chapter_id) values (tests.id('outsider'), tests.id('a_east')) $$,
  'the service role assigns the new coordinator to the new chapter'
);
select lives_ok(
  $$ insert into public.peer_mentor_certifications (peer_mentor_id, valid_until) values (tests.id('mentor_a7'), current_date + 365) $$,
  'the service role records the new mentor''s certification'
);
select results_eq(
  $$ select (select organization_id from public.peer_mentor_chapters where peer_mentor_id = tests.id('mentor_a7')),
            (select organization_id from public.coordinator_chapters where user_id = tests.id('outsider')),
            (select organization_id from public.peer_mentor_certifications where peer_mentor_id = tests.id('mentor_a7')) $$,
  $$ values (tests.id('org_a'), tests.id('org_a'), tests.id('org_a')) $$,
  'links, assignments and certifications take the organization of their mentor or chapter'
);
select lives_ok(
  $$ update public.peer_mentor_certifications set valid_until = current_date + 730 where peer_mentor_id = tests.id('mentor_a7') $$,
  'the service role extends a certification'
);
select lives_ok(
  $$ update public.organization_members set role = 'org_admin'
     where organization_id = tests.id('org_a') and user_id = tests.id('outsider') $$,
  'the service role changes a member''s role'
);
select lives_ok(
  $$ delete from public.peer_mentor_chapters where peer_mentor_id = tests.id('mentor_a7') and chapter_id = tests.id('a_east') $$,
  'the service role unlinks a mentor from a chapter'
);
-- The new coordinator, now org admin, works at once through the RPCs.
select tests.act_as('outsider', 'org_a');
select results_eq(
  $$ select status::text, paused_by_role::text, version
     from public.activate_pause(tests.id('mentor_a7'), tests.id('org_a'), 'coordinator_decision') $$,
  $$ values ('paused', 'org_admin', 1) $$,
  'a member added by the service role pauses the new mentor: version 0 becomes 1'
);
select tests.act_as_service_role();
select lives_ok(
  $$ delete from public.peer_mentors where id = tests.id('mentor_a5') $$,
  'the service role deletes a mentor without history'
);
select is((tests.status_of('mentor_a5')).peer_mentor_id, null::uuid,
  'deleting a mentor without history also removed their status row');

------------------------------------------------------------------------------------------------
-- 5. The log is append-only for the table owner too, and history survives cascades.
------------------------------------------------------------------------------------------------
select tests.act_as_owner();
select tests.remember_state();
select throws_ok(
  $$ update public.peer_mentor_status_log set expected_end = current_date where peer_mentor_id = tests.id('mentor_a1') $$,
  '42501', 'peer_mentor_status_log is append-only: update is not allowed',
  'even the table owner cannot rewrite an audit-log entry'
);
select throws_ok(
  $$ delete from public.peer_mentor_status_log where peer_mentor_id = tests.id('mentor_a1') $$,
  '42501', 'peer_mentor_status_log is append-only: delete is not allowed',
  'even the table owner cannot delete an audit-log entry'
);
select throws_ok(
  $$ truncate public.peer_mentor_status_log $$,
  '42501', 'peer_mentor_status_log is append-only: truncate is not allowed',
  'even the table owner cannot truncate the audit log'
);
select tests.state_unchanged('the owner''s attempts left the statuses and the log unchanged');

select throws_ok(
  $$ insert into public.peer_mentor_status_log
       (peer_mentor_id, organization_id, from_status, to_status, reason_code, actor_user_id, actor_role, version)
     values (tests.id('mentor_a1'), tests.id('org_a'), 'active', 'paused', 'health', null, 'system', 1) $$,
  '23505', 'duplicate key value violates unique constraint "peer_mentor_status_log_peer_mentor_id_version_key"',
  'a second log row with an existing (mentor, version) is rejected, even for the owner'
);
select tests.state_unchanged('the rejected duplicate left the log unchanged');

select tests.act_as_service_role();
select throws_ok(
  $$ delete from public.peer_mentors where id = tests.id('mentor_a1') $$,
  '23503',
  'update or delete on table "peer_mentors" violates foreign key constraint "peer_mentor_status_log_peer_mentor_id_organization_id_fkey" on table "peer_mentor_status_log"',
  'the service role cannot delete a mentor who has history'
);
select throws_ok(
  $$ delete from public.peer_mentors where id = tests.id('mentor_a7') $$,
  '23503',
  'update or delete on table "peer_mentors" violates foreign key constraint "peer_mentor_status_log_peer_mentor_id_organization_id_fkey" on table "peer_mentor_status_log"',
  'a mentor paused once can no longer be deleted'
);
select throws_ok(
  $$ delete from public.organizations where id = tests.id('org_a') $$,
  '23503',
  'update or delete on table "peer_mentors" violates foreign key constraint "peer_mentor_status_log_peer_mentor_id_organization_id_fkey" on table "peer_mentor_status_log"',
  'deleting an organization whose mentors have history fails instead of cascading the history away'
);
select tests.act_as_owner();
select throws_ok(
  $$ delete from public.peer_mentors where id = tests.id('mentor_a3') $$,
  '23503',
  'update or delete on table "peer_mentors" violates foreign key constraint "peer_mentor_status_log_peer_mentor_id_organization_id_fkey" on table "peer_mentor_status_log"',
  'even the owner cannot delete a mentor who has history'
);
select is(tests.log_count('mentor_a1'), 2::bigint, 'mentor_a1 still has both log rows');
select is(tests.log_count('mentor_a3'), 2::bigint, 'mentor_a3 still has both log rows');
select is(tests.log_count('mentor_a7'), 1::bigint, 'the new mentor still has its log row');
select is((tests.status_of('mentor_a1')).peer_mentor_id, tests.id('mentor_a1'), 'mentor_a1 and their status row still exist');

select * from finish();
rollback;
