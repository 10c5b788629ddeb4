import { randomUUID } from 'node:crypto';
import { serviceRoleClaims, withCaller } from '@peer-mentor/db';
import {
  createDynamicsPortalClient,
  type DataverseWebApiClient,
  readDynamicsConfig,
  silentLogger,
} from '@peer-mentor/dynamics-client';
import type { FakeDataverseServer } from '@peer-mentor/dynamics-client/testing';
import type pg from 'pg';
import {
  createOutboxStore,
  type DispatcherOptions,
  type DispatchSummary,
  OutboxDispatcher,
} from '../../src/index.js';

/** One organization with `mentors` peer mentors (their status rows come from the trigger). */
export async function createMentors(
  pool: pg.Pool,
  mentors: number,
): Promise<{ organizationId: string; mentorIds: string[] }> {
  const organizationId = randomUUID();
  await pool.query(`insert into public.organizations (id, name) values ($1, 'Dispatch test')`, [
    organizationId,
  ]);
  const { rows } = await pool.query<{ id: string }>(
    `insert into public.peer_mentors (organization_id, display_name)
     select $1, 'Mentor ' || n from generate_series(1, $2) as n
     returning id`,
    [organizationId, mentors],
  );
  return { organizationId, mentorIds: rows.map((row) => row.id) };
}

/**
 * `count` transitions per mentor through the RPCs, as the system (service role): odd versions
 * pause, even versions resume. Each round is one statement over all mentors. Mentors already
 * at version n continue with `fromVersion` n + 1.
 */
export async function transition(
  pool: pg.Pool,
  organizationId: string,
  mentorIds: readonly string[],
  count: number,
  fromVersion = 1,
): Promise<void> {
  for (let round = fromVersion; round < fromVersion + count; round += 1) {
    const rpc =
      round % 2 === 1
        ? `public.activate_pause(m.id, $1, 'health')`
        : 'public.deactivate_pause(m.id, $1)';
    await withCaller(pool, serviceRoleClaims, (client) =>
      client.query(`select count(${rpc}) from unnest($2::uuid[]) as m (id)`, [
        organizationId,
        mentorIds,
      ]),
    );
  }
}

export interface OutboxRow {
  event_id: string;
  peer_mentor_id: string;
  status_version: number;
  attempts: number;
  last_error: string | null;
  delivered: boolean;
  parked: boolean;
  claimed: boolean;
  /** A newer event of the mentor made this one unnecessary (it was never sent). */
  superseded: boolean;
}

/** The outbox, read as the owner. */
export async function outbox(pool: pg.Pool): Promise<OutboxRow[]> {
  const { rows } = await pool.query<OutboxRow>(
    `select event_id, peer_mentor_id, status_version, attempts, last_error,
            delivered_at is not null as delivered, parked_at is not null as parked,
            claim_token is not null as claimed, superseded_at is not null as superseded
     from private.status_change_outbox order by peer_mentor_id, status_version`,
  );
  return rows;
}

/** Every row delivered, or superseded by a newer delivered one: nothing left to send. */
export async function nothingLeftToSend(pool: pg.Pool): Promise<boolean> {
  return (await outbox(pool)).every((row) => row.delivered || row.superseded);
}

/** The CRM has a contact for each mentor (an operator linked them): sync may update them. */
export function linkContacts(fake: FakeDataverseServer, mentorIds: readonly string[]): void {
  for (const mentor of mentorIds) fake.createRecord(mentor);
}

/** The Dataverse adapter pointed at the fake, configured from DYNAMICS_* like production. */
export function dataverseClient(
  fake: FakeDataverseServer,
  overrides: Record<string, string> = {},
): DataverseWebApiClient {
  return createDynamicsPortalClient(readDynamicsConfig({ ...fake.env(), ...overrides }), {
    logger: silentLogger,
  }) as DataverseWebApiClient;
}

/** A dispatcher with test-sized delays (milliseconds instead of seconds). */
export function dispatcher(
  pool: pg.Pool,
  claimant: string,
  options: Partial<DispatcherOptions> & Pick<DispatcherOptions, 'client'>,
): OutboxDispatcher {
  return new OutboxDispatcher({
    store: createOutboxStore(pool, claimant),
    logger: silentLogger,
    retryBackoff: { baseMs: 20, maxMs: 200 },
    idleDelayMs: 20,
    leaseSeconds: 30,
    ...options,
  });
}

/**
 * Runs the dispatcher in watch mode until `done` holds (checked between rounds), failing
 * after `deadlineMs` so a broken build fails instead of hanging.
 */
export async function runUntil(
  worker: OutboxDispatcher,
  done: () => Promise<boolean>,
  deadlineMs = 30_000,
): Promise<DispatchSummary> {
  const stop = new AbortController();
  const startedAt = Date.now();
  let finished = false;
  const watcher = (async () => {
    while (!stop.signal.aborted) {
      if (await done()) {
        finished = true;
        stop.abort();
        return;
      }
      if (Date.now() - startedAt > deadlineMs) {
        stop.abort();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  const summary = await worker.run(stop.signal);
  await watcher;
  if (!finished) throw new Error(`the dispatcher did not finish within ${deadlineMs} ms`);
  return summary;
}
