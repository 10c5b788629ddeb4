/**
 * The runnable commands, as an operator runs them: `cli.ts dispatch --once`, `outbox parked`
 * and `outbox requeue`, in a child process configured only through the environment.
 */
import { createDb, type Db } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { FakeDataverseServer } from '@peer-mentor/dynamics-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from './support/processes.js';
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

  it('prints its usage and exits 64 for an unknown command', async () => {
    const run = await cli(['dispatch', 'now']);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('usage:');
  });
});
