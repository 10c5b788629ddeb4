-- The console's operations panel (migration 20261206000100): who sees which outbox events and
-- nightly runs through the three security_invoker views, and what requeue_parked_events does
-- and refuses (every branch), with its audit.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(53);

-- The truth about the outbox and the audit, read as the owner whatever the current role.
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

create function tests.outbox_fingerprint()
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select md5(coalesce(string_agg(format('%s|%s|%s|%s|%s', o.event_id, o.parked_at, o.attempts,
                                        o.next_attempt_at, o.last_error), ',' order by o.event_id), ''))
         || ':' || (select count(*) from private.status_change_requeues)
  from private.status_change_outbox o
$$;

create function tests.requeue_audit()
returns setof private.status_change_requeues
language sql
stable
security definer
set search_path = ''
as $$
  select * from private.status_change_requeues order by id
$$;
grant execute on all functions in schema tests to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Structure and privileges
------------------------------------------------------------------------------------------------

select is(
  (select array_agg(c.relname::text order by c.relname)
     from pg_catalog.pg_class c
     where c.relnamespace = 'public'::regnamespace and c.relkind = 'v'
       and c.relname like 'operations\_%'
       and c.reloptions @> array['security_invoker=true']),
  array['operations_nightly_runs', 'operations_outbox_backlog', 'operations_parked_events'],
  'the three operations views run with the caller''s rights (security_invoker)'
);
select ok(
  (select bool_and(not has_table_privilege('anon', v, 'SELECT')
                   and has_table_privilege('authenticated', v, 'SELECT')
                   and not has_table_privilege('authenticated', v, 'INSERT, UPDATE, DELETE'))
   from unnest(array['public.operations_outbox_backlog', 'public.operations_parked_events',
                     'public.operations_nightly_runs']) v),
  'authenticated may only read the operations views; anon not at all'
);
select ok(
  not has_table_privilege('authenticated', 'private.status_change_outbox', 'SELECT')
    and not has_table_privilege('authenticated', 'private.scheduler_runs', 'SELECT')
    and not has_schema_privilege('anon', 'private', 'USAGE'),
  'the private tables stay unreadable to clients: the views read them through definer functions only'
);
select table_privs_are('private', 'status_change_requeues', role_name, array[]::text[],
  format('%s holds no privilege on the requeue audit', role_name))
from unnest(array['anon', 'authenticated', 'service_role']) as role_name;
select isnt_definer('public', 'requeue_parked_events', array['uuid', 'uuid[]'],
  'public.requeue_parked_events runs with the caller''s rights (SECURITY INVOKER)');

------------------------------------------------------------------------------------------------
-- The world: events in both organizations, some parked; runs of both and the global purge
------------------------------------------------------------------------------------------------

select tests.act_as('admin_a', 'org_a');
select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'health', null);
select public.activate_pause(tests.id('mentor_a2'), tests.id('org_a'), 'vacation', null);
select public.deactivate_pause(tests.id('mentor_a2'), tests.id('org_a'));
select public.activate_pause(tests.id('mentor_a4'), tests.id('org_a'), 'other', null);
select public.activate_pause(tests.id('mentor_a6'), tests.id('org_a'), 'health', null);
select tests.act_as('admin_b', 'org_b');
select public.activate_pause(tests.id('mentor_b1'), tests.id('org_b'), 'health', null);

select tests.act_as_owner();
-- Versions count transitions: a1 v1 and a2 v1 parked (a2 v2, the resume, waits behind it),
-- a4 v1 delivered, b1 v1 parked.
update private.status_change_outbox o
set parked_at = now() - interval '2 hours', attempts = 5,
    last_error = 'Dataverse answered 404: no contact for ' || o.peer_mentor_id,
    created_at = now() - interval '3 hours'
where (o.peer_mentor_id, o.status_version) in (
  (tests.id('mentor_a1'), 1), (tests.id('mentor_a2'), 1), (tests.id('mentor_b1'), 1));
update private.status_change_outbox o
set created_at = now() - interval '90 minutes'
where o.peer_mentor_id = tests.id('mentor_a2') and o.status_version = 2;
update private.status_change_outbox o
set delivered_at = now()
where o.peer_mentor_id = tests.id('mentor_a4');
-- a2 v1 was parked after a dispatcher had claimed it while v2 was written (a live lease keeps
-- an event from being superseded), so v2 waits behind it until the next claim supersedes it.
update private.status_change_outbox o
set superseded_at = null, superseded_by = null
where o.peer_mentor_id = tests.id('mentor_a2') and o.status_version = 1;
-- a6 v1 was parked, then the mentor was resumed: v2 superseded the parked v1 (it carries the
-- whole status) and was delivered. A superseded event is settled: never counted, listed or
-- requeued.
update private.status_change_outbox o
set parked_at = now() - interval '1 hour', attempts = 5, last_error = 'Dataverse answered 404: gone'
where o.peer_mentor_id = tests.id('mentor_a6') and o.status_version = 1;
select tests.act_as('admin_a', 'org_a');
select public.deactivate_pause(tests.id('mentor_a6'), tests.id('org_a'));
select tests.act_as_owner();
update private.status_change_outbox o
set delivered_at = now()
where o.peer_mentor_id = tests.id('mentor_a6') and o.status_version = 2;

insert into private.scheduler_runs (
  job, organization_id, run_date, invocation_id, host, batch_size, started_at, finished_at,
  outcome, examined, mentors_changed, recorded, skipped, events_purged, errors, last_error,
  purge_delivered_before)
values
  ('certification_expiry', tests.id('org_a'), current_date, gen_random_uuid(), 'node', 500,
   now() - interval '3 hours', now() - interval '179 minutes', 'completed', 7, 2, 1, 0, 0, 1,
   'PM429: too many status changes', null),
  ('scheduled_resume', tests.id('org_a'), current_date, gen_random_uuid(), 'node', 500,
   now() - interval '4 hours', null, null, 3, 0, 0, 0, 0, 0, null, null),
  ('scheduled_resume', tests.id('org_b'), current_date, gen_random_uuid(), 'node', 500,
   now() - interval '4 hours', now() - interval '239 minutes', 'completed', 9, 9, 0, 0, 0, 0, null, null),
  ('outbox_purge', null, current_date, gen_random_uuid(), 'node', 500,
   now() - interval '170 minutes', now() - interval '169 minutes', 'completed', 40, 0, 0, 0, 40, 2,
   'purge failed twice', now() - interval '30 days');
insert into private.scheduler_run_errors (run_id, peer_mentor_id, sqlstate, message)
select r.id, tests.id('mentor_a3'), 'PM429', 'too many status changes for this peer mentor'
from private.scheduler_runs r where r.job = 'certification_expiry';
insert into private.scheduler_run_errors (run_id, peer_mentor_id, sqlstate, message)
select r.id, tests.id('mentor_b1'), 'XX000', 'secret of organization B'
from private.scheduler_runs r where r.job = 'scheduled_resume' and r.organization_id = tests.id('org_b');

------------------------------------------------------------------------------------------------
-- Who sees what
------------------------------------------------------------------------------------------------

select tests.act_as('admin_a', 'org_a');
select results_eq(
  $$ select organization_id, pending_events, parked_events, oldest_pending_seconds between 5390 and 5500
     from public.operations_outbox_backlog $$,
  $$ values (tests.id('org_a'), 1::bigint, 2::bigint, true) $$,
  'an org admin sees their organization''s backlog: one pending event (90 minutes old), two parked'
);
select results_eq(
  $$ select display_name, status_version, status, attempts, last_error like 'Dataverse answered 404%', held_back_events
     from public.operations_parked_events order by display_name $$,
  $$ values ('Ada North', 1, 'paused', 5, true, 0::bigint),
            ('Bo South', 1, 'paused', 5, true, 1::bigint) $$,
  'an org admin sees their parked events with the mentor, the status, attempts, the last error and what waits behind'
);
select results_eq(
  $$ select job, outcome, examined, mentors_changed, errors, last_error
     from public.operations_nightly_runs order by started_at $$,
  $$ values ('scheduled_resume', null::text, 3, 0, 0, null::text),
            ('certification_expiry', 'completed', 7, 2, 1, 'PM429: too many status changes'),
            ('outbox_purge', 'completed', null, null, null, null) $$,
  'an org admin sees their organization''s runs in full (a running one without outcome) and the global purge without its counts'
);
select is(
  (select failures from public.operations_nightly_runs where job = 'certification_expiry')
    #- '{0,occurred_at}',
  jsonb_build_array(jsonb_build_object(
    'peer_mentor_id', tests.id('mentor_a3'), 'display_name', 'Cai North-South',
    'sqlstate', 'PM429', 'message', 'too many status changes for this peer mentor')),
  'a run''s failures name the organization''s mentor and the error'
);
select is(
  (select failures from public.operations_nightly_runs where job = 'outbox_purge'),
  null,
  'the global purge shows no failures (they could be any organization''s)'
);
select is_empty(
  $$ select from public.operations_nightly_runs
     where organization_id = tests.id('org_b') or failures::text like '%organization B%' $$,
  'nothing of organization B''s runs reaches organization A''s admin'
);

select tests.act_as('admin_b', 'org_b');
select results_eq(
  $$ select organization_id, pending_events, parked_events from public.operations_outbox_backlog $$,
  $$ values (tests.id('org_b'), 0::bigint, 1::bigint) $$,
  'organization B''s admin sees only B''s backlog'
);
select results_eq(
  $$ select display_name from public.operations_parked_events $$,
  $$ values ('Gro B') $$,
  'organization B''s admin sees only B''s parked event'
);
select results_eq(
  $$ select job, examined from public.operations_nightly_runs order by started_at $$,
  $$ values ('scheduled_resume', 9), ('outbox_purge', null) $$,
  'organization B''s admin sees B''s run and the purge, none of A''s'
);

select tests.act_as('dual_user', 'org_a');
select ok(
  not exists (select from public.operations_outbox_backlog)
    and not exists (select from public.operations_parked_events)
    and not exists (select from public.operations_nightly_runs),
  'a coordinator in the claimed organization (org admin elsewhere) sees no operations data'
);
select tests.act_as('dual_user', 'org_b');
select results_eq(
  $$ select display_name from public.operations_parked_events $$,
  $$ values ('Gro B') $$,
  'the same user, claiming the organization where they are org admin, sees its parked events'
);

select tests.act_as('coord_north', 'org_a');
select ok(
  not exists (select from public.operations_outbox_backlog)
    and not exists (select from public.operations_parked_events)
    and not exists (select from public.operations_nightly_runs),
  'a coordinator sees no backlog, no parked event and no run'
);
select ok(
  not exists (select from private.operations_outbox_backlog())
    and not exists (select from private.operations_parked_events())
    and not exists (select from private.operations_nightly_runs()),
  'calling the definer readers directly gives a coordinator nothing either'
);
select tests.act_as('user_a1', 'org_a');
select ok(
  not exists (select from public.operations_parked_events)
    and not exists (select from public.operations_nightly_runs),
  'a mentor sees no operations data, not even about their own events'
);
select tests.act_as('outsider', 'org_a');
select is_empty(
  $$ select from public.operations_parked_events $$,
  'a signed-in user with no membership sees nothing'
);
select tests.act_as_anon();
select throws_ok(
  $$ select from public.operations_parked_events $$,
  '42501', null,
  'anon cannot read the parked events'
);
select throws_ok(
  $$ select public.requeue_parked_events('00000000-0000-0000-0000-000000000001') $$,
  '42501', null,
  'anon cannot requeue'
);

------------------------------------------------------------------------------------------------
-- Requeue: what it refuses (and that a refusal changes nothing)
------------------------------------------------------------------------------------------------

create temporary table fingerprint as select tests.outbox_fingerprint() as value;
grant select on fingerprint to authenticated, service_role;

select tests.act_as('coord_north', 'org_a');
select throws_ok(
  format('select public.requeue_parked_events(%L, array[%L]::uuid[])',
    tests.id('org_a'), (tests.outbox_event('mentor_a1', 1)).event_id),
  'PM403', null,
  'a coordinator cannot requeue (PM403)'
);
select tests.act_as('user_a1', 'org_a');
select throws_ok(
  format('select public.requeue_parked_events(%L)', tests.id('org_a')),
  'PM403', null,
  'a mentor cannot requeue, not even everything of their organization (PM403)'
);
select tests.act_as('admin_a', 'org_a');
select throws_ok(
  format('select public.requeue_parked_events(%L)', tests.id('org_b')),
  'PM412', null,
  'an org admin cannot requeue for an organization they do not claim (PM412)'
);
select throws_ok(
  format('select public.requeue_parked_events(%L, array[%L, %L]::uuid[])', tests.id('org_a'),
    (tests.outbox_event('mentor_a1', 1)).event_id, (tests.outbox_event('mentor_b1', 1)).event_id),
  'PM404', null,
  'naming another organization''s parked event refuses the whole call (PM404: invisible is absent)'
);
select throws_ok(
  format('select public.requeue_parked_events(%L, array[%L]::uuid[])', tests.id('org_a'), gen_random_uuid()),
  'PM404', null,
  'naming an event that does not exist is PM404'
);
select throws_ok(
  format('select public.requeue_parked_events(%L, array[%L, %L]::uuid[])', tests.id('org_a'),
    (tests.outbox_event('mentor_a1', 1)).event_id, (tests.outbox_event('mentor_a2', 2)).event_id),
  'PM422', null,
  'naming a pending (not parked) event refuses the whole call (PM422)'
);
select throws_ok(
  format('select public.requeue_parked_events(%L, array[%L]::uuid[])', tests.id('org_a'),
    (tests.outbox_event('mentor_a4', 1)).event_id),
  'PM422', null,
  'a delivered event cannot be requeued (PM422)'
);
select throws_ok(
  format('select public.requeue_parked_events(%L, array[]::uuid[])', tests.id('org_a')),
  'PM422', null,
  'an empty list is refused (PM422), not read as "everything"'
);
select throws_ok(
  format('select public.requeue_parked_events(%L, array[null]::uuid[])', tests.id('org_a')),
  'PM422', null,
  'a null in the list is refused (PM422)'
);
select throws_ok(
  'select public.requeue_parked_events(null)',
  'PM422', null,
  'a null organization is refused (PM422)'
);
select throws_ok(
  format('select public.requeue_parked_events(%L, array[%L]::uuid[])', tests.id('org_a'),
    (tests.outbox_event('mentor_a6', 1)).event_id),
  'PM422', null,
  'a parked event a newer one superseded cannot be requeued (PM422): it would never be sent'
);
select is(tests.outbox_fingerprint(), (select value from fingerprint),
  'none of the refused calls changed an event or wrote an audit row');

------------------------------------------------------------------------------------------------
-- Requeue: what it does
------------------------------------------------------------------------------------------------

select results_eq(
  format('select peer_mentor_id, status_version from public.requeue_parked_events(%L, array[%L]::uuid[])',
    tests.id('org_a'), (tests.outbox_event('mentor_a2', 1)).event_id),
  $$ values (tests.id('mentor_a2'), 1) $$,
  'an org admin requeues one parked event and gets it back'
);
select ok(
  (tests.outbox_event('mentor_a2', 1)).parked_at is null
    and (tests.outbox_event('mentor_a2', 1)).attempts = 0
    and (tests.outbox_event('mentor_a2', 1)).next_attempt_at <= now()
    and (tests.outbox_event('mentor_a2', 1)).last_error like 'Dataverse answered 404%',
  'the requeued event is due now with a fresh attempt count, and keeps its last error'
);
select ok(
  (tests.outbox_event('mentor_a1', 1)).parked_at is not null,
  'the other parked event stays parked'
);
select results_eq(
  $$ select event_id, actor_user_id, actor_role::text, attempts_before, last_error like 'Dataverse%', parked_at is not null
     from tests.requeue_audit() $$,
  format($$ values (%L::uuid, %L::uuid, 'org_admin', 5, true, true) $$,
    (tests.outbox_event('mentor_a2', 1)).event_id, tests.id('admin_a')),
  'the requeue is audited: which event, who, as which role, its attempts and error before'
);
select results_eq(
  $$ select pending_events, parked_events from public.operations_outbox_backlog $$,
  $$ values (2::bigint, 1::bigint) $$,
  'the backlog shows the change: one more pending, one fewer parked'
);
select throws_ok(
  format('select public.requeue_parked_events(%L, array[%L]::uuid[])', tests.id('org_a'),
    (tests.outbox_event('mentor_a2', 1)).event_id),
  'PM422', null,
  'requeueing the same event again is refused: it is no longer parked (a second admin acting on a stale page)'
);
select results_eq(
  format('select peer_mentor_id from public.requeue_parked_events(%L, array[%L, %L]::uuid[])', tests.id('org_a'),
    (tests.outbox_event('mentor_a1', 1)).event_id, (tests.outbox_event('mentor_a1', 1)).event_id),
  $$ values (tests.id('mentor_a1')) $$,
  'an event named twice is requeued once'
);

-- Park a1 again and requeue everything.
select tests.act_as_owner();
update private.status_change_outbox o set parked_at = now(), attempts = 3
where o.peer_mentor_id = tests.id('mentor_a1') and o.status_version = 1;
select tests.act_as('admin_a', 'org_a');
select results_eq(
  format('select peer_mentor_id from public.requeue_parked_events(%L)', tests.id('org_a')),
  $$ values (tests.id('mentor_a1')) $$,
  'without a list, every parked event of the organization is requeued'
);
select ok(
  (tests.outbox_event('mentor_b1', 1)).parked_at is not null,
  'another organization''s parked event is untouched by "requeue all"'
);
select is_empty(
  format('select from public.requeue_parked_events(%L)', tests.id('org_a')),
  'requeue all with nothing parked requeues nothing'
);
select ok(
  (tests.outbox_event('mentor_a6', 1)).parked_at is not null
    and (tests.outbox_event('mentor_a6', 1)).superseded_at is not null,
  '"requeue all" leaves a superseded parked event as it is'
);
select is(
  (select count(*) from tests.requeue_audit()),
  3::bigint,
  'one audit row per event requeued'
);

select tests.act_as_service_role();
select results_eq(
  format('select peer_mentor_id from public.requeue_parked_events(%L)', tests.id('org_b')),
  $$ values (tests.id('mentor_b1')) $$,
  'the system (service role) may requeue for any organization'
);
select results_eq(
  $$ select actor_user_id, actor_role::text from tests.requeue_audit() order by id desc limit 1 $$,
  $$ values (null::uuid, 'system') $$,
  'the system''s requeue is audited as the system, with no user'
);
select is_empty(
  $$ select from public.operations_parked_events $$,
  'the service role has no organization: the views show it nothing'
);

select tests.act_as_owner();
select throws_ok(
  $$ update private.status_change_requeues set attempts_before = 0 $$,
  '42501', null,
  'the requeue audit is append-only, even for its owner'
);
select throws_ok(
  $$ delete from private.status_change_requeues $$,
  '42501', null,
  'audit rows cannot be deleted'
);

select * from finish();
rollback;
