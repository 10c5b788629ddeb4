/**
 * The long-running Node host (`scheduler serve`) as a process: croner starts the nightly jobs
 * on SCHEDULER_NIGHTLY_CRON (here every second) and the outbox dispatcher runs on its own
 * interval, sending the expiry pauses' events to the fake Dataverse server; SIGTERM stops it
 * cleanly.
 */
import { createDb, type Db } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { FakeDataverseServer } from '@peer-mentor/dynamics-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, spawnCli, waitFor } from './support/processes.js';
import {
  addDays,
  addMentors,
  createOrganization,
  mentorStates,
  runsOf,
  todayIn,
} from './support/roster.js';

const database = useTestDatabase();
let db: Db;
let fake: FakeDataverseServer;

beforeAll(async () => {
  db = createDb(database.url, { maxConnections: 4 });
  fake = await FakeDataverseServer.start();
});
afterAll(async () => {
  await fake.close();
  await db.close();
});

/**
 * `scheduler serve` configured by `env`, until `ready` (which may watch what it prints) is
 * done; then SIGTERM, and it must exit 0. Returns everything it printed.
 */
async function serveUntil(
  env: Record<string, string>,
  ready: (printed: () => string) => Promise<void>,
): Promise<string> {
  let output = '';
  const child = spawnCli(['serve'], env, 'pipe');
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  try {
    await ready(() => output);
    child.kill('SIGTERM');
    expect(await exited, output).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  return output;
}

describe('scheduler serve', () => {
  it('runs the nightly jobs on their croner schedule and dispatches the outbox on its interval', async () => {
    const today = await todayIn(db.pool, 'Europe/Oslo');
    const organization = await createOrganization(db.pool);
    const mentors = await addMentors(
      db.pool,
      organization,
      Array.from({ length: 5 }, () => ({ validUntil: addDays(today, -1) })),
    );
    for (const mentor of mentors) fake.createRecord(mentor);

    const output = await serveUntil(
      {
        DATABASE_URL: database.url,
        SCHEDULER_NIGHTLY_CRON: '* * * * * *',
        SCHEDULER_DISPATCH_EVERY_SECONDS: '1',
        ...fake.env(),
      },
      () =>
        waitFor(
          () => mentors.every((mentor) => fake.appliedVersions(mentor).join() === '1'),
          30_000,
        ),
    );

    const states = await mentorStates(db.pool, mentors);
    expect(states.every((state) => state.reasonCode === 'certification_expired')).toBe(true);
    const runs = await runsOf(db.pool, organization.id);
    // Croner fired every second; the first night did the work, the later ones found it done.
    expect(runs.filter((run) => run.job === 'certification_expiry')).toEqual([
      expect.objectContaining({ runDate: today, outcome: 'completed', mentorsChanged: 5 }),
    ]);
    expect(runs[0]!.host).toMatch(/^node@/);
    const messages = jsonLines(output).map((entry) => entry.message);
    expect(messages).toContain('scheduler service started');
    expect(messages).toContain('nightly jobs finished');
    expect(messages).toContain('outbox dispatch round');
    expect(messages.at(-1)).toBe('scheduler service stopped');
  });

  it('with Dynamics sync off, still runs the nights but leaves every outbox event untouched for later', async () => {
    const today = await todayIn(db.pool, 'Europe/Oslo');
    const organization = await createOrganization(db.pool);
    const mentors = await addMentors(db.pool, organization, [
      { validUntil: addDays(today, -1) },
      { validUntil: addDays(today, -3) },
    ]);

    const output = await serveUntil(
      {
        DATABASE_URL: database.url,
        SCHEDULER_NIGHTLY_CRON: '* * * * * *',
        SCHEDULER_DISPATCH_EVERY_SECONDS: '1',
        DYNAMICS_SYNC_ENABLED: 'false',
      },
      async (printed) => {
        await waitFor(() => printed().includes('"nightly jobs finished"'), 30_000);
        // Several dispatch intervals pass with events in the outbox.
        await new Promise((resolve) => setTimeout(resolve, 2_500));
      },
    );

    const states = await mentorStates(db.pool, mentors);
    expect(states.map((state) => state.reasonCode)).toEqual([
      'certification_expired',
      'certification_expired',
    ]);
    const { rows } = await db.pool.query<{ attempts: number; untouched: boolean }>(
      `select attempts, delivered_at is null and claimed_by is null and parked_at is null as untouched
       from private.status_change_outbox where peer_mentor_id = any($1::uuid[])`,
      [mentors],
    );
    expect(rows).toEqual([
      { attempts: 0, untouched: true },
      { attempts: 0, untouched: true },
    ]);
    const entries = jsonLines(output);
    expect(entries.find((entry) => entry.message === 'scheduler service started')).toMatchObject({
      adapter: 'noop',
      dispatchEverySeconds: null,
      outbox: expect.stringContaining('Dynamics sync is off'),
    });
    expect(entries.map((entry) => entry.message)).not.toContain('outbox dispatch round');
  });
});
