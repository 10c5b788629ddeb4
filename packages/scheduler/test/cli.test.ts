/**
 * The runnable commands, as an operator runs them: `cli.ts dispatch --once`, `outbox parked`
 * and `outbox requeue`, in a child process configured only through the environment.
 */
import { createDb, type Db } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { FakeDataverseServer } from '@peer-mentor/dynamics-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli, runPnpmScheduler } from './support/processes.js';
import { createMentors, linkContacts, outbox, transition } from './support/world.js';

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

const cli = (args: string[]) =>
  runCli(args, { DATABASE_URL: database.url, DISPATCH_RETRY_BASE_MS: '10', ...fake.env() });

describe('scheduler CLI', () => {
  it('dispatch --once sends what is due, parks what the CRM refuses, and exits 2 to say so', async () => {
    const { organizationId, mentorIds } = await createMentors(db.pool, 3);
    await transition(db.pool, organizationId, mentorIds, 2);
    linkContacts(fake, mentorIds);
    const [refused] = mentorIds as [string];
    fake.inject(
      { type: 'status', status: 400, message: 'Invalid value' },
      { peerMentorId: refused },
    );

    const run = await cli(['dispatch', '--once']);
    expect(run.code, run.stderr).toBe(2);
    const finished = jsonLines(run.stdout).find(
      (entry) => entry.message === 'outbox dispatch finished',
    );
    // Only each mentor's newest version is sent; version 1 was superseded by version 2.
    expect(finished).toMatchObject({ delivered: 2, parked: 1 });
    expect((await outbox(db.pool)).filter((row) => row.delivered)).toHaveLength(2);

    const parked = await cli(['outbox', 'parked']);
    expect(parked.code, parked.stderr).toBe(0);
    expect(parked.stdout).toContain(refused);
    expect(parked.stdout).toContain('1 parked event(s)');

    fake.clearFaults();
    const requeue = await cli(['outbox', 'requeue', '--all']);
    expect(requeue.stdout).toContain('1 of 1 event(s) requeued');
    const again = await cli(['dispatch', '--once']);
    expect(again.code, again.stderr).toBe(0);
    expect(fake.appliedVersions(refused)).toEqual([2]);
    expect((await outbox(db.pool)).every((row) => row.delivered || row.superseded)).toBe(true);
  });

  it('--help prints the usage of every command, or of the one named, and exits 0', async () => {
    // As an operator types it at the repository root: through pnpm, with no database configured.
    const all = await runPnpmScheduler(['--help']);
    expect(all.code, all.stderr).toBe(0);
    for (const synopsis of [
      'scheduler run <job>...',
      'scheduler serve',
      'scheduler runs [--limit N]',
      'scheduler dispatch [--once | --watch]',
      'scheduler outbox parked',
      'scheduler outbox requeue',
    ]) {
      expect(all.stdout).toContain(synopsis);
    }
    // Each command's own usage, the processes side by side (each is a cold tsx start).
    const commands = [
      [['run', '--help'], 'scheduler run <job>...'],
      [['serve', '--help'], 'scheduler serve'],
      [['runs', '--help'], 'scheduler runs [--limit N]'],
      [['dispatch', '-h'], 'scheduler dispatch [--once | --watch]'],
      [['outbox', 'requeue', '--help'], 'scheduler outbox requeue'],
    ] as const;
    const helps = await Promise.all(commands.map(([args]) => runCli([...args], {})));
    commands.forEach(([args, synopsis], index) => {
      const help = helps[index]!;
      expect(help.code, `${args.join(' ')}: ${help.stderr}`).toBe(0);
      expect(help.stdout).toContain(synopsis);
      // Only that command's usage: no other command's synopsis.
      for (const [, other] of commands) {
        if (other !== synopsis) expect(help.stdout).not.toContain(other);
      }
    });
    expect(helps[0]!.stdout).toContain('--json');
  }, 120_000);

  it('prints its usage and exits 64 for an unknown command', async () => {
    const run = await cli(['dispatch', 'now']);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('usage:');
  });
});
