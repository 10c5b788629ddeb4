/**
 * A nightly run while coordinators keep pausing mentors through the RPCs on other
 * connections: both sides take the same per-mentor lock, so every transition is applied once
 * and logged once, whoever comes first.
 */
import { createDb, type Db } from '@peer-mentor/db';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSchedulerEnv } from '../src/env.js';
import { runNightlyJobs } from '../src/index.js';
import {
  addDays,
  addMentors,
  createOrganization,
  mentorStates,
  pauseAsAdmin,
  runsOf,
  todayIn,
} from './support/roster.js';

const database = useTestDatabase();
let db: Db;

beforeAll(() => {
  db = createDb(database.url, { maxConnections: 12 });
});
afterAll(() => db.close());

describe('certification expiry under concurrent manual pauses', () => {
  it('loses no update and writes no second log row', async () => {
    const today = await todayIn(db.pool, 'Europe/Oslo');
    const organization = await createOrganization(db.pool);
    const mentors = await addMentors(
      db.pool,
      organization,
      Array.from({ length: 400 }, (_, index) => ({
        validUntil: addDays(today, -1 - (index % 5)),
        chapters: [index % 3],
      })),
    );

    let jobDone = false;
    let manualPauses = 0;
    let refused = 0;
    // Six coordinators' sessions, each walking the roster in its own order, pausing mentors
    // for a vacation; PM409 (already paused) is the RPC refusing a mentor the job or another
    // session paused first.
    const coordinators = Array.from({ length: 6 }, async (_, worker) => {
      for (let step = 0; !jobDone && step < 400; step += 1) {
        const mentor = mentors[(step * 37 + worker * 61) % mentors.length]!;
        try {
          await pauseAsAdmin(db.pool, organization, mentor, 'vacation', addDays(today, 7));
          manualPauses += 1;
        } catch (error) {
          if ((error as { code?: string }).code !== 'PM409') throw error;
          refused += 1;
        }
      }
    });
    const job = runNightlyJobs(db.pool, readSchedulerEnv({}).nightly, {
      jobs: ['certification-expiry'],
      runDate: today,
      host: 'vitest',
      batchSize: 25,
    }).finally(() => {
      jobDone = true;
    });
    const [result] = await Promise.all([job, ...coordinators]);

    expect(result).toMatchObject({ done: true, errors: 0 });
    expect(manualPauses).toBeGreaterThan(0);
    expect(result.mentorsChanged).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);

    const states = await mentorStates(db.pool, mentors);
    for (const state of states) {
      // One version per transition, one log row and one outbox event per version.
      expect(state.version, state.id).toBe(state.logRows);
      expect(state.outboxEvents, state.id).toBe(state.logRows);
      // Paused once, by whoever came first; the expiry recorded accordingly.
      expect(state.status, state.id).toBe('paused');
      expect(state.version, state.id).toBe(1);
      expect(state.expiryOutcome, state.id).toBe(
        state.reasonCode === 'certification_expired' ? 'paused' : 'deferred',
      );
    }
    const bySystem = states.filter((state) => state.reasonCode === 'certification_expired').length;
    expect(bySystem).toBe(result.mentorsChanged);
    expect(bySystem + manualPauses).toBe(mentors.length);

    const [summary] = await runsOf(db.pool, organization.id);
    expect(summary).toMatchObject({
      outcome: 'completed',
      examined: 400,
      mentorsChanged: bySystem,
      recorded: 400 - bySystem,
      errors: 0,
    });
  });
});
