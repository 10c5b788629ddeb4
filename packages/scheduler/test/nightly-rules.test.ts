/**
 * The nightly jobs' rules on hand-made rosters, driven by the Node host (runNightlyJobs: one
 * short transaction per batch, as the system) against a real database: which mentors are
 * paused and resumed on which run date, in which organization's calendar, and that a second
 * run changes nothing.
 */
import { createDb, type Db } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSchedulerEnv } from '../src/env.js';
import { type NightlyRunRequest, runNightlyJobs } from '../src/index.js';
import {
  addDays,
  addMentors,
  createOrganization,
  fingerprint,
  mentorStates,
  pauseAsAdmin,
  pauseAsSystem,
  resumeAsAdmin,
  runsOf,
  todayIn,
} from './support/roster.js';

const database = useTestDatabase();
let db: Db;
const settings = readSchedulerEnv({}).nightly;

beforeAll(() => {
  db = createDb(database.url, { maxConnections: 4 });
});
afterAll(() => db.close());

const run = (request: Partial<NightlyRunRequest> & Pick<NightlyRunRequest, 'jobs'>, asOf?: Date) =>
  runNightlyJobs(db.pool, settings, {
    host: 'vitest',
    batchSize: 2,
    ...request,
    ...(asOf ? { asOf } : {}),
  });

describe('certification expiry', () => {
  it('pauses the active mentors whose certification expired before the run date, in every organization', async () => {
    const today = await todayIn(db.pool, 'Europe/Oslo');
    const oslo = await createOrganization(db.pool);
    const other = await createOrganization(db.pool);
    const [yesterday, expiresToday, tomorrow, longAgo, twoChapters, uncertified] = await addMentors(
      db.pool,
      oslo,
      [
        { validUntil: addDays(today, -1) },
        { validUntil: today },
        { validUntil: addDays(today, 1) },
        { validUntil: addDays(today, -400), chapters: [1] },
        { validUntil: addDays(today, -3), chapters: [0, 1, 2] },
        {},
      ],
    );
    const [otherExpired] = await addMentors(db.pool, other, [{ validUntil: addDays(today, -1) }]);

    const result = await run({ jobs: ['certification-expiry'], runDate: today });

    expect(result).toMatchObject({ done: true, mentorsChanged: 4, errors: 0 });
    const states = await mentorStates(db.pool, [
      yesterday!,
      expiresToday!,
      tomorrow!,
      longAgo!,
      twoChapters!,
      uncertified!,
      otherExpired!,
    ]);
    expect(states.map((state) => [state.status, state.reasonCode])).toEqual([
      ['paused', 'certification_expired'],
      ['active', null],
      ['active', null],
      ['paused', 'certification_expired'],
      ['paused', 'certification_expired'],
      ['active', null],
      ['paused', 'certification_expired'],
    ]);
    // Through the transition core: one log row by the system, one outbox event, version 1.
    expect(states[0]).toMatchObject({
      version: 1,
      logRows: 1,
      outboxEvents: 1,
      expiryOutcome: 'paused',
      lastLog: {
        toStatus: 'paused',
        actorRole: 'system',
        note: `Certification expired: valid until ${addDays(today, -1)}`,
      },
    });
    const [summary] = await runsOf(db.pool, oslo.id);
    expect(summary).toMatchObject({
      job: 'certification_expiry',
      runDate: today,
      host: 'vitest',
      outcome: 'completed',
      examined: 3,
      mentorsChanged: 3,
      errors: 0,
      batches: 2,
    });
  });

  it('leaves a mentor paused for another reason in that pause, and pauses them for the expiry when it ends', async () => {
    const today = await todayIn(db.pool, 'Europe/Oslo');
    const organization = await createOrganization(db.pool);
    const [onVacation] = await addMentors(db.pool, organization, [
      { validUntil: addDays(today, -10) },
    ]);
    await pauseAsAdmin(db.pool, organization, onVacation!, 'vacation', addDays(today, 14));

    await run({ jobs: ['certification-expiry'], runDate: today });
    let [state] = await mentorStates(db.pool, [onVacation!]);
    expect(state).toMatchObject({
      status: 'paused',
      reasonCode: 'vacation',
      version: 1,
      logRows: 1,
      expiryOutcome: 'deferred',
    });

    await resumeAsAdmin(db.pool, organization, onVacation!);
    await run({ jobs: ['certification-expiry'], runDate: today, rerun: true });
    [state] = await mentorStates(db.pool, [onVacation!]);
    expect(state).toMatchObject({
      status: 'paused',
      reasonCode: 'certification_expired',
      version: 3,
      expiryOutcome: 'paused',
    });
  });

  it("reads each organization's calendar: just after midnight in Oslo it is still yesterday in UTC", async () => {
    const today = await todayIn(db.pool, 'Europe/Oslo');
    const oslo = await createOrganization(db.pool, { timeZone: 'Europe/Oslo' });
    const utc = await createOrganization(db.pool, { timeZone: 'UTC' });
    const yesterday = addDays(today, -1);
    const [osloMentor] = await addMentors(db.pool, oslo, [{ validUntil: yesterday }]);
    const [utcMentor] = await addMentors(db.pool, utc, [{ validUntil: yesterday }]);
    // 00:30 in Oslo is 23:30 (winter) or 22:30 (summer) the day before in UTC.
    const { rows } = await db.pool.query<{ instant: Date }>(
      `select ($1::date + time '00:30') at time zone 'Europe/Oslo' as instant`,
      [today],
    );

    await run({ jobs: ['certification-expiry'], rerun: true }, rows[0]!.instant);

    expect((await runsOf(db.pool, oslo.id)).map((r) => r.runDate)).toEqual([today]);
    expect((await runsOf(db.pool, utc.id)).map((r) => r.runDate)).toEqual([yesterday]);
    const states = await mentorStates(db.pool, [osloMentor!, utcMentor!]);
    expect(states.map((state) => state.status)).toEqual(['paused', 'active']);
  });

  it('keeps the date a run started with: a run begun a second before midnight is not split', async () => {
    const today = await todayIn(db.pool, 'Europe/Oslo');
    const organization = await createOrganization(db.pool);
    const yesterday = addDays(today, -1);
    const mentors = await addMentors(db.pool, organization, [
      ...Array.from({ length: 5 }, () => ({ validUntil: addDays(today, -2) })),
      { validUntil: yesterday },
    ]);
    const { rows } = await db.pool.query<{ instant: Date }>(
      `select ($1::date - interval '1 second') at time zone 'Europe/Oslo' as instant`,
      [today],
    );

    // Three batches, all after 23:59:59 yesterday on the wall clock of this machine (they run
    // now): the run date stays yesterday, so the certification valid through yesterday holds.
    const first = await run({ jobs: ['certification-expiry'], rerun: true }, rows[0]!.instant);
    expect(first.batches).toBeGreaterThanOrEqual(3);
    expect((await runsOf(db.pool, organization.id)).map((r) => r.runDate)).toEqual([yesterday]);
    let states = await mentorStates(db.pool, mentors);
    expect(states.map((state) => state.status)).toEqual([
      'paused',
      'paused',
      'paused',
      'paused',
      'paused',
      'active',
    ]);

    // The next night's run (today) pauses it.
    await run({ jobs: ['certification-expiry'] });
    states = await mentorStates(db.pool, mentors);
    expect(states[5]).toMatchObject({ status: 'paused', reasonCode: 'certification_expired' });
  });
});

describe('scheduled resume', () => {
  it('ends the pauses whose expected end has passed, and certification pauses only once renewed', async () => {
    const today = await todayIn(db.pool, 'Europe/Oslo');
    const organization = await createOrganization(db.pool);
    const [ended, endsTomorrow, openEnded, stillExpired, renewed] = await addMentors(
      db.pool,
      organization,
      [
        { chapters: [0, 2] },
        {},
        {},
        { validUntil: addDays(today, -30) },
        { validUntil: addDays(today, -30) },
      ],
    );
    await pauseAsAdmin(db.pool, organization, ended!, 'health', today);
    await pauseAsAdmin(db.pool, organization, endsTomorrow!, 'personal', addDays(today, 1));
    await pauseAsAdmin(db.pool, organization, openEnded!, 'other');
    await pauseAsSystem(db.pool, organization, stillExpired!, 'certification_expired', today);
    await run({ jobs: ['certification-expiry'], runDate: today });
    await db.pool.query(
      'update public.peer_mentor_certifications set valid_until = $2 where peer_mentor_id = $1',
      [renewed, addDays(today, 365)],
    );

    const result = await run({ jobs: ['scheduled-resume'], runDate: addDays(today, 1) });

    expect(result).toMatchObject({ done: true, mentorsChanged: 2, errors: 0 });
    const states = await mentorStates(db.pool, [
      ended!,
      endsTomorrow!,
      openEnded!,
      stillExpired!,
      renewed!,
    ]);
    expect(states.map((state) => state.status)).toEqual([
      'active',
      'paused',
      'paused',
      'paused',
      'active',
    ]);
    expect(states[0]!.lastLog).toEqual({
      toStatus: 'active',
      actorRole: 'system',
      note: `Scheduled resume: expected end ${today} has passed`,
    });
    expect(states[4]).toMatchObject({
      expiryOutcome: null,
      lastLog: {
        actorRole: 'system',
        note: `Certification renewed: valid until ${addDays(today, 365)}`,
      },
    });
  });
});

describe('a second run', () => {
  it('changes nothing: no status, log row or outbox event', async () => {
    const today = await todayIn(db.pool, 'Europe/Oslo');
    const organization = await createOrganization(db.pool);
    const mentors = await addMentors(db.pool, organization, [
      { validUntil: addDays(today, -1) },
      { validUntil: addDays(today, -2) },
      {},
    ]);
    await pauseAsAdmin(db.pool, organization, mentors[2]!, 'health', today);
    const nightly = ['scheduled-resume', 'certification-expiry', 'outbox-purge'] as const;
    const first = await run({ jobs: nightly, runDate: addDays(today, 1) });
    expect(first.mentorsChanged).toBeGreaterThanOrEqual(3);
    const before = await fingerprint(db.pool);

    const again = await run({ jobs: nightly, runDate: addDays(today, 1) });
    expect(again).toMatchObject({ done: true, batches: 0, mentorsChanged: 0 });
    const rerun = await run({ jobs: nightly, runDate: addDays(today, 1), rerun: true });
    expect(rerun).toMatchObject({ done: true, mentorsChanged: 0, eventsPurged: 0, errors: 0 });
    // The rerun looks again only at what must stay as it is (here: a certification_expired
    // pause whose expected end passed while the certification is still expired).
    expect(
      rerun.runs.every(
        (summary) =>
          summary.mentorsChanged === 0 &&
          summary.recorded === 0 &&
          summary.examined === summary.skipped,
      ),
    ).toBe(true);
    expect(await fingerprint(db.pool)).toBe(before);
  });
});
