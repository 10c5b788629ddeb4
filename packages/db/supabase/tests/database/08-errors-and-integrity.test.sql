-- The domain-error catalog (DESIGN §7), the transition's "log row iff update" guarantee
-- (DESIGN §6), and the triggers and constraints that keep the data model consistent (DESIGN §4).
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(40);

------------------------------------------------------------------------------------------------
-- Error catalog. Every code below is raised by some test of this suite:
--   PM401 03/04/07, PM403 03/04/07, PM404 03/04/07, PM409 01/03, PM410 04, PM412 01/03/04/07,
--   PM422 03/04/07, PM423 04/11, PM429 11.
------------------------------------------------------------------------------------------------

select results_eq(
  $$ select code, name from private.domain_error_catalog() order by code $$,
  $$ values ('PM401', 'not_authenticated'), ('PM403', 'forbidden'), ('PM404', 'not_found'),
            ('PM409', 'already_paused'), ('PM410', 'not_paused'), ('PM412', 'organization_mismatch'),
            ('PM422', 'invalid_argument'), ('PM423', 'pause_locked'), ('PM429', 'too_many_changes') $$,
  'the catalog holds exactly the nine PM codes of DESIGN §7 (with PM429 of issue 16) with their names'
);

select tests.remember_state();
select throws_ok(
  $$ select private.raise_domain_error('PM999') $$,
  'XX000', 'unknown domain error code PM999',
  'raising a code that is not in the catalog is an internal error, not a silent pass'
);
select tests.state_unchanged('the unknown code changed nothing');

------------------------------------------------------------------------------------------------
-- The log row exists if and only if the status update happened
------------------------------------------------------------------------------------------------

-- A tripwire on the log proves whether the transition inserted a log row: any insert raises.
create function tests.log_insert_tripwire()
returns trigger
language plpgsql
as $$
begin
  raise exception 'a log row was written';
end
$$;
create trigger log_insert_tripwire
  before insert on public.peer_mentor_status_log
  for each row execute function tests.log_insert_tripwire();

select tests.act_as('user_a1', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health') $$,
  'P0001', 'a log row was written',
  'control: a transition whose update happens trips the log tripwire'
);
select tests.state_unchanged('the tripped transition changed nothing');

-- Now the update is skipped, as when another transaction changed the row first.
select tests.act_as_owner();
create function tests.skip_status_update()
returns trigger
language plpgsql
as $$
begin
  return null;
end
$$;
create trigger skip_status_update
  before update on public.peer_mentor_status
  for each row execute function tests.skip_status_update();

select tests.act_as('user_a1', 'org_a');
select tests.remember_state();
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health') $$,
  '40001', 'peer mentor status changed concurrently; retry the call',
  'a pause whose update is skipped raises serialization_failure, and the tripwire shows no log row was written'
);
select tests.state_unchanged('the skipped pause changed nothing');

select tests.act_as_owner();
drop trigger log_insert_tripwire on public.peer_mentor_status_log;
drop trigger skip_status_update on public.peer_mentor_status;

------------------------------------------------------------------------------------------------
-- The audit log is append-only, for the table owner too
------------------------------------------------------------------------------------------------

select tests.act_as('user_a1', 'org_a');
select results_eq(
  $$ select version from public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health') $$,
  $$ values (1) $$,
  'with the test triggers gone the same pause succeeds at version 1'
);

select tests.act_as_owner();
select tests.remember_state();
select throws_ok(
  $$ update public.peer_mentor_status_log set expected_end = current_date $$,
  '42501', 'peer_mentor_status_log is append-only: update is not allowed',
  'the owner cannot update a log row'
);
select tests.state_unchanged('the update of the log changed nothing');

select tests.remember_state();
select throws_ok(
  $$ delete from public.peer_mentor_status_log $$,
  '42501', 'peer_mentor_status_log is append-only: delete is not allowed',
  'the owner cannot delete a log row'
);
select tests.state_unchanged('the delete from the log changed nothing');

select tests.remember_state();
select throws_ok(
  $$ truncate public.peer_mentor_status_log $$,
  '42501', 'peer_mentor_status_log is append-only: truncate is not allowed',
  'the owner cannot truncate the log'
);
select tests.state_unchanged('the truncate of the log changed nothing');

------------------------------------------------------------------------------------------------
-- Triggers: a status row per new mentor, organization copied into link tables
------------------------------------------------------------------------------------------------

-- Mentors are created by admin tooling with the service role, which holds no privilege on
-- peer_mentor_status.
select tests.act_as_service_role();
insert into public.peer_mentors (id, organization_id, display_name)
values (tests.id('mentor_new'), tests.id('org_a'), 'Nor New');

select tests.act_as_owner();
select results_eq(
  $$ select organization_id, status::text, reason_code::text, case when status = 'paused' then tests.note_of(peer_mentor_id, version) end as note, paused_at, paused_by, paused_by_role::text,
            expected_end, version
     from public.peer_mentor_status where peer_mentor_id = tests.id('mentor_new') $$,
  $$ values (tests.id('org_a'), 'active', null::text, null::text, null::timestamptz, null::uuid, null::text,
             null::date, 0) $$,
  'inserting a peer mentor creates exactly one status row: active, version 0'
);
select is(tests.log_count('mentor_new'), 0::bigint, 'a new mentor has no log row');

select tests.act_as_service_role();
insert into public.peer_mentor_chapters (peer_mentor_id, chapter_id, organization_id)
values (tests.id('mentor_new'), tests.id('a_west'), tests.id('org_b'));
insert into public.coordinator_chapters (user_id, chapter_id)
values (tests.id('coord_none'), tests.id('a_south'));
insert into public.peer_mentor_certifications (peer_mentor_id, valid_until)
values (tests.id('mentor_new'), current_date + 365);

select tests.act_as_owner();
select results_eq(
  $$ select organization_id from public.peer_mentor_chapters
     where peer_mentor_id = tests.id('mentor_new') and chapter_id = tests.id('a_west') $$,
  $$ values (tests.id('org_a')) $$,
  'peer_mentor_chapters takes the mentor''s organization, overriding the one given'
);
select results_eq(
  $$ select organization_id from public.coordinator_chapters
     where user_id = tests.id('coord_none') and chapter_id = tests.id('a_south') $$,
  $$ values (tests.id('org_a')) $$,
  'coordinator_chapters takes the chapter''s organization'
);
select results_eq(
  $$ select organization_id from public.peer_mentor_certifications where peer_mentor_id = tests.id('mentor_new') $$,
  $$ values (tests.id('org_a')) $$,
  'peer_mentor_certifications takes the mentor''s organization'
);

select tests.act_as_service_role();
select tests.remember_state();
select throws_ok(
  $$ insert into public.peer_mentor_chapters (peer_mentor_id, chapter_id)
     values (tests.id('mentor_a1'), tests.id('b_main')) $$,
  '23503', 'insert or update on table "peer_mentor_chapters" violates foreign key constraint "peer_mentor_chapters_chapter_id_organization_id_fkey"',
  'a mentor of organization A cannot serve a chapter of organization B'
);
select tests.state_unchanged('the cross-organization mentor link changed nothing');

select tests.remember_state();
select throws_ok(
  $$ insert into public.coordinator_chapters (user_id, chapter_id)
     values (tests.id('coord_none'), tests.id('b_main')) $$,
  '23503', 'insert or update on table "coordinator_chapters" violates foreign key constraint "coordinator_chapters_organization_id_user_id_fkey"',
  'a coordinator of organization A cannot cover a chapter of organization B'
);
select tests.state_unchanged('the cross-organization coordinator link changed nothing');

select tests.remember_state();
select throws_ok(
  $$ update public.peer_mentor_chapters set peer_mentor_id = tests.id('mentor_b1')
     where peer_mentor_id = tests.id('mentor_a1') and chapter_id = tests.id('a_north') $$,
  '23503', 'insert or update on table "peer_mentor_chapters" violates foreign key constraint "peer_mentor_chapters_chapter_id_organization_id_fkey"',
  'a link cannot be moved to a mentor of another organization'
);
select tests.state_unchanged('the cross-organization update changed nothing');

select tests.remember_state();
select throws_ok(
  $$ insert into public.peer_mentor_chapters (peer_mentor_id, chapter_id)
     values (tests.id('no_such_mentor'), tests.id('a_north')) $$,
  '23503', format('peer mentor %s does not exist', tests.id('no_such_mentor')),
  'a nonexistent mentor cannot serve a chapter'
);
select tests.state_unchanged('the link of a nonexistent mentor changed nothing');

select tests.remember_state();
select throws_ok(
  $$ insert into public.peer_mentor_certifications (peer_mentor_id, valid_until)
     values (tests.id('no_such_mentor'), current_date) $$,
  '23503', format('peer mentor %s does not exist', tests.id('no_such_mentor')),
  'a nonexistent mentor cannot have a certification'
);
select tests.state_unchanged('the certification of a nonexistent mentor changed nothing');

select tests.remember_state();
select throws_ok(
  $$ insert into public.coordinator_chapters (user_id, chapter_id)
     values (tests.id('coord_none'), tests.id('no_such_chapter')) $$,
  '23503', format('chapter %s does not exist', tests.id('no_such_chapter')),
  'a coordinator cannot cover a nonexistent chapter'
);
select tests.state_unchanged('the link to a nonexistent chapter changed nothing');

select tests.remember_state();
select throws_ok(
  $$ insert into public.peer_mentor_chapters (peer_mentor_id, chapter_id)
     values (tests.id('mentor_a5'), tests.id('no_such_chapter')) $$,
  '23503', 'insert or update on table "peer_mentor_chapters" violates foreign key constraint "peer_mentor_chapters_chapter_id_organization_id_fkey"',
  'a mentor cannot serve a nonexistent chapter'
);
select tests.state_unchanged('the mentor link to a nonexistent chapter changed nothing');

------------------------------------------------------------------------------------------------
-- Constraints
------------------------------------------------------------------------------------------------

select lives_ok(
  $$ insert into public.organizations (id, name, time_zone) values (tests.id('org_c'), 'Organization C', 'America/New_York') $$,
  'an organization with a known time zone is accepted'
);
select tests.remember_state();
select throws_ok(
  $$ insert into public.organizations (name, time_zone) values ('Organization D', 'Mars/Olympus_Mons') $$,
  '23514', 'new row for relation "organizations" violates check constraint "organizations_time_zone_check"',
  'an organization with an unknown time zone is rejected'
);
select tests.state_unchanged('the organization with an invalid time zone changed nothing');

select tests.act_as_owner();
select tests.remember_state();
select throws_ok(
  $$ update public.peer_mentor_status set reason_code = 'health' where peer_mentor_id = tests.id('mentor_a2') $$,
  '23514', 'new row for relation "peer_mentor_status" violates check constraint "peer_mentor_status_pause_fields"',
  'even the owner cannot store an active status with a reason code'
);
select tests.state_unchanged('the inconsistent active row was not stored');

select tests.remember_state();
select throws_ok(
  $$ update public.peer_mentor_status set status = 'paused' where peer_mentor_id = tests.id('mentor_a2') $$,
  '23514', 'new row for relation "peer_mentor_status" violates check constraint "peer_mentor_status_pause_fields"',
  'even the owner cannot store a paused status without a reason, start time and actor'
);
select tests.state_unchanged('the inconsistent paused row was not stored');

select * from finish();
rollback;
