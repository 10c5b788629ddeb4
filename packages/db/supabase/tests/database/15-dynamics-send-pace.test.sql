-- The request pace every outbox dispatcher shares (migration 20261204000000), and the CRM
-- ETags they keep:
--   * nobody but the owner reads or writes the pace or the ETags; only service_role executes
--     the pace functions; bad arguments are refused and change nothing;
--   * permits come from a token bucket: a burst, then the rate; a 429 halves the rate once per
--     throttling episode, holds every process back for the Retry-After, and the rate climbs
--     back over the ramp. Time passes by moving refreshed_at back (now() is fixed in a test).
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(28);

create function tests.pace()
returns table (rate double precision, tokens double precision)
language sql
stable
security definer
set search_path = ''
as $$ select p.rate, p.tokens from private.dynamics_send_pace p $$;
create function tests.let_time_pass(p_seconds double precision)
returns void
language sql
security definer
set search_path = ''
as $$
  update private.dynamics_send_pace
  set refreshed_at = refreshed_at - make_interval(secs => p_seconds),
      slowed_until = slowed_until - make_interval(secs => p_seconds)
$$;
grant execute on all functions in schema tests to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- Structure and privileges
------------------------------------------------------------------------------------------------

select ok(
  (select bool_and(c.relrowsecurity) from pg_catalog.pg_class c
   where c.oid in ('private.dynamics_send_pace'::regclass, 'private.dynamics_record_etags'::regclass)),
  'the pace and the kept ETags have row-level security enabled'
);
select table_privs_are('private', table_name, role_name, array[]::text[],
  format('%s holds no privilege on private.%s', role_name, table_name))
from unnest(array['dynamics_send_pace', 'dynamics_record_etags']) as table_name,
     unnest(array['anon', 'authenticated', 'service_role']) as role_name;
select function_privs_are('private', function_name, args, role_name,
  case when role_name = 'service_role' then array['EXECUTE'] else array[]::text[] end,
  format('%s %s execute private.%s', role_name,
         case when role_name = 'service_role' then 'may' else 'may not' end, function_name))
from (values
  ('take_dynamics_send_permits', array['integer', 'double precision', 'integer', 'integer']),
  ('slow_dynamics_sends', array['integer', 'double precision'])
) as fn (function_name, args),
unnest(array['authenticated', 'service_role']) as role_name;
select results_eq(
  $$ select count(*), bool_and(rate is null and tokens is null) from private.dynamics_send_pace $$,
  $$ values (1::bigint, true) $$,
  'the pace is one row, untouched until the first dispatcher takes permits'
);

------------------------------------------------------------------------------------------------
-- Bad arguments
------------------------------------------------------------------------------------------------

select tests.act_as_service_role();
select throws_ok(
  $$ select * from private.take_dynamics_send_permits(0, 4, 100, 300) $$,
  '22023', 'take_dynamics_send_permits needs 1 to 1000 wanted, a rate from 0 to 10000 per second, a burst from 1 to 100000 and a ramp from 1 to 86400 seconds',
  'taking no permits is refused'
);
select throws_ok(
  $$ select * from private.take_dynamics_send_permits(5, 0, 100, 300) $$,
  '22023', null, 'a rate of 0 is refused'
);
select throws_ok(
  $$ select private.slow_dynamics_sends(-1, 4) $$,
  '22023', 'slow_dynamics_sends needs a Retry-After from 0 to 86400000 ms and a rate from 0 to 10000 per second',
  'a negative Retry-After is refused'
);
select tests.act_as_owner();
select results_eq($$ select * from tests.pace() $$, $$ values (null::double precision, null::double precision) $$,
  'and the refused calls changed nothing');

------------------------------------------------------------------------------------------------
-- Burst, then rate
------------------------------------------------------------------------------------------------

select tests.act_as_service_role();
select results_eq(
  $$ select * from private.take_dynamics_send_permits(10, 4, 100, 300) $$,
  $$ values (10, 0) $$,
  'the first take gets what it asks for, from the full burst'
);
select results_eq(
  $$ select * from private.take_dynamics_send_permits(200, 4, 100, 300) $$,
  $$ values (90, 0) $$,
  'a bigger take gets what is left of the burst'
);
select results_eq(
  $$ select * from private.take_dynamics_send_permits(5, 4, 100, 300) $$,
  $$ values (0, 250) $$,
  'with the bucket empty, nothing is granted and the next permit is 250 ms away (4 per second)'
);
select tests.let_time_pass(10);
select results_eq(
  $$ select * from private.take_dynamics_send_permits(100, 4, 100, 300) $$,
  $$ values (40, 0) $$,
  'ten seconds later, forty permits have accrued'
);

------------------------------------------------------------------------------------------------
-- A 429 slows every process down, once per episode, and the rate climbs back
------------------------------------------------------------------------------------------------

select is(private.slow_dynamics_sends(2000, 4), 2::double precision,
  'a 429 halves the shared rate');
select tests.act_as_owner();
select results_eq($$ select * from tests.pace() $$, $$ values (2::double precision, -4::double precision) $$,
  'and owes the Retry-After: two seconds at two per second');
select tests.act_as_service_role();
select is(private.slow_dynamics_sends(2000, 4), 2::double precision,
  'another 429 of the same episode (requests that were in flight) does not halve it again');
select results_eq(
  $$ select * from private.take_dynamics_send_permits(1, 4, 100, 300) $$,
  $$ values (0, 2500) $$,
  'no process sends before the Retry-After has passed'
);
select tests.let_time_pass(3);
select results_eq(
  $$ select granted from private.take_dynamics_send_permits(50, 4, 100, 300) $$,
  $$ values (2) $$,
  'after it, permits come back slowly: the rate climbs from 2 toward 4 over the ramp'
);
select tests.let_time_pass(300);
select results_eq(
  $$ select granted from private.take_dynamics_send_permits(1000, 4, 100, 300) $$,
  $$ values (100) $$,
  'a whole ramp later the full rate and burst are back'
);
select tests.act_as_owner();
select is((select rate from tests.pace()), 4::double precision, 'the rate is back at its maximum');

-- Throttled again and again, each time after the previous episode is over.
select tests.act_as_service_role();
create temporary table rates_after_episodes (rate double precision);
do $$
begin
  for episode in 1..6 loop
    insert into rates_after_episodes select private.slow_dynamics_sends(1000, 4);
    perform tests.let_time_pass(2);
  end loop;
end
$$;
select results_eq(
  $$ select rate from rates_after_episodes $$,
  $$ values (2::double precision), (1), (0.5), (0.25), (0.2), (0.2) $$,
  'each new episode halves the rate again, never below a twentieth of the maximum'
);

select * from finish();
rollback;
