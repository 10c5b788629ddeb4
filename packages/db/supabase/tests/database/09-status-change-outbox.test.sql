-- The status-change outbox (DESIGN §10, migration 20260401000000):
--   * every transition writes exactly one event, in the statement that writes the status row
--     and the log row; a refused or rolled-back transition writes none;
--   * no client role can read or write the outbox, its view or the dispatcher's functions;
--   * the dispatcher's functions: claims (due, one per mentor, only the newest unsent version,
--     never while an older one is in flight, leased), superseding (20261204000000), and each
--     way of settling a claim, with a wrong or stale token changing nothing.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(125);

-- The truth about the outbox, read as the owner whatever the current role.
create function tests.outbox_count(p_mentor text default null)
returns bigint
language sql
stable
security definer
set search_path = ''
as $$
  select count(*) from private.status_change_outbox o
  where p_mentor is null or o.peer_mentor_id = tests.id(p_mentor)
$$;

create function tests.outbox_event(p_mentor text, p_version integer)
returns private.status_change_outbox
language sql
stable
security definer
set search_path = ''
as $$
  select o from private.status_change_outbox o
  where o.peer_mentor_id = tests.id(p_mentor) and o.status_version = p_version
$$;
grant execute on all functions in schema tests to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Structure and privileges
------------------------------------------------------------------------------------------------

select has_table('private', 'status_change_outbox', 'the outbox is a table in schema private');
select ok(
  (select c.relrowsecurity from pg_catalog.pg_class c where c.oid = 'private.status_change_outbox'::regclass),
  'the outbox has row-level security enabled (and no policy: nobody but its owner reads it)'
);
select is_empty(
  $$ select p.polname from pg_catalog.pg_policy p where p.polrelid = 'private.status_change_outbox'::regclass $$,
  'the outbox has no policy'
);
select col_is_unique('private', 'status_change_outbox', array['peer_mentor_id', 'status_version'],
  'one event per (mentor, status version): a duplicated event cannot be stored');
select has_index('private', 'status_change_outbox', 'status_change_outbox_due_idx',
  'an index serves "which events are due"');
select has_index('private', 'status_change_outbox', 'status_change_outbox_unsettled_idx',
  'an index serves "which versions of this mentor are still unsettled"');

select table_privs_are('private', 'status_change_outbox', role_name, array[]::text[],
  format('%s holds no privilege on the outbox', role_name))
from unnest(array['anon', 'authenticated', 'service_role']) as role_name;
select table_privs_are('private', 'parked_status_changes', role_name, array[]::text[],
  format('%s holds no privilege on the parked-events view', role_name))
from unnest(array['anon', 'authenticated', 'service_role']) as role_name;

select function_privs_are('private', function_name, args, 'service_role', array['EXECUTE'],
  format('the dispatcher (service_role) may execute private.%s', function_name))
from (values
  ('claim_status_changes', array['text', 'integer', 'integer']),
  ('mark_status_change_delivered', array['uuid', 'uuid', 'text']),
  ('retry_status_change_later', array['uuid', 'uuid', 'integer', 'text']),
  ('release_status_change', array['uuid', 'uuid', 'integer', 'text']),
  ('park_status_change', array['uuid', 'uuid', 'text']),
  ('requeue_parked_status_changes', array['uuid[]'])
) as fn (function_name, args)
order by function_name;
select function_privs_are('private', function_name, args, 'authenticated', array[]::text[],
  format('signed-in users cannot execute private.%s', function_name))
from (values
  ('claim_status_changes', array['text', 'integer', 'integer']),
  ('mark_status_change_delivered', array['uuid', 'uuid', 'text']),
  ('retry_status_change_later', array['uuid', 'uuid', 'integer', 'text']),
  ('release_status_change', array['uuid', 'uuid', 'integer', 'text']),
  ('park_status_change', array['uuid', 'uuid', 'text']),
  ('requeue_parked_status_changes', array['uuid[]'])
) as fn (function_name, args)
order by function_name;

------------------------------------------------------------------------------------------------
-- Every transition writes exactly one event, with what the CRM needs
------------------------------------------------------------------------------------------------

select is(tests.outbox_count(), 0::bigint, 'the world starts with an empty outbox');

select tests.act_as('user_a1', 'org_a');
select results_eq(
  $$ select version from public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health',
       'a private note', (now() at time zone 'Europe/Oslo')::date + 7) $$,
  $$ values (1) $$,
  'a mentor pauses themselves (version 1)'
);
select is(tests.outbox_count('mentor_a1'), 1::bigint, 'the pause wrote exactly one event');
select is(
  (tests.outbox_event('mentor_a1', 1)).payload,
  jsonb_build_object(
    'peer_mentor_id', tests.id('mentor_a1'),
    'organization_id', tests.id('org_a'),
    'status', 'paused',
    'reason_code', 'health',
    'paused_at', now(),
    'expected_end', (now() at time zone 'Europe/Oslo')::date + 7,
    'actor_role', 'peer_mentor',
    'version', 1,
    'occurred_at', now()),
  'the event carries mentor, organization, status, reason, dates, actor role, version and time, and not the free-text note'
);
select results_eq(
  $$ select e.organization_id, e.attempts, e.next_attempt_at, e.last_error, e.delivered_at, e.parked_at,
            e.claim_token, e.claimed_by, e.claimed_until
     from tests.outbox_event('mentor_a1', 1) e $$,
  $$ values (tests.id('org_a'), 0, now(), null::text, null::timestamptz, null::timestamptz,
             null::uuid, null::text, null::timestamptz) $$,
  'the new event is pending: due now, never attempted, unclaimed'
);

select tests.act_as('coord_north', 'org_a');
select results_eq(
  $$ select version from public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'welcome back') $$,
  $$ values (2) $$,
  'a coordinator ends the pause (version 2)'
);
select is(
  (tests.outbox_event('mentor_a1', 2)).payload,
  jsonb_build_object(
    'peer_mentor_id', tests.id('mentor_a1'),
    'organization_id', tests.id('org_a'),
    'status', 'active',
    'reason_code', null,
    'paused_at', null,
    'expected_end', null,
    'actor_role', 'coordinator',
    'version', 2,
    'occurred_at', now()),
  'the resume event clears reason and dates and names the coordinator'
);

select tests.act_as_service_role();
select results_eq(
  $$ select version from public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'certification_expired') $$,
  $$ values (1) $$,
  'the system pauses mentor_a2 for an expired certification'
);
select results_eq(
  $$ select (e.payload ->> 'actor_role'), (e.payload ->> 'reason_code'), (e.payload ->> 'status')
     from tests.outbox_event('mentor_a2', 1) e $$,
  $$ values ('system', 'certification_expired', 'paused') $$,
  'the system''s pause is an event with actor role system'
);

select tests.act_as('admin_b', 'org_b');
select results_eq(
  $$ select version from public.activate_pause(tests.id('mentor_b1'), tests.id('org_b'), 'vacation') $$,
  $$ values (1) $$,
  'an org admin of organization B pauses mentor_b1'
);
select is((tests.outbox_event('mentor_b1', 1)).organization_id, tests.id('org_b'),
  'the event of organization B''s mentor belongs to organization B');

------------------------------------------------------------------------------------------------
-- A refused transition writes no event
------------------------------------------------------------------------------------------------

select tests.act_as('admin_a', 'org_a');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'health') $$,
  'PM409', 'peer mentor is already paused',
  'pausing a paused mentor fails (PM409)'
);
select is(tests.outbox_count('mentor_a2'), 1::bigint, 'the refused pause wrote no event');

select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'sabbatical') $$,
  'PM422', 'invalid argument',
  'an unknown reason code fails (PM422)'
);
select is(tests.outbox_count('mentor_a3'), 0::bigint, 'the invalid call wrote no event');

select tests.act_as('coord_south', 'org_a');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'coordinator_decision') $$,
  'PM403', 'not allowed to act on this peer mentor or chapter',
  'a coordinator of another chapter cannot pause mentor_a4 (PM403)'
);
select is(tests.outbox_count('mentor_a4'), 0::bigint, 'the forbidden call wrote no event');

select tests.act_as('user_a2', 'org_a');
select throws_ok(
  $$ select public.deactivate_pause(tests.id('mentor_a2'), tests.id('org_a')) $$,
  'PM423', 'this pause can only be ended by a coordinator or an organization admin',
  'a mentor cannot end a pause the system imposed (PM423)'
);
select is(tests.outbox_count('mentor_a2'), 1::bigint, 'the locked pause wrote no second event');

-- A transition rolled back with its transaction takes its event with it.
select tests.act_as('user_a3', 'org_a');
savepoint before_pause;
select results_eq(
  $$ select version from public.activate_pause(tests.id('mentor_a3'), tests.id('org_a'), 'personal') $$,
  $$ values (1) $$,
  'inside a savepoint, mentor_a3 pauses'
);
select is(tests.outbox_count('mentor_a3'), 1::bigint, 'inside the savepoint, the pause has its event');
rollback to savepoint before_pause;
select is(tests.version_of('mentor_a3'), 0, 'rolled back: mentor_a3 is at version 0 again');
select is(tests.outbox_count('mentor_a3'), 0::bigint, 'rolled back: and the event is gone with the transition');

-- The event is written in the same statement as the status update: when the version guard
-- skips the update (a lost race), no event is even attempted. A tripwire on the outbox proves it.
select tests.act_as_owner();
create function tests.outbox_insert_tripwire()
returns trigger
language plpgsql
as $$
begin
  raise exception 'an outbox event was written';
end
$$;
create trigger outbox_insert_tripwire
  before insert on private.status_change_outbox
  for each row execute function tests.outbox_insert_tripwire();

select tests.act_as('user_a4', 'org_a');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'health') $$,
  'P0001', 'an outbox event was written',
  'control: a transition whose update happens trips the outbox tripwire'
);

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

select tests.act_as('user_a4', 'org_a');
select throws_ok(
  $$ select public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'health') $$,
  '40001', 'peer mentor status changed concurrently; retry the call',
  'a transition whose update is skipped raises serialization_failure without touching the outbox tripwire'
);

select tests.act_as_owner();
drop trigger outbox_insert_tripwire on private.status_change_outbox;
drop trigger skip_status_update on public.peer_mentor_status;

-- Events for the dispatcher tests below: mentor_a1 gets version 3, mentor_a4 version 1.
select tests.act_as('admin_a', 'org_a');
select results_eq(
  $$ select version from public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'coordinator_decision') $$,
  $$ values (3) $$,
  'an org admin pauses mentor_a1 again (version 3)'
);
select results_eq(
  $$ select version from public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'other') $$,
  $$ values (1) $$,
  'an org admin pauses mentor_a4 (version 1)'
);

select tests.act_as_owner();
select set_eq(
  $$ select peer_mentor_id, status_version from private.status_change_outbox $$,
  $$ select peer_mentor_id, version from public.peer_mentor_status_log $$,
  'an event exists for exactly the logged transitions: one per (mentor, version), none extra'
);
select is_empty(
  $$ select o.event_id from private.status_change_outbox o
     join public.peer_mentor_status_log l on l.peer_mentor_id = o.peer_mentor_id and l.version = o.status_version
     where o.organization_id <> l.organization_id
        or o.payload ->> 'status' <> l.to_status::text
        or o.payload ->> 'actor_role' <> l.actor_role::text
        or (o.payload ->> 'version')::integer <> l.version
        or o.created_at <> l.created_at $$,
  'each event agrees with its log row: organization, status, actor role, version and time'
);

------------------------------------------------------------------------------------------------
-- No client reads or writes the outbox
------------------------------------------------------------------------------------------------

select tests.act_as('admin_a', 'org_a');
select throws_ok($$ select * from private.status_change_outbox $$,
  '42501', 'permission denied for table status_change_outbox',
  'an org admin cannot read the outbox');
select throws_ok(
  $$ insert into private.status_change_outbox (peer_mentor_id, organization_id, status_version, payload)
     values (tests.id('mentor_a5'), tests.id('org_a'), 1, '{}') $$,
  '42501', 'permission denied for table status_change_outbox',
  'an org admin cannot forge an event');
select throws_ok($$ update private.status_change_outbox set delivered_at = now() $$,
  '42501', 'permission denied for table status_change_outbox',
  'an org admin cannot mark events delivered');
select throws_ok($$ delete from private.status_change_outbox $$,
  '42501', 'permission denied for table status_change_outbox',
  'an org admin cannot delete events');
select throws_ok($$ select * from private.parked_status_changes $$,
  '42501', 'permission denied for view parked_status_changes',
  'an org admin cannot read the parked-events view');
select throws_ok($$ select * from private.claim_status_changes('intruder', 10, 60) $$,
  '42501', 'permission denied for function claim_status_changes',
  'an org admin cannot claim events');
select throws_ok($$ select private.requeue_parked_status_changes(array[gen_random_uuid()]) $$,
  '42501', 'permission denied for function requeue_parked_status_changes',
  'an org admin cannot requeue events');

select tests.act_as('user_a1', 'org_a');
select throws_ok($$ select * from private.status_change_outbox $$,
  '42501', 'permission denied for table status_change_outbox',
  'a mentor cannot read the outbox, not even their own events');

select tests.act_as_anon();
select throws_ok($$ select * from private.status_change_outbox $$,
  '42501', 'permission denied for schema private',
  'anon cannot even reach schema private');

select tests.act_as_service_role();
select throws_ok($$ select * from private.status_change_outbox $$,
  '42501', 'permission denied for table status_change_outbox',
  'the service role does not read the outbox table directly either');
select throws_ok($$ update private.status_change_outbox set attempts = 0 $$,
  '42501', 'permission denied for table status_change_outbox',
  'the service role cannot rewrite events except through the dispatcher functions');

select tests.act_as_owner();
select is(tests.outbox_count(), 6::bigint, 'after every refused access the outbox still holds its six events');

------------------------------------------------------------------------------------------------
-- Superseding and claiming (20261204000000: only the newest version of a mentor is sent)
--
-- Written so far: mentor_a1 v1, v2, v3; mentor_a2 v1; mentor_a4 v1; mentor_b1 v1. No
-- dispatcher held any of them, so v2 superseded v1, and v3 superseded v2, as each was written.
------------------------------------------------------------------------------------------------

select results_eq(
  $$ select status_version, superseded_by, superseded_at, delivered_at, parked_at
     from private.status_change_outbox where peer_mentor_id = tests.id('mentor_a1')
     order by status_version $$,
  $$ values (1, (tests.outbox_event('mentor_a1', 2)).event_id, now(), null::timestamptz, null::timestamptz),
            (2, (tests.outbox_event('mentor_a1', 3)).event_id, now(), null, null),
            (3, null, null, null, null) $$,
  'a newer event supersedes the older unsent events of its mentor as it is written: recorded, not deleted'
);

select tests.act_as_service_role();
select throws_ok($$ select * from private.claim_status_changes('worker-1', 0, 60) $$,
  '22023', 'claim_status_changes needs a claimant, a limit from 1 to 1000 and a lease from 1 to 3600 seconds',
  'a limit of 0 is refused');
select throws_ok($$ select * from private.claim_status_changes('worker-1', 10, 0) $$,
  '22023', 'claim_status_changes needs a claimant, a limit from 1 to 1000 and a lease from 1 to 3600 seconds',
  'a lease of 0 seconds is refused');
select throws_ok($$ select * from private.claim_status_changes(null, 10, 60) $$,
  '22023', 'claim_status_changes needs a claimant, a limit from 1 to 1000 and a lease from 1 to 3600 seconds',
  'a claim without a claimant is refused');

create temporary table first_claim as
  select * from private.claim_status_changes('worker-1', 10, 60);

select tests.act_as_owner();
select set_eq(
  $$ select peer_mentor_id, status_version from first_claim $$,
  $$ values (tests.id('mentor_a1'), 3), (tests.id('mentor_a2'), 1), (tests.id('mentor_a4'), 1),
            (tests.id('mentor_b1'), 1) $$,
  'a claim takes the newest unsent version of each mentor, one per mentor, across organizations'
);
select is_empty(
  $$ select event_id from first_claim
     where attempts <> 1 or claim_token is null or claimed_by <> 'worker-1'
        or claimed_until <> now() + interval '60 seconds' or crm_etag is not null $$,
  'each claimed event counts one attempt and carries a token, the claimant, a 60-second lease and no ETag yet'
);
select is(
  (select count(distinct claim_token) from first_claim), 4::bigint,
  'every claim has its own token'
);

select tests.act_as_service_role();
select is_empty(
  $$ select * from private.claim_status_changes('worker-2', 10, 60) $$,
  'a second dispatcher finds nothing: every mentor''s newest event is leased'
);

-- Settling with a token that is not the claim's changes nothing.
select is(
  private.mark_status_change_delivered((select event_id from first_claim where peer_mentor_id = tests.id('mentor_a1')), gen_random_uuid(), 'W/"100"'),
  false,
  'marking delivered with a wrong token returns false'
);
select tests.act_as_owner();
select is((tests.outbox_event('mentor_a1', 3)).delivered_at, null::timestamptz,
  'and the event stays undelivered');
select is_empty($$ select * from private.dynamics_record_etags $$, 'and no ETag is kept');

select tests.act_as_service_role();
select is(
  private.mark_status_change_delivered(
    (select event_id from first_claim where peer_mentor_id = tests.id('mentor_a1')),
    (select claim_token from first_claim where peer_mentor_id = tests.id('mentor_a1')),
    'W/"101"'),
  true,
  'marking delivered with the claim''s token returns true'
);
select tests.act_as_owner();
select results_eq(
  $$ select delivered_at, claim_token, claimed_by, claimed_until, attempts
     from tests.outbox_event('mentor_a1', 3) $$,
  $$ values (now(), null::uuid, null::text, null::timestamptz, 1) $$,
  'the delivered event records when, and its claim is cleared'
);
select results_eq(
  $$ select etag, status_version from private.dynamics_record_etags where peer_mentor_id = tests.id('mentor_a1') $$,
  $$ values ('W/"101"', 3) $$,
  'the CRM record''s ETag is kept with the version it reflects'
);

select tests.act_as_service_role();
select is(
  private.mark_status_change_delivered(
    (select event_id from first_claim where peer_mentor_id = tests.id('mentor_a1')),
    (select claim_token from first_claim where peer_mentor_id = tests.id('mentor_a1')),
    'W/"999"'),
  false,
  'the same token cannot settle the event a second time'
);
select is(
  private.park_status_change(
    (select event_id from first_claim where peer_mentor_id = tests.id('mentor_a1')),
    (select claim_token from first_claim where peer_mentor_id = tests.id('mentor_a1')),
    'too late'),
  false,
  'a delivered event cannot be parked'
);

-- mentor_a1 resumes (version 4): the next claim hands out the kept ETag.
select tests.act_as('admin_a', 'org_a');
select results_eq(
  $$ select version from public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  $$ values (4) $$,
  'an org admin ends mentor_a1''s pause (version 4)'
);
select tests.act_as_service_role();
create temporary table second_claim as
  select * from private.claim_status_changes('worker-2', 10, 60);
select tests.act_as_owner();
select results_eq(
  $$ select peer_mentor_id, status_version, attempts, crm_etag from second_claim $$,
  $$ values (tests.id('mentor_a1'), 4, 1, 'W/"101"') $$,
  'version 4 is claimed with the ETag the CRM returned for version 3'
);

------------------------------------------------------------------------------------------------
-- Retrying later, releasing, parking, requeueing
------------------------------------------------------------------------------------------------

select tests.act_as_service_role();
select is(
  private.retry_status_change_later(
    (select event_id from second_claim), (select claim_token from second_claim), 60000, 'HTTP 503: unavailable'),
  true,
  'a failed attempt is scheduled for later'
);
select tests.act_as_owner();
select results_eq(
  $$ select next_attempt_at, last_error, attempts, claim_token, delivered_at, parked_at
     from tests.outbox_event('mentor_a1', 4) $$,
  $$ values (now() + interval '60 seconds', 'HTTP 503: unavailable', 1, null::uuid, null::timestamptz, null::timestamptz) $$,
  'the retried event is due after the delay, keeps the error and the attempt, and is unclaimed'
);
select tests.act_as_service_role();
select is_empty(
  $$ select * from private.claim_status_changes('worker-1', 10, 60) $$,
  'before its delay has passed the event is not claimable'
);
select is(
  private.retry_status_change_later(
    (select event_id from second_claim), (select claim_token from second_claim), 0, 'again'),
  false,
  'a settled claim''s token cannot schedule another retry'
);

-- Make it due again (as if the minute had passed) and claim it with a limit of one.
select tests.act_as_owner();
update private.status_change_outbox set next_attempt_at = now()
where peer_mentor_id = tests.id('mentor_a1') and status_version = 4;
select tests.act_as_service_role();
create temporary table third_claim as
  select * from private.claim_status_changes('worker-1', 1, 60);
select tests.act_as_owner();
select results_eq(
  $$ select peer_mentor_id, status_version, attempts from third_claim $$,
  $$ values (tests.id('mentor_a1'), 4, 2) $$,
  'once due again the event is claimed again, its second attempt'
);

select tests.act_as_service_role();
select is(
  private.release_status_change((select event_id from third_claim), (select claim_token from third_claim), 0),
  true,
  'a claim that was never sent is released'
);
select tests.act_as_owner();
select results_eq(
  $$ select attempts, last_error, next_attempt_at, claim_token from tests.outbox_event('mentor_a1', 4) $$,
  $$ values (1, 'HTTP 503: unavailable', now(), null::uuid) $$,
  'releasing does not count the attempt and, without a note, keeps the last error'
);

select tests.act_as_service_role();
create temporary table fourth_claim as
  select * from private.claim_status_changes('worker-1', 1, 60);
select is(
  private.release_status_change((select event_id from fourth_claim), (select claim_token from fourth_claim),
    30000, 'throttled: Retry-After 30 s'),
  true,
  'a release may carry a note and a delay'
);
select tests.act_as_owner();
select results_eq(
  $$ select attempts, last_error, next_attempt_at from tests.outbox_event('mentor_a1', 4) $$,
  $$ values (1, 'throttled: Retry-After 30 s', now() + interval '30 seconds') $$,
  'the note replaces the last error and the event is due after the delay'
);
select tests.act_as_service_role();
select is(
  private.release_status_change((select event_id from fourth_claim), (select claim_token from fourth_claim), 0),
  false,
  'a released claim cannot be released twice'
);

-- Park it: a permanent error.
select tests.act_as_owner();
update private.status_change_outbox set next_attempt_at = now()
where peer_mentor_id = tests.id('mentor_a1') and status_version = 4;
select tests.act_as_service_role();
create temporary table fifth_claim as
  select * from private.claim_status_changes('worker-1', 1, 60);
select is(
  private.park_status_change((select event_id from fifth_claim), (select claim_token from fifth_claim),
    'HTTP 400 (0x80040203): invalid value for pm_pausestatus'),
  true,
  'a permanent error parks the event'
);
select tests.act_as_owner();
select results_eq(
  $$ select parked_at, last_error, delivered_at, claim_token from tests.outbox_event('mentor_a1', 4) $$,
  $$ values (now(), 'HTTP 400 (0x80040203): invalid value for pm_pausestatus', null::timestamptz, null::uuid) $$,
  'the parked event records when and why, and is not delivered'
);
select results_eq(
  $$ select event_id, peer_mentor_id, status_version, attempts, last_error, held_back_events
     from private.parked_status_changes $$,
  $$ select (tests.outbox_event('mentor_a1', 4)).event_id, tests.id('mentor_a1'), 4, 2,
            'HTTP 400 (0x80040203): invalid value for pm_pausestatus', 0::bigint $$,
  'operators see the parked event and its error'
);
select tests.act_as_service_role();
select is(
  private.retry_status_change_later((select event_id from fifth_claim), (select claim_token from fifth_claim), 0, 'x'),
  false,
  'a parked event cannot be retried with its old claim'
);
select is_empty(
  $$ select * from private.claim_status_changes('worker-1', 10, 60) $$,
  'the parked event is not claimed'
);

-- Other mentors keep flowing: settle the first claim's other events.
select is(
  (select count(*) from first_claim f
   where f.peer_mentor_id <> tests.id('mentor_a1')
     and private.mark_status_change_delivered(f.event_id, f.claim_token)),
  3::bigint,
  'the other mentors'' events are delivered while mentor_a1 is parked'
);

-- Requeue: operators make the parked event due again with a fresh attempt count.
select is(
  private.requeue_parked_status_changes(array[(tests.outbox_event('mentor_a1', 4)).event_id,
                                              (tests.outbox_event('mentor_a2', 1)).event_id]),
  1,
  'requeueing counts only events that were parked (the delivered one is left alone)'
);
select tests.act_as_owner();
select results_eq(
  $$ select parked_at, attempts, next_attempt_at, last_error from tests.outbox_event('mentor_a1', 4) $$,
  $$ values (null::timestamptz, 0, now(), 'HTTP 400 (0x80040203): invalid value for pm_pausestatus') $$,
  'the requeued event is pending, due now, with no attempts and its last error kept'
);
select is((tests.outbox_event('mentor_a2', 1)).delivered_at, now(),
  'the delivered event named in the requeue stays delivered');
select is_empty($$ select * from private.parked_status_changes $$, 'nothing is parked any more');

select tests.act_as_service_role();
create temporary table sixth_claim as
  select * from private.claim_status_changes('worker-1', 10, 60);
select tests.act_as_owner();
select results_eq(
  $$ select peer_mentor_id, status_version, attempts from sixth_claim $$,
  $$ values (tests.id('mentor_a1'), 4, 1) $$,
  'the requeued event is claimed again'
);

------------------------------------------------------------------------------------------------
-- An expired lease (a dispatcher that died) is taken over; the old token is then worthless
------------------------------------------------------------------------------------------------

update private.status_change_outbox set claimed_until = now() - interval '1 second'
where event_id = (select event_id from sixth_claim);
select tests.act_as_service_role();
create temporary table takeover_claim as
  select * from private.claim_status_changes('worker-2', 10, 60);
select tests.act_as_owner();
select results_eq(
  $$ select event_id, claimed_by, attempts from takeover_claim $$,
  $$ select event_id, 'worker-2', 2 from sixth_claim $$,
  'after the lease has run out, another dispatcher claims the event (a second attempt)'
);
select isnt(
  (select claim_token from takeover_claim), (select claim_token from sixth_claim),
  'the takeover has a new token'
);
select tests.act_as_service_role();
select is(
  private.mark_status_change_delivered((select event_id from sixth_claim), (select claim_token from sixth_claim), 'W/"stale"'),
  false,
  'the dispatcher that lost its lease cannot settle the event'
);
select is(
  private.mark_status_change_delivered((select event_id from takeover_claim), (select claim_token from takeover_claim), 'W/"104"'),
  true,
  'the dispatcher holding the lease settles it'
);
select tests.act_as_owner();
select results_eq(
  $$ select etag, status_version from private.dynamics_record_etags where peer_mentor_id = tests.id('mentor_a1') $$,
  $$ values ('W/"104"', 4) $$,
  'the ETag of the newer version replaces the older one; the stale settle kept none'
);

------------------------------------------------------------------------------------------------
-- A newer version supersedes a parked one; an older one in flight is never overtaken
------------------------------------------------------------------------------------------------

select tests.act_as('admin_a', 'org_a');
select results_eq(
  $$ select version from public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'other') $$,
  $$ values (5) $$,
  'mentor_a1 is paused again (version 5)'
);
select tests.act_as_service_role();
create temporary table parked_claim as
  select * from private.claim_status_changes('worker-1', 10, 60);
select is(
  private.park_status_change((select event_id from parked_claim), (select claim_token from parked_claim),
    'HTTP 400 (0x80048d19): the CRM refused version 5'),
  true,
  'version 5 is parked after a permanent error'
);
select tests.act_as('admin_a', 'org_a');
select results_eq(
  $$ select version from public.deactivate_pause(tests.id('mentor_a1'), tests.id('org_a')) $$,
  $$ values (6) $$,
  'mentor_a1 resumes (version 6)'
);
select tests.act_as_owner();
select results_eq(
  $$ select superseded_by, parked_at, last_error from tests.outbox_event('mentor_a1', 5) $$,
  $$ values ((tests.outbox_event('mentor_a1', 6)).event_id, now(), 'HTTP 400 (0x80048d19): the CRM refused version 5') $$,
  'version 6 supersedes the parked version 5, which keeps its record of what went wrong'
);
select is_empty($$ select * from private.parked_status_changes $$,
  'a superseded parked event no longer waits for an operator');
select tests.act_as_service_role();
select is(
  private.requeue_parked_status_changes(array[(tests.outbox_event('mentor_a1', 5)).event_id]), 0,
  'and it cannot be requeued: the newer version carries the whole status');

create temporary table in_flight_claim as
  select * from private.claim_status_changes('worker-1', 10, 60);
select tests.act_as_owner();
select results_eq(
  $$ select status_version, crm_etag from in_flight_claim $$,
  $$ values (6, 'W/"104"') $$,
  'version 6 is claimed: a parked older version does not hold it back'
);
select tests.act_as('admin_a', 'org_a');
select results_eq(
  $$ select version from public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'other') $$,
  $$ values (7) $$,
  'mentor_a1 is paused while version 6 is being sent (version 7)'
);
select tests.act_as_owner();
select is((tests.outbox_event('mentor_a1', 6)).superseded_at, null::timestamptz,
  'the event being sent is not superseded under the dispatcher');
select tests.act_as_service_role();
select is_empty(
  $$ select * from private.claim_status_changes('worker-2', 10, 60) $$,
  'version 7 waits while version 6 is in flight: versions never overtake each other'
);
select is(
  private.retry_status_change_later((select event_id from in_flight_claim), (select claim_token from in_flight_claim), 0, 'HTTP 503'),
  true,
  'version 6 fails for now and comes back'
);
create temporary table newest_claim as
  select * from private.claim_status_changes('worker-2', 10, 60);
select tests.act_as_owner();
select results_eq(
  $$ select status_version from newest_claim $$,
  $$ values (7) $$,
  'the next claim takes version 7, not the returned version 6'
);
select results_eq(
  $$ select superseded_by, claim_token from tests.outbox_event('mentor_a1', 6) $$,
  $$ values ((tests.outbox_event('mentor_a1', 7)).event_id, null::uuid) $$,
  'and records that version 7 superseded it'
);
select tests.act_as_service_role();
select is(
  private.mark_status_change_delivered((select event_id from newest_claim), (select claim_token from newest_claim), 'W/"107"'),
  true,
  'version 7 is delivered'
);

select tests.act_as_owner();
select set_eq(
  $$ select peer_mentor_id, status_version from private.status_change_outbox
     where delivered_at is not null or superseded_at is not null $$,
  $$ select peer_mentor_id, version from public.peer_mentor_status_log $$,
  'in the end the event of every logged transition was delivered or superseded by a newer one'
);
select is_empty(
  $$ select event_id from private.status_change_outbox
     where (delivered_at is null and superseded_at is null) or claim_token is not null
        or (parked_at is not null and superseded_at is null) $$,
  'and no event is left pending, claimed or parked'
);

select * from finish();
rollback;
