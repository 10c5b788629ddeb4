-- Need-to-know notes (issue 16, item 8): a pause note is readable only by the mentor, the
-- coordinators of a chapter she serves in, and org admins; statuses and the log stay
-- organization-wide for staff, and `select *` keeps working on every table for every role.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(33);

------------------------------------------------------------------------------------------------
-- Setup: notes made through the RPCs, by the people who would write them
--   mentor_a1 (A North)          paused by coord_north, "needs a break"          -> (a1, 1)
--   mentor_a2 (A South)          paused and resumed by herself, two notes         -> (a2, 1), (a2, 2)
--   mentor_a3 (A North, A South) paused by coord_south, "a3 health detail"       -> (a3, 1)
--   mentor_a4 (A West)           paused by herself without a note                 -> none
--   mentor_b1 (B Main)           paused by admin_b, "b private"                   -> (b1, 1)
------------------------------------------------------------------------------------------------

select tests.act_as('coord_north', 'org_a');
select results_eq(
  $$ select status::text, note from public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'),
                                                         'coordinator_decision', 'needs a break') $$,
  $$ values ('paused', 'needs a break') $$,
  'the coordinator who pauses a mentor gets the note back in the result');
select tests.act_as('user_a2', 'org_a');
select results_eq(
  $$ select status::text, note from public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'vacation', 'in Spain') $$,
  $$ values ('paused', 'in Spain') $$,
  'the mentor who pauses herself gets her note back');
select results_eq(
  $$ select status::text, note from public.deactivate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'back again') $$,
  $$ values ('active', null::text) $$,
  'the resume result carries no note (the mentor is active); the resume note is kept in the notes table');
select tests.act_as('coord_south', 'org_a');
select public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'coordinator_decision', 'a3 health detail');
select tests.act_as('user_a4', 'org_a');
select public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'personal');
select tests.act_as('admin_b', 'org_b');
select public.activate_pause(tests.id('mentor_b1'), tests.id('org_b'), 'health', 'b private');

select tests.act_as_owner();
select results_eq(
  $$ select peer_mentor_id, version, note from public.peer_mentor_status_notes order by note $$,
  $$ values (tests.id('mentor_a3'), 1, 'a3 health detail'), (tests.id('mentor_b1'), 1, 'b private'),
            (tests.id('mentor_a2'), 2, 'back again'), (tests.id('mentor_a2'), 1, 'in Spain'),
            (tests.id('mentor_a1'), 1, 'needs a break') $$,
  'one note row per transition that carried a note, keyed like the log (mentor, version)');

------------------------------------------------------------------------------------------------
-- The notes table: every cell of the matrix
------------------------------------------------------------------------------------------------

create function tests.readable_notes()
returns table (mentor uuid, version integer)
language sql
as $$ select n.peer_mentor_id, n.version from public.peer_mentor_status_notes n $$;
grant execute on function tests.readable_notes() to anon, authenticated, service_role;

select tests.act_as('user_a1', 'org_a');
select set_eq('select * from tests.readable_notes()', $$ values (tests.id('mentor_a1'), 1) $$,
  'a mentor reads the note a coordinator left on her own pause');
select tests.act_as('user_a2', 'org_a');
select set_eq('select * from tests.readable_notes()', $$ values (tests.id('mentor_a2'), 1), (tests.id('mentor_a2'), 2) $$,
  'a mentor reads her own notes, and nobody else''s');
select tests.act_as('user_a5', 'org_a');
select is_empty('select * from tests.readable_notes()', 'a mentor with no notes reads none');
select tests.act_as('coord_north', 'org_a');
select set_eq('select * from tests.readable_notes()', $$ values (tests.id('mentor_a1'), 1), (tests.id('mentor_a3'), 1) $$,
  'the coordinator of A North reads the notes of A North''s mentors (one also serves A South)');
select tests.act_as('coord_south', 'org_a');
select set_eq('select * from tests.readable_notes()',
  $$ values (tests.id('mentor_a2'), 1), (tests.id('mentor_a2'), 2), (tests.id('mentor_a3'), 1) $$,
  'the coordinator of A South reads A South''s notes, not those of A North''s other mentors');
select tests.act_as('coord_multi', 'org_a');
select set_eq('select * from tests.readable_notes()', $$ values (tests.id('mentor_a1'), 1), (tests.id('mentor_a3'), 1) $$,
  'a coordinator of two chapters reads the notes of the mentors of both (A West has none)');
select tests.act_as('coord_none', 'org_a');
select is_empty('select * from tests.readable_notes()', 'a coordinator with no chapter reads no note');
select tests.act_as('dual_user', 'org_a');
select is_empty('select * from tests.readable_notes()',
  'a coordinator of A West (no notes there) reads none while claiming organization A');
select tests.act_as('dual_user', 'org_b');
select set_eq('select * from tests.readable_notes()', $$ values (tests.id('mentor_b1'), 1) $$,
  '... and, as org admin of B while claiming it, reads B''s notes only');
select tests.act_as('admin_a', 'org_a');
select set_eq('select * from tests.readable_notes()',
  $$ values (tests.id('mentor_a1'), 1), (tests.id('mentor_a2'), 1), (tests.id('mentor_a2'), 2), (tests.id('mentor_a3'), 1) $$,
  'the org admin reads every note of her organization');
select tests.act_as('admin_b', 'org_b');
select set_eq('select * from tests.readable_notes()', $$ values (tests.id('mentor_b1'), 1) $$,
  'the other organization''s admin reads only her own organization''s notes');
select tests.act_as('outsider', 'org_a');
select is_empty('select * from tests.readable_notes()', 'a user without membership reads no note');
select tests.act_as('user_a1', 'org_b');
select is_empty('select * from tests.readable_notes()', 'a claim of an organization without membership reads no note');
select tests.act_as('admin_a', 'org_a', '{"user_metadata": {"organization_id": "not-used"}}');
select tests.act_with_claims(jsonb_build_object('sub', tests.id('admin_a'), 'role', 'authenticated',
  'user_metadata', jsonb_build_object('organization_id', tests.id('org_a'))));
select is_empty('select * from tests.readable_notes()', 'a forged user_metadata organization reads no note');
select tests.act_as_anon();
select throws_ok('select * from public.peer_mentor_status_notes', '42501',
  'permission denied for table peer_mentor_status_notes', 'anon reads nothing');
select tests.act_as_service_role();
select is((select count(*)::integer from public.peer_mentor_status_notes), 5, 'the service role reads every note');

------------------------------------------------------------------------------------------------
-- Statuses, the log and the chapter list stay organization-wide, without notes
------------------------------------------------------------------------------------------------

select tests.act_as_owner();
select is_empty(
  $$ select table_name::text from information_schema.columns
     where table_schema = 'public' and column_name = 'note'
       and table_name in ('peer_mentor_status', 'peer_mentor_status_log') $$,
  'peer_mentor_status and peer_mentor_status_log carry no note column');

select tests.act_as('coord_north', 'org_a');
select results_eq(
  $$ select (select count(*)::integer from (select * from public.peer_mentor_status) s),
            (select count(*)::integer from (select * from public.peer_mentor_status_log) l) $$,
  $$ values (6, 5) $$,
  'a coordinator still reads every status and log row of her organization with select *');
select tests.act_as('user_a1', 'org_a');
select results_eq(
  $$ select (select count(*)::integer from (select * from public.peer_mentor_status) s),
            (select count(*)::integer from (select * from public.peer_mentor_status_log) l),
            (select count(*)::integer from (select * from public.peer_mentor_status_notes) n) $$,
  $$ values (1, 1, 1) $$,
  'a mentor reads her own status, log and note rows with select *');
select tests.act_as_service_role();
select lives_ok(
  $$ select * from public.peer_mentor_status, public.peer_mentor_status_log, public.peer_mentor_status_notes limit 1 $$,
  'the service role reads all three with select *');

select tests.act_as('coord_north', 'org_a');
select results_eq(
  $$ select peer_mentor_id, note from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_south'))
     order by peer_mentor_id $$,
  $$ select * from (values (tests.id('mentor_a3'), 'a3 health detail')) v order by 1 $$,
  'listing A South, the coordinator of A North sees the note of the mentor she also covers');
select tests.act_as('coord_none', 'org_a');
select results_eq(
  $$ select peer_mentor_id, reason_code::text, note
     from public.get_active_pauses_for_chapter(tests.id('org_a'), tests.id('a_north')) order by peer_mentor_id $$,
  $$ select * from (values (tests.id('mentor_a1'), 'coordinator_decision', null::text),
                           (tests.id('mentor_a3'), 'coordinator_decision', null::text)) v order by 1 $$,
  'a coordinator with no chapter lists A North''s pauses and reasons, without their notes');

------------------------------------------------------------------------------------------------
-- The outbox never carries a note
------------------------------------------------------------------------------------------------

select tests.act_as_owner();
select is_empty(
  $$ select o.event_id from private.status_change_outbox o
     where o.payload ? 'note'
        or o.payload::text ~ '(needs a break|in Spain|back again|a3 health detail|b private)' $$,
  'no outbox event carries a note, under any key');

------------------------------------------------------------------------------------------------
-- Writes: nobody but the transition core; append-only for the owner too
------------------------------------------------------------------------------------------------

select tests.act_as('admin_a', 'org_a');
select throws_ok(
  $$ insert into public.peer_mentor_status_notes (peer_mentor_id, version, organization_id, note)
     values (tests.id('mentor_a5'), 1, tests.id('org_a'), 'forged') $$,
  '42501', 'permission denied for table peer_mentor_status_notes', 'an org admin cannot write a note directly');
select tests.act_as_service_role();
select throws_ok(
  $$ update public.peer_mentor_status_notes set note = 'rewritten' $$,
  '42501', 'permission denied for table peer_mentor_status_notes', 'the service role cannot rewrite a note');
select tests.act_as_owner();
select throws_ok($$ update public.peer_mentor_status_notes set note = 'rewritten' $$,
  '42501', 'peer_mentor_status_notes is append-only: update is not allowed', 'the owner cannot rewrite a note');
select throws_ok($$ delete from public.peer_mentor_status_notes $$,
  '42501', 'peer_mentor_status_notes is append-only: delete is not allowed', 'the owner cannot delete a note');
select throws_ok($$ truncate public.peer_mentor_status_notes $$,
  '42501', 'peer_mentor_status_notes is append-only: truncate is not allowed', 'the owner cannot truncate the notes');
select tests.act_as('user_a5', 'org_a');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a5'), tests.id('org_a'), 'personal', repeat('n', 1001)) $$,
  'PM422', 'invalid argument', 'a note longer than 1000 characters is still refused');

select * from finish();
rollback;
