-- Settled outbox events (migration 20261209000000): the per-mentor "still unsettled" index
-- leaves delivered and superseded events out, so the supersede trigger and the dispatcher's
-- claim do not walk a mentor's whole history; the nightly purge deletes superseded events as
-- well as delivered ones, oldest first, in batches, and nothing still to send.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(11);

-- A mentor's history written straight into the outbox as the owner: versions 1..p_versions,
-- each inserted after the last (the supersede trigger runs for every one).
create function tests.write_history(p_mentor text, p_versions integer)
returns void
language sql
as $$
  insert into private.status_change_outbox (peer_mentor_id, organization_id, status_version, payload)
  select m.id, m.organization_id, v, jsonb_build_object('status', 'paused', 'version', v)
  from public.peer_mentors m, generate_series(1, p_versions) v
  where m.id = tests.id(p_mentor)
  order by v
$$;

-- How many outbox rows a statement's scans read (kept plus removed by a filter), measured by
-- EXPLAIN ANALYZE in a subtransaction that is rolled back, so the statement changes nothing.
create function tests.outbox_rows_read(p_statement text)
returns integer
language plpgsql
as $$
declare
  v_plan jsonb;
begin
  begin
    execute 'explain (analyze, format json) ' || p_statement into v_plan;
    raise exception 'roll back' using errcode = 'P0002';
  exception when sqlstate 'P0002' then
    null;
  end;
  return (
    select sum(coalesce((node ->> 'Actual Rows')::integer, 0)
               + coalesce((node ->> 'Rows Removed by Filter')::integer, 0))::integer
    from jsonb_path_query(v_plan, 'lax $.**') node
    where jsonb_typeof(node) = 'object' and node ->> 'Relation Name' = 'status_change_outbox'
      and node ->> 'Node Type' <> 'ModifyTable');
end
$$;

------------------------------------------------------------------------------------------------
-- The index
------------------------------------------------------------------------------------------------

select has_index('private', 'status_change_outbox', 'status_change_outbox_unsettled_idx',
  array['peer_mentor_id', 'status_version'],
  'an index on (mentor, version) serves "which older versions of this mentor are unsettled"');
select is(
  (select pg_catalog.pg_get_expr(i.indpred, i.indrelid)
   from pg_catalog.pg_index i
   where i.indexrelid = 'private.status_change_outbox_unsettled_idx'::regclass),
  '((delivered_at IS NULL) AND (superseded_at IS NULL))',
  'it holds only unsettled events: delivered and superseded ones leave it');
select hasnt_index('private', 'status_change_outbox', 'status_change_outbox_undelivered_idx',
  'the old index that kept every superseded event is gone');

select tests.write_history('mentor_a1', 300);
analyze private.status_change_outbox;
select results_eq(
  $$ select count(*) filter (where superseded_at is null and delivered_at is null)::integer,
            count(*) filter (where superseded_by is not null)::integer,
            max(status_version) filter (where superseded_at is null)
     from private.status_change_outbox where peer_mentor_id = tests.id('mentor_a1') $$,
  $$ values (1, 299, 300) $$,
  'after 300 versions of one mentor only the newest is unsettled; the 299 older are superseded');

-- What runs on every status change reads the unsettled events only, not the history: with
-- sequential scans off (the table is small here) whichever index the planner picks, the
-- statements read one row of the 300 (the old index read all of them and filtered 299 out).
set local enable_seqscan = off;
set local enable_bitmapscan = off;
select is(
  tests.outbox_rows_read(format($$
    update private.status_change_outbox o
    set superseded_at = now(), superseded_by = gen_random_uuid()
    where o.peer_mentor_id = %L and o.status_version < 301
      and o.delivered_at is null and o.superseded_at is null
      and (o.claimed_until is null or o.claimed_until <= now()) $$, tests.id('mentor_a1'))),
  1,
  'the supersede trigger''s update reads the one unsettled event, not the 299 superseded ones');
select is(
  tests.outbox_rows_read(format($$
    select from private.status_change_outbox later
    where later.peer_mentor_id = %L and later.status_version > 1
      and later.delivered_at is null and later.superseded_at is null $$, tests.id('mentor_a1'))),
  1,
  'the claim''s "is there a newer unsettled version" reads one row, not the mentor''s history');
reset enable_seqscan;
reset enable_bitmapscan;

------------------------------------------------------------------------------------------------
-- The purge
------------------------------------------------------------------------------------------------

-- mentor_a1: 299 superseded + 1 pending; versions 1..100 superseded 40 days ago (version 100
-- longest ago), the rest recently. mentor_a2: versions 1..4 superseded 35 days ago, version 5
-- delivered 45 days ago. mentor_a3: one parked event, 60 days old (parked is not settled).
update private.status_change_outbox
set superseded_at = now() - interval '40 days' - status_version * interval '1 minute'
where peer_mentor_id = tests.id('mentor_a1') and status_version <= 100;
select tests.write_history('mentor_a2', 5);
update private.status_change_outbox
set superseded_at = now() - interval '35 days'
where peer_mentor_id = tests.id('mentor_a2') and status_version < 5;
update private.status_change_outbox
set delivered_at = now() - interval '45 days'
where peer_mentor_id = tests.id('mentor_a2') and status_version = 5;
select tests.write_history('mentor_a3', 1);
update private.status_change_outbox
set parked_at = now() - interval '60 days', created_at = now() - interval '61 days',
    attempts = 5, last_error = 'Dataverse answered 400'
where peer_mentor_id = tests.id('mentor_a3');

select is(
  private.purge_settled_status_changes(now() - interval '30 days', 3),
  3,
  'a batch deletes at most its limit');
select results_eq(
  format($$ select (select count(*) from private.status_change_outbox
                    where (peer_mentor_id, status_version) in (('%1$s', 5), ('%2$s', 100), ('%2$s', 99)))::integer,
                   (select count(*) from private.status_change_outbox where peer_mentor_id = '%1$s')::integer $$,
         tests.id('mentor_a2'), tests.id('mentor_a1')),
  $$ values (0, 4) $$,
  'oldest settled first: the event delivered 45 days ago and the two superseded 40 days ago went; those superseded 35 days ago wait');

select is(
  private.purge_settled_status_changes(now() - interval '30 days', 1000),
  102,
  'the next batch deletes the rest of what settled before the cutoff (98 + 4 superseded)');
select set_eq(
  $$ select peer_mentor_id, count(*)::integer as events,
            count(*) filter (where delivered_at is null and superseded_at is null)::integer as unsettled
     from private.status_change_outbox
     where peer_mentor_id in (tests.id('mentor_a1'), tests.id('mentor_a2'), tests.id('mentor_a3'))
     group by peer_mentor_id $$,
  format($$ values ('%s'::uuid, 200, 1), ('%s'::uuid, 1, 1) $$, tests.id('mentor_a1'), tests.id('mentor_a3')),
  'recently superseded events, the pending newest version and a parked event (not settled, however old) stay');

-- Through the nightly job, as a host runs it: one purge run, counted.
update private.status_change_outbox
set superseded_at = now() - interval '31 days'
where peer_mentor_id = tests.id('mentor_a1') and superseded_at is not null and status_version <= 150;
select tests.act_as_service_role();
select results_eq(
  $$ select r.job, r.events_purged, r.outcome
     from private.run_scheduler_step(gen_random_uuid(), array['outbox_purge'], now(), current_date,
                                     500, 'pgTAP') r $$,
  $$ values ('outbox_purge', 50, 'completed') $$,
  'the nightly purge job deletes superseded events past the retention window and counts them');

select * from finish();
rollback;
