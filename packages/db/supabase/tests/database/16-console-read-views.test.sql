-- chapter_roster and chapter_overview (the web console's read views): they show each caller
-- exactly what row-level security on the tables underneath lets them read, with the counts the
-- console's home page shows.
begin;
create extension if not exists pgtap with schema extensions;
\ir fixtures/world.psql

select plan(9);

select is(
  (select array_agg(c.relname::text order by c.relname)
     from pg_catalog.pg_class c
     where c.relnamespace = 'public'::regnamespace and c.relkind = 'v'
       and c.relname like 'chapter\_%'
       and c.reloptions @> array['security_invoker=true']),
  array['chapter_overview', 'chapter_roster'],
  'both views run with the caller''s rights (security_invoker)'
);
select ok(
  not has_table_privilege('anon', 'public.chapter_roster', 'SELECT')
    and not has_table_privilege('anon', 'public.chapter_overview', 'SELECT')
    and has_table_privilege('authenticated', 'public.chapter_roster', 'SELECT')
    and not has_table_privilege('authenticated', 'public.chapter_roster', 'INSERT'),
  'authenticated may only read the views; anon not at all'
);

-- One pause in A North, one certification expiring within 30 days, one well after.
select tests.act_as('coord_north', 'org_a');
select lives_ok(
  $$ select public.activate_pause(tests.id('mentor_a1'), tests.id('org_a'), 'coordinator_decision', 'rest') $$,
  'setup: a coordinator pauses mentor_a1'
);
select tests.act_as_owner();
insert into public.peer_mentor_certifications (peer_mentor_id, valid_until) values
  (tests.id('mentor_a3'), (now() at time zone 'Europe/Oslo')::date + 10),
  (tests.id('mentor_a6'), (now() at time zone 'Europe/Oslo')::date + 90);

select tests.act_as('coord_north', 'org_a');
select results_eq(
  $$ select display_name, status::text, reason_code::text, certification_valid_until - (now() at time zone 'Europe/Oslo')::date
     from public.chapter_roster where chapter_id = tests.id('a_north') order by display_name $$,
  $$ values ('Ada North', 'paused', 'coordinator_decision', null::integer),
            ('Cai North-South', 'active', null, 10),
            ('Fie No-Login', 'active', null, 90) $$,
  'a coordinator reads a chapter''s roster: status, reason and certification expiry per mentor'
);
select results_eq(
  $$ select name, active_pauses, certifications_expiring from public.chapter_overview order by name $$,
  $$ values ('A North', 1::bigint, 1::bigint), ('A South', 0::bigint, 1::bigint), ('A West', 0::bigint, 0::bigint) $$,
  'chapter_overview counts active pauses and certifications expiring within 30 days per chapter'
);
select is_empty(
  $$ select from public.chapter_overview where organization_id = tests.id('org_b') $$,
  'staff of one organization see none of another''s chapters'
);

select tests.act_as('user_a1', 'org_a');
select results_eq(
  $$ select display_name from public.chapter_roster $$,
  $$ values ('Ada North') $$,
  'a mentor sees only their own roster row'
);

select tests.act_as('admin_b', 'org_b');
select results_eq(
  $$ select name, active_pauses from public.chapter_overview $$,
  $$ values ('B Main', 0::bigint) $$,
  'an org admin of organization B sees only B''s chapter'
);

select tests.act_as_anon();
select throws_ok(
  $$ select from public.chapter_roster $$,
  '42501',
  null,
  'anon cannot read the roster'
);

select * from finish();
rollback;
