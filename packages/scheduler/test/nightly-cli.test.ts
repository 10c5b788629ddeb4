/**
 * The one-shot command as an operator runs it (`scheduler run <job> --date …`), in a child
 * process configured only through the environment: its progress display, a process killed
 * between batches and the rerun that finishes its work, a second run that changes nothing,
 * and the run summaries (`scheduler runs`).
 */
import type { ChildProcess } from 'node:child_process';
import { createDb, type Db } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli, spawnCli, waitFor } from './support/processes.js';
import {
  addDays,
  addMentors,
  createOrganization,
  fingerprint,
  mentorStates,
  runsOf,
  todayIn,
} from './support/roster.js';

const database = useTestDatabase();
let db: Db;

beforeAll(() => {
  db = createDb(database.url, { maxConnections: 4 });
});
afterAll(() => db.close());

const cliEnv = () => ({ DATABASE_URL: database.url });
const cli = (args: string[]) => runCli(args, cliEnv());
const finished = (stdout: string) =>
  jsonLines(stdout).find((entry) => entry.message === 'nightly jobs finished');

describe('scheduler run', () => {
  it('runs a job for a date with a progress display, and a second run changes nothing', async () => {
    const today = await todayIn(db.pool, 'Europe/Oslo');
    const organization = await createOrganization(db.pool);
    const mentors = await addMentors(
      db.pool,
      organization,
      Array.from({ length: 30 }, () => ({ validUntil: addDays(today, -1) })),
    );

    const run = await cli(['run', 'certification-expiry', '--date', today, '--batch-size', '7']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `certification-expiry org ${organization.id.slice(0, 8)}… ${today} batch 1: 7 examined, 7 changed, 0 errors`,
    );
    expect(run.stderr).toContain(
      `certification-expiry org ${organization.id.slice(0, 8)}… ${today} completed: 5 batches, 30 examined, 30 changed, 0 recorded, 0 errors`,
    );
    expect(run.stderr).toContain('done: 5 batches, 30 mentors changed, 0 events purged, 0 errors');
    // The JSON summary is for scripts: printed only with --json.
    expect(run.stdout.trim()).toBe('');
    const states = await mentorStates(db.pool, mentors);
    expect(states.every((state) => state.reasonCode === 'certification_expired')).toBe(true);
    const [summary] = await runsOf(db.pool, organization.id);
    expect(summary).toMatchObject({
      runDate: today,
      outcome: 'completed',
      examined: 30,
      batches: 5,
    });
    expect(summary!.host).toMatch(/^cli@/);

    const before = await fingerprint(db.pool);
    const again = await cli(['run', 'certification-expiry', '--date', today, '--rerun', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(finished(again.stdout)).toMatchObject({ done: true, mentorsChanged: 0, errors: 0 });
    expect(await fingerprint(db.pool)).toBe(before);

    const runs = await cli(['runs', '--limit', '5']);
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stdout).toContain('certification_expiry');
    expect(runs.stdout).toContain(`Organization ${organization.id.slice(0, 8)}`);
    expect(runs.stdout).toContain('2 run(s)');
  });

  it('after the process is killed between batches, the next run finishes the work: none lost, none repeated', async () => {
    const today = await todayIn(db.pool, 'Europe/Oslo');
    const organization = await createOrganization(db.pool);
    const mentors = await addMentors(
      db.pool,
      organization,
      Array.from({ length: 60 }, () => ({ validUntil: addDays(today, -2) })),
    );
    // Slow transitions down (25 ms each) so the run is still going when it is killed.
    await db.pool.query(`
      create function public.slow_transition() returns trigger language plpgsql set search_path = '' as $$
      begin perform pg_catalog.pg_sleep(0.025); return new; end $$;
      create trigger slow_transition before update on public.peer_mentor_status
        for each row execute function public.slow_transition();`);
    let child: ChildProcess | undefined;
    try {
      child = spawnCli(
        ['run', 'certification-expiry', '--date', today, '--batch-size', '5'],
        cliEnv(),
      );
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child!.once('exit', (_code, signal) => resolve(signal)),
      );
      await waitFor(
        async () => ((await runsOf(db.pool, organization.id))[0]?.batches ?? 0) >= 3,
        30_000,
      );
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await db.pool.query(
        'drop trigger slow_transition on public.peer_mentor_status; drop function public.slow_transition()',
      );
    }
    const [interrupted] = await runsOf(db.pool, organization.id);
    expect(interrupted!.outcome).toBeNull();
    expect(interrupted!.examined).toBeGreaterThanOrEqual(15);
    expect(interrupted!.examined).toBeLessThan(60);
    const pausedBeforeRerun = (await mentorStates(db.pool, mentors)).filter(
      (state) => state.status === 'paused',
    ).length;
    expect(pausedBeforeRerun).toBe(interrupted!.examined);

    const rerun = await cli(['run', 'certification-expiry', '--date', today, '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(finished(rerun.stdout)).toMatchObject({
      done: true,
      mentorsChanged: 60 - pausedBeforeRerun,
    });

    const runs = await runsOf(db.pool, organization.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      id: interrupted!.id,
      outcome: 'completed',
      examined: 60,
      mentorsChanged: 60,
    });
    const states = await mentorStates(db.pool, mentors);
    expect(states.every((state) => state.status === 'paused' && state.logRows === 1)).toBe(true);
  });

  it('refuses an unknown job or a date that is not a calendar date, with its usage', async () => {
    for (const args of [
      ['run', 'payroll'],
      ['run', 'certification-expiry', '--date', '2026-02-30'],
      ['run', 'certification-expiry', '--batch-size', '0'],
    ]) {
      const run = await cli(args);
      expect(run.code, args.join(' ')).toBe(64);
      expect(run.stderr).toContain('usage:');
    }
  });

  it('refuses an unknown option with its message and the usage, not a stack trace', async () => {
    const run = await cli(['run', 'nightly', '--dry-run']);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain("Unknown option '--dry-run'");
    expect(run.stderr).toContain('scheduler run <job>...');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
