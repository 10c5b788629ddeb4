import { ActivePauseRow, PeerMentorStatusRow } from '@peer-mentor/contracts';
import { createClient } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { ids, people } from '../support/harness.js';
import type { WireTarget } from './targets.js';

// The seed's integration cases and every PM… code, through an unchanged supabase-js client over
// a real socket. The same cases run against a real Supabase project when one is configured.

const clientOptions = { auth: { persistSession: false, autoRefreshToken: false } };

/** supabase-js as an app uses it once a user has a session (third-party access token). */
function clientFor(target: WireTarget, token?: string) {
  return createClient(target.url, target.anonKey, {
    ...clientOptions,
    ...(token ? { accessToken: async () => token } : {}),
  });
}

export function defineWireSuite(getTarget: () => WireTarget) {
  const as = async (userId: string, organizationId: string = ids.hlf) =>
    clientFor(getTarget(), await getTarget().userToken(userId, organizationId));

  const expectPostgresError = (
    result: { error: { code: string } | null; status: number; data: unknown },
    code: string,
    status = 400,
  ) => {
    expect(result.data).toBeNull();
    expect(result.error?.code, JSON.stringify(result.error)).toBe(code);
    expect(result.status).toBe(status);
  };

  describe('the seed’s cases', () => {
    it('activate_pause with a valid JWT returns the status row; deactivate_pause ends it', async () => {
      const kari = await as(people.kari);
      const paused = await kari.rpc('activate_pause', {
        p_peer_mentor_id: ids.anna,
        p_organization_id: ids.hlf,
        p_reason_code: 'coordinator_decision',
        p_note: 'Needs a break',
      });
      expect(paused.error).toBeNull();
      expect(paused.status).toBe(200);
      const row = PeerMentorStatusRow.parse(paused.data);
      expect(row).toMatchObject({
        peer_mentor_id: ids.anna,
        organization_id: ids.hlf,
        status: 'paused',
        reason_code: 'coordinator_decision',
        note: 'Needs a break',
        paused_by: people.kari,
        paused_by_role: 'coordinator',
      });

      const resumed = await kari.rpc('deactivate_pause', {
        p_peer_mentor_id: ids.anna,
        p_organization_id: ids.hlf,
      });
      expect(resumed.error).toBeNull();
      const after = PeerMentorStatusRow.parse(resumed.data);
      expect(after).toMatchObject({ status: 'active', paused_at: null, version: row.version + 1 });
    });

    it('an unauthorized JWT gets the database error with its code (coordinator outside their chapters: PM403)', async () => {
      const ingrid = await as(people.ingrid);
      const result = await ingrid.rpc('activate_pause', {
        p_peer_mentor_id: ids.anna,
        p_organization_id: ids.hlf,
        p_reason_code: 'health',
      });
      expectPostgresError(result, 'PM403');
      expect(result.error?.message).toBe('not allowed to act on this peer mentor or chapter');
    });

    it('a token with an invalid signature gets 401 PGRST301', async () => {
      const forged = clientFor(getTarget(), await getTarget().forgedToken(people.admin, ids.hlf));
      const result = await forged.rpc('activate_pause', {
        p_peer_mentor_id: ids.anna,
        p_organization_id: ids.hlf,
        p_reason_code: 'health',
      });
      expectPostgresError(result, 'PGRST301', 401);
    });

    it('an expired token gets 401 PGRST303 (JWT expired)', async () => {
      const token = await getTarget().userToken(people.admin, ids.hlf, { expiresInSeconds: -120 });
      const result = await clientFor(getTarget(), token).rpc('activate_pause', {
        p_peer_mentor_id: ids.anna,
        p_organization_id: ids.hlf,
        p_reason_code: 'health',
      });
      expectPostgresError(result, 'PGRST303', 401);
      expect(result.error).toMatchObject({ message: 'JWT expired' });
    });

    it('anon gets 401: permission denied (42501) as PostgREST maps it for the anonymous role', async () => {
      const result = await clientFor(getTarget()).rpc('activate_pause', {
        p_peer_mentor_id: ids.anna,
        p_organization_id: ids.hlf,
        p_reason_code: 'health',
      });
      expectPostgresError(result, '42501', 401);
    });
  });

  describe('every domain error arrives with its code and HTTP 400', () => {
    it('PM401: a token that expired inside the clock-skew window identifies nobody', async () => {
      const token = await getTarget().userToken(people.admin, ids.hlf, { expiresInSeconds: -5 });
      const result = await clientFor(getTarget(), token).rpc('deactivate_pause', {
        p_peer_mentor_id: ids.sofie,
        p_organization_id: ids.hlf,
      });
      expectPostgresError(result, 'PM401');
    });

    it('PM403: a mentor may not impose a coordinator decision', async () => {
      const anna = await as(people.anna);
      const result = await anna.rpc('activate_pause', {
        p_peer_mentor_id: ids.anna,
        p_organization_id: ids.hlf,
        p_reason_code: 'coordinator_decision',
      });
      expectPostgresError(result, 'PM403');
    });

    it('PM404: a mentor that does not exist, or lives in another organization', async () => {
      const admin = await as(people.admin);
      for (const mentor of ['00000000-0000-4000-8000-000000000000', ids.ola]) {
        const result = await admin.rpc('activate_pause', {
          p_peer_mentor_id: mentor,
          p_organization_id: ids.hlf,
          p_reason_code: 'health',
        });
        expectPostgresError(result, 'PM404');
      }
    });

    it('PM409: pausing a paused mentor', async () => {
      const result = await (await as(people.kari)).rpc('activate_pause', {
        p_peer_mentor_id: ids.sofie,
        p_organization_id: ids.hlf,
        p_reason_code: 'health',
      });
      expectPostgresError(result, 'PM409');
    });

    it('PM410: resuming an active mentor', async () => {
      const result = await (await as(people.kari)).rpc('deactivate_pause', {
        p_peer_mentor_id: ids.anna,
        p_organization_id: ids.hlf,
      });
      expectPostgresError(result, 'PM410');
    });

    it('PM412: an organization argument other than the claimed one', async () => {
      const result = await (await as(people.kari)).rpc('get_active_pauses_for_chapter', {
        p_organization_id: ids.north,
        p_chapter_id: ids.tromso,
      });
      expectPostgresError(result, 'PM412');
    });

    it('PM422: an unknown reason code (the API leaves the check to the database)', async () => {
      const result = await (await as(people.kari)).rpc('activate_pause', {
        p_peer_mentor_id: ids.anna,
        p_organization_id: ids.hlf,
        p_reason_code: 'sabbatical',
      });
      expectPostgresError(result, 'PM422');
    });

    it('PM423: a mentor ending a pause a coordinator imposed', async () => {
      const result = await (await as(people.jonas)).rpc('deactivate_pause', {
        p_peer_mentor_id: ids.jonas,
        p_organization_id: ids.hlf,
      });
      expectPostgresError(result, 'PM423');
      expect(result.error).toMatchObject({
        details: 'this pause was started by the coordinator role',
      });
    });
  });

  describe('reads', () => {
    it('get_active_pauses_for_chapter by POST and by GET, with a count', async () => {
      const kari = await as(people.kari);
      const args = { p_organization_id: ids.hlf, p_chapter_id: ids.bergen };
      const posted = await kari.rpc('get_active_pauses_for_chapter', args);
      const fetched = await kari.rpc('get_active_pauses_for_chapter', args, {
        get: true,
        count: 'exact',
      });
      expect(posted.error).toBeNull();
      expect(fetched.error).toBeNull();
      const rows = ActivePauseRow.array().parse(posted.data);
      expect(rows.map((row) => row.display_name).sort()).toEqual(['Jonas Dahl', 'Sofie Lie']);
      expect(fetched.data).toEqual(posted.data);
      expect(fetched.count).toBe(2);
    });

    it('.single() on a set result', async () => {
      const kari = await as(people.kari);
      const one = await kari
        .rpc('get_active_pauses_for_chapter', {
          p_organization_id: ids.hlf,
          p_chapter_id: ids.oslo,
        })
        .single();
      expect(one.error).toBeNull();
      expect(ActivePauseRow.parse(one.data).display_name).toBe('Jonas Dahl');
    });
  });
}
