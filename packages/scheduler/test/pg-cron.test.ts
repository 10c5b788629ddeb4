/**
 * The database-side hosts on a cluster set up the way a hosted Supabase project is: pg_cron
 * preloaded with its database as cron.database_name, and a short global statement_timeout
 * (hosted: 2 minutes; here 2 seconds, so a night that outlasts it fits in a test). The normal
 * test server has neither. Skipped where the machine has no pg_cron (Debian:
 * postgresql-<major>-cron, which scripts/setup.sh installs).
 *
 *   - the migrations leave the choice of host to the operator, reading settings from
 *     pg_settings (a role without pg_read_all_settings can apply them);
 *   - the procedure's time budget: a night longer than the statement timeout is done by
 *     repeated calls, each ending inside the timeout;
 *   - the operator's files in sql/: pg_cron as the host (and pg_cron running it), the Edge
 *     Function through pg_net with its URL and key from Vault (a stand-in net.http_post with
 *     pg_net's documented signature records each call, and the recorded call is replayed
 *     against the real function under Deno), and an external host.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  findPostgresBinaries,
  type LocalCluster,
  migrate,
  readEnv,
  startLocalCluster,
} from '@peer-mentor/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveNightlyFunctionLocally } from '../src/hosts/edge-function/serve-locally.js';
import type { NightlyResponse } from '../src/index.js';
import { packageRoot } from './support/processes.js';
import {
  addDays,
  addMentors,
  createOrganization,
  mentorStates,
  pauseAsAdmin,
  todayIn,
} from './support/roster.js';

const DATABASE = 'pm_cron';
const STATEMENT_TIMEOUT_MS = 2_000;
const binaries = findPostgresBinaries(readEnv().PG_BINDIR);
const pgCronInstalled = existsSync(path.join(binaries.binDir, '..', 'lib', 'pg_cron.so'));
const migrationsDir = path.join(packageRoot, '..', 'db', 'supabase', 'migrations');
const operatorSql = (name: string) => readFileSync(path.join(packageRoot, 'sql', name), 'utf8');
const migrationSql = (name: string) => readFileSync(path.join(migrationsDir, name), 'utf8');

let cluster: LocalCluster | undefined;
let databaseUrl: string;
/** Fixtures and checks: not what is under test, so without the statement timeout. */
let pool: pg.Pool;

beforeAll(async () => {
  if (!pgCronInstalled) return;
  cluster = await startLocalCluster({
    binDir: binaries.binDir,
    preloadIfInstalled: ['pg_cron', 'plpgsql_check'],
    settings: {
      // pg_cron keeps its tables in this database and runs jobs over a libpq connection to
      // cron.host, which must be where the cluster listens.
      'cron.database_name': DATABASE,
      'cron.host': '127.0.0.1',
      // Hosted Supabase ends every statement after a global timeout (2 minutes); a pg_cron
      // job's CALL is one statement.
      statement_timeout: STATEMENT_TIMEOUT_MS,
    },
  });
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`create database ${DATABASE}`);
  await admin.end();
  const url = new URL(cluster.url);
  url.pathname = `/${DATABASE}`;
  databaseUrl = url.toString();
  await migrate(databaseUrl);
  pool = new pg.Pool({ connectionString: databaseUrl, max: 4, options: '-c statement_timeout=0' });
}, 180_000);

afterAll(async () => {
  await pool?.end();
  await cluster?.stop();
});

interface CronJob {
  jobid: string;
  jobname: string;
  schedule: string;
  command: string;
  username: string;
}

async function cronJobs(): Promise<CronJob[]> {
  const { rows } = await pool.query<CronJob>(
    `select jobid::text, jobname, schedule, command, username from cron.job order by jobname`,
  );
  return rows;
}

/** SQL on a connection of its own, with the server's settings (the global timeout included). */
async function onConnection<T>(
  work: (client: pg.Client, notices: string[]) => Promise<T>,
  user = 'postgres',
): Promise<T> {
  const url = new URL(databaseUrl);
  url.username = user;
  const client = new pg.Client({ connectionString: url.toString() });
  const notices: string[] = [];
  client.on('notice', (notice) => notices.push(notice.message ?? ''));
  await client.connect();
  try {
    return await work(client, notices);
  } finally {
    await client.end();
  }
}

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: { code?: string; message: string }) => error,
  );

async function hostsOf(organizationId: string | null): Promise<string[][]> {
  const { rows } = await pool.query<{ hosts: string[] }>(
    `select hosts from private.scheduler_runs where organization_id is not distinct from $1 order by id`,
    [organizationId],
  );
  return rows.map((row) => row.hosts);
}

describe.skipIf(!pgCronInstalled)('the nightly jobs on a cluster set up as hosted Supabase', () => {
  it('the migrations register no nightly job: pg_cron is there, the host is the operator’s choice', async () => {
    expect(cluster!.preloaded).toContain('pg_cron');
    const { rows } = await pool.query(`select 1 from pg_extension where extname = 'pg_cron'`);
    expect(rows).toHaveLength(1);
    expect(await cronJobs()).toEqual([]);
    expect((await pool.query('show statement_timeout')).rows).toEqual([{ statement_timeout: '0' }]);
    await onConnection(async (client) => {
      expect((await client.query('show statement_timeout')).rows).toEqual([
        { statement_timeout: '2s' },
      ]);
    });
  });

  it('the review of the implicit job keeps pg_cron where it has run nights, and removes it where it never ran', async () => {
    const implicit = migrationSql('20260402000100_nightly_jobs_pg_cron.sql');
    const review = migrationSql('20261203000100_nightly_jobs_host_choice.sql');
    // A deployment that ran its nights from the implicit job: it stays, on the night window.
    await pool.query(implicit);
    const [job] = await cronJobs();
    await pool.query(
      `insert into cron.job_run_details (jobid, runid, job_pid, database, username, command, status,
         return_message, start_time, end_time)
       values ($1::bigint, 1, 0, $2, 'postgres', 'call private.run_nightly_jobs()', 'succeeded', 'CALL',
         now() - interval '1 day', now() - interval '1 day')`,
      [job!.jobid, DATABASE],
    );
    await pool.query(review);
    // Not to be fired by pg_cron during the tests (its window is 01:00-04:59 UTC).
    await pool.query(`update cron.job set active = false`);
    expect(await cronJobs()).toEqual([
      expect.objectContaining({
        jobname: 'peer-mentor-nightly',
        schedule: '*/10 1-4 * * *',
        command: 'call private.run_nightly_jobs()',
      }),
    ]);
    // Reviewing again changes nothing: the job is no longer the implicit one.
    await pool.query(review);
    expect((await cronJobs()).map((row) => row.schedule)).toEqual(['*/10 1-4 * * *']);

    // A fresh deployment: registered by the old migration, never ran, so it is removed.
    await pool.query(`select cron.unschedule('peer-mentor-nightly')`);
    await pool.query('delete from cron.job_run_details');
    await pool.query(implicit);
    expect(await cronJobs()).toHaveLength(1);
    await onConnection(async (client, notices) => {
      await client.query(review);
      expect(notices.join('\n')).toContain('pg_cron job peer-mentor-nightly removed');
    });
    expect(await cronJobs()).toEqual([]);
  });

  it('a migration role without pg_read_all_settings can apply the review: settings come from pg_settings', async () => {
    await pool.query(
      `do $$ begin
         if not exists (select from pg_roles where rolname = 'limited_migrator') then
           create role limited_migrator login;
         end if;
       end $$`,
    );
    await pool.query(`grant usage on schema cron to limited_migrator`);
    await onConnection(async (client, notices) => {
      // The old migration read them with current_setting() and fails for this role.
      const old = await errorOf(
        client.query(migrationSql('20260402000100_nightly_jobs_pg_cron.sql')),
      );
      expect(old?.message).toMatch(/pg_read_all_settings/);
      await client.query(migrationSql('20261203000100_nightly_jobs_host_choice.sql'));
      expect(notices.join('\n')).toContain(
        'no job registered by 20260402000100 to review; the nightly host stays as chosen',
      );
    }, 'limited_migrator');
    await pool.query(`revoke usage on schema cron from limited_migrator`);
    await onConnection(async (client, notices) => {
      await client.query(migrationSql('20261203000100_nightly_jobs_host_choice.sql'));
      const notice = notices.join('\n');
      expect(notice).toContain(
        'pg_cron is not in use in database pm_cron for role limited_migrator',
      );
      expect(notice).toContain('cron.database_name: not visible to this role');
    }, 'limited_migrator');
  });

  it('a night longer than the statement timeout: one CALL is killed, repeated budgeted CALLs finish it', async () => {
    const today = await todayIn(pool, 'Europe/Oslo');
    const organization = await createOrganization(pool);
    const expired = await addMentors(
      pool,
      organization,
      Array.from({ length: 3_000 }, () => ({ validUntil: addDays(today, -1) })),
    );
    const [vacation] = await addMentors(pool, organization, [{}]);
    await pauseAsAdmin(pool, organization, vacation!, 'vacation', today);
    await pool.query(
      'update public.peer_mentor_status set expected_end = $2 where peer_mentor_id = $1',
      [vacation, addDays(today, -1)],
    );

    // A heavy night on any machine: each transition takes at least a millisecond, so the 3,000
    // expiries alone outlast the 2 s timeout.
    await pool.query(`
      create function public.slow_transition() returns trigger language plpgsql set search_path = '' as $$
      begin perform pg_catalog.pg_sleep(0.001); return new; end $$;
      create trigger slow_transition before update on public.peer_mentor_status
        for each row execute function public.slow_transition();`);

    // Without a budget that fits (what the procedure of 20260402000000 did), the statement
    // timeout kills the CALL mid-night: the committed batches stay, the purge never runs.
    const killed = await onConnection((client) =>
      errorOf(
        client.query(`call private.run_nightly_jobs(10, p_time_budget => interval '10 minutes')`),
      ),
    );
    expect(killed).toMatchObject({ code: '57014' });
    const afterKill = await mentorStates(pool, expired);
    const pausedAfterKill = afterKill.filter((state) => state.status === 'paused').length;
    expect(pausedAfterKill).toBeGreaterThan(0);
    expect(pausedAfterKill).toBeLessThan(expired.length);
    expect(await hostsOf(null)).toEqual([]);

    // What the pg_cron job sends, again and again over the night window: each CALL stops
    // starting batches at half the timeout and returns; the next continues the same runs.
    let calls = 0;
    let finished = false;
    const durations: number[] = [];
    while (!finished && calls < 40) {
      calls += 1;
      const notices = await onConnection(async (client, seen) => {
        const started = performance.now();
        await client.query('call private.run_nightly_jobs(10)');
        durations.push(performance.now() - started);
        return seen;
      });
      finished = !notices.some((notice) => notice.includes('time budget'));
    }
    await pool.query('drop function public.slow_transition() cascade');
    expect(finished).toBe(true);
    expect(calls).toBeGreaterThan(1);
    for (const duration of durations) expect(duration).toBeLessThan(STATEMENT_TIMEOUT_MS);

    const states = await mentorStates(pool, [...expired, vacation!]);
    expect(
      states
        .slice(0, -1)
        .every((state) => state.reasonCode === 'certification_expired' && state.logRows === 1),
    ).toBe(true);
    expect(states.at(-1)).toMatchObject({ status: 'active' });
    const { rows: runs } = await pool.query<{ job: string; outcome: string; examined: number }>(
      `select job, outcome, examined from private.scheduler_runs
       where organization_id = $1 or organization_id is null order by id`,
      [organization.id],
    );
    // One run per job, continued by every call (the killed one included), and the purge last.
    expect(runs).toEqual([
      { job: 'scheduled_resume', outcome: 'completed', examined: 1 },
      { job: 'certification_expiry', outcome: 'completed', examined: 3_000 },
      { job: 'outbox_purge', outcome: 'completed', examined: 0 },
    ]);
    expect(await hostsOf(organization.id)).toEqual([['pg_cron'], ['pg_cron']]);
  }, 180_000);

  it('nightly-host-pg-cron.sql schedules the procedure over the night window, and pg_cron runs it', async () => {
    // The Edge Function's job as an earlier README had operators create it: one host at a time.
    await pool.query(
      `select cron.alter_job(cron.schedule('peer-mentor-nightly-edge', '*/5 1-2 * * *', 'select 1'),
         active := false)`,
    );
    await pool.query(operatorSql('nightly-host-pg-cron.sql'));
    await pool.query(operatorSql('nightly-host-pg-cron.sql'));
    const [job, ...others] = await cronJobs();
    expect(others).toEqual([]);
    expect(job).toMatchObject({
      jobname: 'peer-mentor-nightly',
      schedule: '*/10 1-4 * * *',
      command: 'call private.run_nightly_jobs()',
      username: 'postgres',
    });

    const today = await todayIn(pool, 'Europe/Oslo');
    const organization = await createOrganization(pool);
    const mentors = await addMentors(
      pool,
      organization,
      Array.from({ length: 10 }, () => ({ validUntil: addDays(today, -3) })),
    );
    // pg_cron schedules by the minute: every minute, then wait for the next one.
    await pool.query(`select cron.alter_job($1::bigint, schedule := '* * * * *')`, [job!.jobid]);
    try {
      const deadline = Date.now() + 90_000;
      let succeeded = false;
      while (!succeeded && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const { rows } = await pool.query<{ status: string; return_message: string }>(
          `select status, return_message from cron.job_run_details where jobid = $1::bigint
           order by start_time desc limit 1`,
          [job!.jobid],
        );
        if (rows[0]?.status === 'failed')
          throw new Error(`the cron job failed: ${rows[0].return_message}`);
        succeeded = rows[0]?.status === 'succeeded';
      }
      expect(succeeded).toBe(true);
    } finally {
      await pool.query(`select cron.alter_job($1::bigint, schedule := '*/10 1-4 * * *')`, [
        job!.jobid,
      ]);
    }
    const states = await mentorStates(pool, mentors);
    expect(states.every((state) => state.reasonCode === 'certification_expired')).toBe(true);
    expect(await hostsOf(organization.id)).toEqual([['pg_cron'], ['pg_cron']]);
  }, 120_000);

  it('nightly-host-edge-function.sql calls the function through pg_net with the key from Vault, in place of the procedure', async () => {
    const SECRET_KEY = 'sb_secret_nightly_for_tests';
    // Stand-ins for what a hosted project has and this server does not: Vault's view and
    // pg_net's net.http_post with its documented signature, recording each call.
    await pool.query(`
      create schema vault;
      create table vault.secrets (id uuid primary key default gen_random_uuid(), name text unique, secret text);
      create view vault.decrypted_secrets as select id, name, secret as decrypted_secret from vault.secrets;
      create function vault.create_secret(new_secret text, new_name text default null,
        new_description text default '', new_key_id uuid default null) returns uuid
      language sql as $$ insert into vault.secrets (name, secret) values (new_name, new_secret) returning id $$;
      create schema net;
      create table net.recorded_calls (id bigint generated always as identity primary key, url text,
        body jsonb, params jsonb, headers jsonb, timeout_milliseconds integer);
      create function net.http_post(url text, body jsonb default '{}'::jsonb, params jsonb default '{}'::jsonb,
        headers jsonb default '{"Content-Type": "application/json"}'::jsonb, timeout_milliseconds integer default 5000)
      returns bigint language sql as $$
        insert into net.recorded_calls (url, body, params, headers, timeout_milliseconds)
        values (url, body, params, headers, timeout_milliseconds) returning id $$;
    `);
    const before = await cronJobs();
    const missing = await errorOf(pool.query(operatorSql('nightly-host-edge-function.sql')));
    expect(missing?.message).toContain(
      "store the Edge Function's URL and key in Vault first: secrets peer_mentor_nightly_url and peer_mentor_nightly_key",
    );
    expect(await cronJobs()).toEqual(before);

    const edge = await serveNightlyFunctionLocally({
      SUPABASE_DB_URL: databaseUrl,
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: SECRET_KEY }),
    });
    try {
      await pool.query(
        `select vault.create_secret($1, 'peer_mentor_nightly_url'), vault.create_secret($2, 'peer_mentor_nightly_key')`,
        [edge.url, SECRET_KEY],
      );
      await pool.query(operatorSql('nightly-host-edge-function.sql'));
      await pool.query(operatorSql('nightly-host-edge-function.sql'));
      // Run its command below ourselves: pg_cron must not fire it meanwhile (01:00-04:59 UTC).
      await pool.query(
        `select cron.alter_job(jobid, active := false) from cron.job
         where jobname = 'peer-mentor-nightly-edge-function'`,
      );
      const jobs = await cronJobs();
      expect(jobs).toEqual([
        expect.objectContaining({
          jobname: 'peer-mentor-nightly-edge-function',
          schedule: '*/2 1-4 * * *',
          username: 'postgres',
        }),
      ]);

      // The job's command, as pg_cron runs it (with the global timeout).
      await onConnection((client) => client.query(jobs[0]!.command));
      const { rows: recorded } = await pool.query<{
        url: string;
        body: unknown;
        params: unknown;
        headers: Record<string, string>;
        timeout_milliseconds: number;
      }>('select url, body, params, headers, timeout_milliseconds from net.recorded_calls');
      expect(recorded).toEqual([
        {
          url: edge.url,
          body: {},
          params: {},
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${SECRET_KEY}` },
          timeout_milliseconds: 20_000,
        },
      ]);

      // What pg_net would send, sent to the real function: it runs the night.
      const today = await todayIn(pool, 'Europe/Oslo');
      const organization = await createOrganization(pool);
      const mentors = await addMentors(
        pool,
        organization,
        Array.from({ length: 5 }, () => ({ validUntil: addDays(today, -2) })),
      );
      const call = recorded[0]!;
      const response = await fetch(call.url, {
        method: 'POST',
        headers: call.headers,
        body: JSON.stringify(call.body),
        signal: AbortSignal.timeout(call.timeout_milliseconds),
      });
      expect(response.status).toBe(200);
      expect((await response.json()) as NightlyResponse).toMatchObject({ done: true });
      const states = await mentorStates(pool, mentors);
      expect(states.every((state) => state.reasonCode === 'certification_expired')).toBe(true);
      expect(await hostsOf(organization.id)).toEqual([['edge-function'], ['edge-function']]);
    } finally {
      await edge.stop();
    }
  }, 120_000);

  it('nightly-host-external.sql leaves no nightly job in the database', async () => {
    await pool.query(operatorSql('nightly-host-external.sql'));
    await pool.query(operatorSql('nightly-host-external.sql'));
    expect(await cronJobs()).toEqual([]);
  });
});
