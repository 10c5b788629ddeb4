/**
 * The dispatcher against the strict fake Dataverse server, for what production would do
 * differently from a lenient stand-in: contacts that are not linked (or were deleted on
 * purpose), a CRM that diverged from the outbox, refused credentials, an environment that does
 * not match the mapping, ETags kept across processes, and pacing within the service protection
 * limits shared by every dispatcher through PostgreSQL.
 */
import { createDb, type Db } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import type { Logger } from '@peer-mentor/dynamics-client';
import { FakeDataverseServer } from '@peer-mentor/dynamics-client/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listParkedEvents, PortalMisconfiguredError, requeueParkedEvents } from '../src/index.js';
import {
  createMentors,
  dataverseClient,
  dispatcher,
  linkContacts,
  nothingLeftToSend,
  outbox,
  runUntil,
  transition,
} from './support/world.js';

const database = useTestDatabase();
let db: Db;
let fake: FakeDataverseServer;

beforeAll(() => {
  db = createDb(database.url, { maxConnections: 20 });
});
afterAll(() => db.close());
beforeEach(async () => {
  await db.pool.query(
    `truncate private.status_change_outbox, private.dynamics_record_etags;
     update private.dynamics_send_pace
     set rate = null, tokens = null, refreshed_at = now(), slowed_until = '-infinity'`,
  );
});
afterEach(() => fake?.close());

/** A logger that keeps what it was told, for the alerts an operator would see. */
function recordingLogger(): Logger & { entries: Array<{ level: string; message: string }> } {
  const entries: Array<{ level: string; message: string }> = [];
  const keep = (level: string) => (message: string) => {
    entries.push({ level, message });
  };
  return { entries, info: keep('info'), warn: keep('warn'), error: keep('error') };
}

describe('a mentor the CRM has no contact for', () => {
  it('is parked as "not linked or deleted", never created; once linked and requeued it is sent', async () => {
    fake = await FakeDataverseServer.start();
    const { organizationId, mentorIds } = await createMentors(db.pool, 3);
    await transition(db.pool, organizationId, mentorIds, 1);
    const [unlinked, ...linked] = mentorIds as [string, ...string[]];
    linkContacts(fake, linked);
    const worker = dispatcher(db.pool, 'unlinked', { client: dataverseClient(fake) });

    expect(await worker.runOnce()).toMatchObject({ delivered: 2, parked: 1, retried: 0 });
    expect(fake.record(unlinked)).toBeUndefined();
    const [parked] = await listParkedEvents(db.pool);
    expect(parked).toMatchObject({ peerMentorId: unlinked, attempts: 1 });
    expect(parked?.lastError).toContain('not linked or deleted');
    expect(parked?.lastError).toContain('HTTP 404');

    // The operator links the contact in the CRM and requeues: the event is sent again.
    fake.createRecord(unlinked);
    expect(await requeueParkedEvents(db.pool, [parked!.eventId])).toBe(1);
    expect(await worker.runOnce()).toMatchObject({ delivered: 1, parked: 0 });
    expect(fake.appliedVersions(unlinked)).toEqual([1]);
    expect(fake.recordCount).toBe(3);
  });
});

describe('a CRM that diverged from the outbox', () => {
  it('raises an alarm: logged, counted, and parked where operators look, instead of "delivered"', async () => {
    fake = await FakeDataverseServer.start();
    const { organizationId, mentorIds } = await createMentors(db.pool, 1);
    const [mentor] = mentorIds as [string];
    linkContacts(fake, mentorIds);
    await transition(db.pool, organizationId, mentorIds, 1);
    const logger = recordingLogger();
    const worker = dispatcher(db.pool, 'diverged', { client: dataverseClient(fake), logger });
    await worker.runOnce();

    // The CRM holds a version 2 this database never wrote (it was restored from a backup).
    fake.editRecord(mentor, { pm_pausestatusversion: 2, pm_pauselasteventid: 'lost-event' });
    await transition(db.pool, organizationId, mentorIds, 1, 2);
    const summary = await worker.runOnce();

    expect(summary).toMatchObject({ delivered: 0, parked: 1, diverged: 1 });
    expect(logger.entries).toContainEqual({
      level: 'error',
      message: 'outbox and CRM have diverged: event parked',
    });
    const [parked] = await listParkedEvents(db.pool);
    expect(parked).toMatchObject({ peerMentorId: mentor, statusVersion: 2 });
    expect(parked?.lastError).toContain('diverged');
    expect(parked?.lastError).toContain('lost-event');
    expect(fake.record(mentor)).toMatchObject({ pm_pauselasteventid: 'lost-event' });
  });
});

describe('refused credentials (403, or 401 with a fresh token)', () => {
  it('pause every send and alert once, without counting an attempt against any event', async () => {
    fake = await FakeDataverseServer.start();
    const { organizationId, mentorIds } = await createMentors(db.pool, 6);
    await transition(db.pool, organizationId, mentorIds, 1);
    linkContacts(fake, mentorIds);
    const logger = recordingLogger();
    const client = dataverseClient(fake, { DYNAMICS_REFUSAL_PAUSE_MS: '60000' });
    const worker = dispatcher(db.pool, 'forbidden', { client, logger, concurrency: 2 });
    await worker.runOnce();
    fake.inject({ type: 'status', status: 403, code: '0x80040220', message: 'no privilege' });

    await transition(db.pool, organizationId, mentorIds, 1, 2);
    const summary = await worker.runOnce();

    expect(summary).toMatchObject({ delivered: 0, parked: 0, retried: 0 });
    expect(summary.deferred).toBeGreaterThan(0);
    expect(worker.pausedForMs).toBeGreaterThan(50_000);
    const rows = (await outbox(db.pool)).filter((row) => row.status_version === 2);
    expect(rows.map((row) => [row.attempts, row.parked, row.claimed])).toEqual(
      mentorIds.map(() => [0, false, false]),
    );
    expect(rows.some((row) => row.last_error?.includes('HTTP 403 (0x80040220)'))).toBe(true);
    expect(logger.entries.filter((entry) => entry.level === 'error')).toEqual([
      { level: 'error', message: 'outbox dispatch paused: an operator must act' },
    ]);
    // Only the requests already in flight met the refusal.
    expect(fake.requests.filter((request) => request.status === 403).length).toBeLessThanOrEqual(2);
  });
});

describe('an environment that does not match the mapping', () => {
  it('stops the dispatcher before the first send, with one message naming every problem', async () => {
    fake = await FakeDataverseServer.start();
    fake.table.keys[0]!.status = 'Pending';
    delete fake.table.columns.pm_pausereason;
    const { organizationId, mentorIds } = await createMentors(db.pool, 2);
    await transition(db.pool, organizationId, mentorIds, 1);
    linkContacts(fake, mentorIds);
    const logger = recordingLogger();
    const worker = dispatcher(db.pool, 'misconfigured', { client: dataverseClient(fake), logger });

    const error = await worker.runOnce().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PortalMisconfiguredError);
    expect((error as PortalMisconfiguredError).problems).toEqual([
      'column contact.pm_pausereason (reason) does not exist',
      'alternate key pm_peermentorid_key is Pending, not Active (its index is not usable yet)',
    ]);
    expect(fake.requests.every((request) => request.method === 'GET')).toBe(true);
    expect((await outbox(db.pool)).map((row) => [row.attempts, row.claimed])).toEqual([
      [0, false],
      [0, false],
    ]);

    // Watch mode stops too, with one error line.
    await worker.run(new AbortController().signal);
    expect(logger.entries).toEqual([
      {
        level: 'error',
        message: expect.stringContaining(
          'outbox dispatch stopped before sending anything: the Dataverse environment does not match the DYNAMICS_* mapping',
        ),
      },
    ]);
  });
});

describe('ETags kept in the database', () => {
  it('let a new process write conditionally at once: If-Match: <ETag>, no 412, no read', async () => {
    fake = await FakeDataverseServer.start();
    const { organizationId, mentorIds } = await createMentors(db.pool, 4);
    linkContacts(fake, mentorIds);
    await transition(db.pool, organizationId, mentorIds, 3);
    await dispatcher(db.pool, 'first-process', { client: dataverseClient(fake) }).runOnce();
    const firstWrites = fake.requests.filter((request) => request.method === 'PATCH');
    // Versions 1 and 2 were superseded: one write per mentor, update only.
    expect(firstWrites.map((request) => request.headers['if-match'])).toEqual(
      mentorIds.map(() => '*'),
    );

    await transition(db.pool, organizationId, mentorIds, 1, 4);
    const before = fake.requests.length;
    await dispatcher(db.pool, 'second-process', { client: dataverseClient(fake) }).runOnce();
    const later = fake.requests.slice(before).filter((request) => request.peerMentorId);
    expect(later.map((request) => `${request.method} ${request.status}`)).toEqual(
      mentorIds.map(() => 'PATCH 200'),
    );
    expect(later.every((request) => /^W\/"\d+"$/.test(request.headers['if-match'] ?? ''))).toBe(
      true,
    );
    for (const mentor of mentorIds) expect(fake.appliedVersions(mentor)).toEqual([3, 4]);
  });
});

describe('pacing within the service protection limits', () => {
  it('keeps two dispatcher processes under the limit together, where unpaced they meet 429s', async () => {
    // A limit of 25 requests per 2-second window (Dataverse's 6,000 per 300 s, scaled down).
    fake = await FakeDataverseServer.start({ limits: { requests: 25, windowMs: 2_000 } });
    const { organizationId, mentorIds } = await createMentors(db.pool, 36);
    linkContacts(fake, mentorIds);
    await transition(db.pool, organizationId, mentorIds, 1);
    // Any 2-second window: burst 4 + 2 s × 6/s = 16 writes, plus the two health checks' 6 reads.
    const pace = { maxRatePerSecond: 6, burst: 4, rampSeconds: 10 };
    const second = createDb(database.url, { maxConnections: 10 });
    try {
      const workers = [
        dispatcher(db.pool, 'paced-a', { client: dataverseClient(fake), pace }),
        dispatcher(second.pool, 'paced-b', { client: dataverseClient(fake), pace }),
      ];
      const started = Date.now();
      await Promise.all(
        workers.map((worker) => runUntil(worker, () => nothingLeftToSend(db.pool))),
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(((36 - 4) / 6) * 1000 - 500);
    } finally {
      await second.close();
    }
    expect(fake.limitedRequests).toBe(0);
    for (const mentor of mentorIds) expect(fake.appliedVersions(mentor)).toEqual([1]);

    // The same load unpaced meets the limit.
    await db.pool.query('truncate private.status_change_outbox');
    const more = await createMentors(db.pool, 36);
    linkContacts(fake, more.mentorIds);
    await transition(db.pool, more.organizationId, more.mentorIds, 1);
    await dispatcher(db.pool, 'unpaced', {
      client: dataverseClient(fake, { DYNAMICS_MAX_THROTTLE_WAIT_MS: '0' }),
    }).runOnce();
    expect(fake.limitedRequests).toBeGreaterThan(0);
  });

  it('after a 429, slows every process down through the database and waits out Retry-After', async () => {
    fake = await FakeDataverseServer.start();
    const { organizationId, mentorIds } = await createMentors(db.pool, 6);
    linkContacts(fake, mentorIds);
    await transition(db.pool, organizationId, mentorIds, 1);
    const pace = { maxRatePerSecond: 50, burst: 50, rampSeconds: 60 };
    const client = dataverseClient(fake, { DYNAMICS_MAX_THROTTLE_WAIT_MS: '0' });
    const worker = dispatcher(db.pool, 'throttled', { client, pace, concurrency: 2 });
    fake.inject({ type: 'throttle', retryAfterSeconds: 2 }, { times: 1, method: 'PATCH' });

    const summary = await worker.runOnce();

    expect(summary.deferred).toBeGreaterThan(0);
    const { rows } = await db.pool.query<{ rate: number; tokens: number }>(
      'select rate, tokens from private.dynamics_send_pace',
    );
    expect(rows[0]?.rate).toBe(25);
    expect(rows[0]?.tokens).toBeLessThanOrEqual(-25 * 2 + 2);
    // Another process sharing the pace holds back as well.
    const other = dispatcher(db.pool, 'other-process', {
      client: dataverseClient(fake),
      pace,
    });
    const before = fake.requests.filter((request) => request.method === 'PATCH').length;
    expect(await other.runOnce()).toMatchObject({ delivered: 0 });
    expect(other.pausedForMs).toBeGreaterThan(1_000);
    expect(fake.requests.filter((request) => request.method === 'PATCH')).toHaveLength(before);
  });
});
