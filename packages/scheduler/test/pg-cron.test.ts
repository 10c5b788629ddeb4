/**
 * The pg_cron host, on a cluster of its own started with pg_cron preloaded and its database
 * as cron.database_name (the normal test server has no pg_cron): the migration creates the
 * extension and registers the nightly job; the command the job runs does the nightly work
 * committing batch by batch; and pg_cron itself runs it. Skipped where the machine has no
 * pg_cron (Debian: postgresql-<major>-cron, which scripts/setup.sh installs).
 */
import { existsSync } from 'node:fs';
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
import {
  addDays,
  addMentors,
  createOrganization,
  mentorStates,
  pauseAsAdmin,
  runsOf,
  todayIn,
} from './support/roster.js';

const DATABASE = 'pm_cron';
const binaries = findPostgresBinaries(readEnv().PG_BINDIR);
const pgCronInstalled = existsSync(path.join(binaries.binDir, '..', 'lib', 'pg_cron.so'));

let cluster: LocalCluster | undefined;
let pool: pg.Pool;

beforeAll(async () => {
  if (!pgCronInstalled) return;
  cluster = await startLocalCluster({
    binDir: binaries.binDir,
    preloadIfInstalled: ['pg_cron', 'plpgsql_check'],
    // pg_cron keeps its tables in this database and runs jobs over a libpq connection to
    // cron.host, which must be where the cluster listens.
    settings: { 'cron.database_name': DATABASE, 'cron.host': '127.0.0.1' },
  });
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`create database ${DATABASE}`);
  await admin.end();
  const url = new URL(cluster.url);
  url.pathname = `/${DATABASE}`;
  await migrate(url.toString());
  pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
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
  database: string;
  username: string;
  active: boolean;
}

async function nightlyJob(): Promise<CronJob> {
  const { rows } = await pool.query<CronJob>(
    `select jobid::text, jobname, schedule, command, database, username, active
     from cron.job where jobname = 'peer-mentor-nightly'`,
  );
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe.skipIf(!pgCronInstalled)('pg_cron', () => {
  it('the migration created the extension and registered the nightly job', async () => {
    expect(cluster!.preloaded).toContain('pg_cron');
    expect(await nightlyJob()).toEqual({
      jobid: expect.any(String),
      jobname: 'peer-mentor-nightly',
      schedule: '15 1 * * *',
      command: 'call private.run_nightly_jobs()',
      database: DATABASE,
      username: 'postgres',
      active: true,
    });
  });

  it('the command the job runs does the night: resumes, then expiries, a batch per transaction', async () => {
    const today = await todayIn(pool, 'Europe/Oslo');
    const organization = await createOrganization(pool);
    const expired = await addMentors(
      pool,
      organization,
      Array.from({ length: 1_200 }, () => ({ validUntil: addDays(today, -1) })),
    );
    const [vacation] = await addMentors(pool, organization, [{}]);
    await pauseAsAdmin(pool, organization, vacation!, 'vacation', today);
    // The RPC refuses an expected end in the past; move this one to yesterday, as if the pause
    // had been taken earlier, so tonight's resume is due.
    await pool.query(
      'update public.peer_mentor_status set expected_end = $2 where peer_mentor_id = $1',
      [vacation, addDays(today, -1)],
    );

    // The job's own command, on a connection of its own outside any transaction block, as
    // pg_cron runs it.
    const client = new pg.Client({ connectionString: pool.options.connectionString });
    await client.connect();
    try {
      await client.query((await nightlyJob()).command);
    } finally {
      await client.end();
    }

    const states = await mentorStates(pool, [...expired, vacation!]);
    expect(states.slice(0, -1).every((state) => state.reasonCode === 'certification_expired')).toBe(
      true,
    );
    expect(states.at(-1)).toMatchObject({
      status: 'active',
      lastLog: {
        actorRole: 'system',
        note: `Scheduled resume: expected end ${addDays(today, -1)} has passed`,
      },
    });
    const runs = await runsOf(pool, organization.id);
    expect(runs.map((run) => [run.job, run.host, run.outcome])).toEqual([
      ['scheduled_resume', 'pg_cron', 'completed'],
      ['certification_expiry', 'pg_cron', 'completed'],
    ]);
    // 1,200 mentors in batches of 500: three committed batches.
    expect(runs[1]).toMatchObject({
      runDate: today,
      examined: 1_200,
      mentorsChanged: 1_200,
      batches: 3,
    });
    expect(await runsOf(pool, null)).toEqual([
      expect.objectContaining({ job: 'outbox_purge', host: 'pg_cron', outcome: 'completed' }),
    ]);
  });

  it('pg_cron runs the job itself', async () => {
    const today = await todayIn(pool, 'Europe/Oslo');
    const organization = await createOrganization(pool);
    const mentors = await addMentors(
      pool,
      organization,
      Array.from({ length: 10 }, () => ({ validUntil: addDays(today, -3) })),
    );
    const job = await nightlyJob();
    // pg_cron 1.4 schedules by the minute: every minute, then wait for the next one.
    await pool.query(`select cron.alter_job($1::bigint, schedule := '* * * * *')`, [job.jobid]);
    const deadline = Date.now() + 90_000;
    let succeeded = false;
    while (!succeeded && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const { rows } = await pool.query<{ status: string; return_message: string }>(
        `select status, return_message from cron.job_run_details where jobid = $1::bigint
         order by start_time desc limit 1`,
        [job.jobid],
      );
      if (rows[0]?.status === 'failed')
        throw new Error(`the cron job failed: ${rows[0].return_message}`);
      succeeded = rows[0]?.status === 'succeeded';
    }
    expect(succeeded).toBe(true);
    const states = await mentorStates(pool, mentors);
    expect(states.every((state) => state.reasonCode === 'certification_expired')).toBe(true);
    expect((await runsOf(pool, organization.id)).map((run) => run.host)).toEqual([
      'pg_cron',
      'pg_cron',
    ]);
  }, 120_000);
});
