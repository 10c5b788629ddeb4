import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamicsClientError,
  type DynamicsPortalClient,
  type PushOutcome,
} from '../../src/index.js';
import { statusChange } from '../support/changes.js';

const etagOf = (outcome: PushOutcome) =>
  outcome.outcome === 'delivered' ? outcome.etag : undefined;

/** What the contract needs to look into the portal behind a client. */
export interface PortalUnderTest {
  client: DynamicsPortalClient;
  /** Another client on the same portal, as a second dispatcher process would have. */
  secondClient: DynamicsPortalClient;
  /** The mentor's record as the portal holds it: status, version, event id. */
  statusOf(
    peerMentorId: string,
  ): { status: unknown; version: unknown; eventId: unknown; reasonCode: unknown } | undefined;
  appliedVersions(peerMentorId: string): number[];
  /** Links the mentor to a record in the CRM, as an operator does before sync updates it. */
  link(peerMentorId: string): void;
  close(): Promise<void>;
}

/**
 * The behaviour every DynamicsPortalClient adapter that delivers promises. Runs against the
 * in-memory fake and against the Dataverse adapter talking HTTP to the fake Dataverse server.
 */
export function describePortalContract(name: string, open: () => Promise<PortalUnderTest>): void {
  describe(`DynamicsPortalClient contract: ${name}`, () => {
    let portal: PortalUnderTest;
    beforeAll(async () => {
      portal = await open();
    });
    afterAll(() => portal.close());
    const linked = () => {
      const mentor = randomUUID();
      portal.link(mentor);
      return mentor;
    };

    it('refuses a mentor the CRM has no record of, permanently, and creates nothing', async () => {
      const mentor = randomUUID();
      const error = await portal.client
        .pushStatusChange(statusChange(mentor, 1))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DynamicsClientError);
      expect(error).toMatchObject({ kind: 'permanent', status: 404 });
      expect((error as Error).message).toContain('not linked or deleted');
      expect(portal.statusOf(mentor)).toBeUndefined();
      expect(portal.appliedVersions(mentor)).toEqual([]);
    });

    it('reports the same version written by another event as a divergence, and changes nothing', async () => {
      const mentor = linked();
      const delivered = statusChange(mentor, 2);
      const first = await portal.client.pushStatusChange(statusChange(mentor, 1));
      await portal.client.pushStatusChange(delivered);
      // Another event claiming the same version, e.g. from a restored database that still
      // holds the ETag of version 1.
      const impostor = statusChange(mentor, 2, { status: 'paused', reasonCode: 'health' });
      const error = await portal.secondClient
        .pushStatusChange(impostor, { etag: etagOf(first) })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'DivergenceError', kind: 'permanent', code: 'diverged' });
      expect((error as Error).message).toContain(delivered.eventId);
      expect(portal.statusOf(mentor)).toMatchObject({ version: 2, eventId: delivered.eventId });
      expect(portal.appliedVersions(mentor)).toEqual([1, 2]);
    });

    it("delivers a mentor's first status change, which the portal then shows", async () => {
      const mentor = linked();
      const change = statusChange(mentor, 1);
      await expect(portal.client.pushStatusChange(change)).resolves.toMatchObject({
        outcome: 'delivered',
      });
      expect(portal.statusOf(mentor)).toEqual({
        status: 'paused',
        version: 1,
        eventId: change.eventId,
        reasonCode: 'health',
      });
      expect(portal.appliedVersions(mentor)).toEqual([1]);
    });

    it('applies later versions in turn, the newest replacing the record', async () => {
      const mentor = linked();
      for (const version of [1, 2, 3]) {
        await portal.client.pushStatusChange(statusChange(mentor, version));
      }
      const last = statusChange(mentor, 4);
      await expect(portal.client.pushStatusChange(last)).resolves.toEqual(
        expect.objectContaining({ outcome: 'delivered' }),
      );
      expect(portal.statusOf(mentor)).toEqual({
        status: 'active',
        version: 4,
        eventId: last.eventId,
        reasonCode: null,
      });
      expect(portal.appliedVersions(mentor)).toEqual([1, 2, 3, 4]);
    });

    it('treats the same event sent again as delivered without applying it twice', async () => {
      const mentor = linked();
      const change = statusChange(mentor, 1);
      await portal.client.pushStatusChange(change);
      await expect(portal.client.pushStatusChange(change)).resolves.toMatchObject({
        outcome: 'delivered',
      });
      await expect(portal.secondClient.pushStatusChange(change)).resolves.toMatchObject({
        outcome: 'delivered',
      });
      expect(portal.appliedVersions(mentor)).toEqual([1]);
      expect(portal.statusOf(mentor)?.eventId).toBe(change.eventId);
    });

    it('never lets an older version overwrite a newer one, from this client or another', async () => {
      const mentor = linked();
      const first = statusChange(mentor, 1);
      const second = statusChange(mentor, 2);
      const delivered = await portal.client.pushStatusChange(first);
      await portal.secondClient.pushStatusChange(second);
      // A late repeat carries the ETag its sender last knew, as the dispatcher's does.
      await expect(
        portal.client.pushStatusChange(first, { etag: etagOf(delivered) }),
      ).resolves.toMatchObject({ outcome: 'delivered' });
      expect(portal.statusOf(mentor)).toMatchObject({ version: 2, eventId: second.eventId });
      expect(portal.appliedVersions(mentor)).toEqual([1, 2]);
    });

    it('keeps mentors apart when their changes are pushed at the same time', async () => {
      const mentors = Array.from({ length: 12 }, () => linked());
      await Promise.all(
        mentors.map((mentor) => portal.client.pushStatusChange(statusChange(mentor, 1))),
      );
      for (const mentor of mentors) {
        expect(portal.statusOf(mentor)?.version, mentor).toBe(1);
        expect(portal.appliedVersions(mentor), mentor).toEqual([1]);
      }
    });

    it('reports itself healthy', async () => {
      await expect(portal.client.checkHealth()).resolves.toMatchObject({
        adapter: portal.client.adapter,
        status: 'ok',
      });
    });
  });
}
