import { AccessTokenAppMetadata, OrganizationSwitchRows } from '@peer-mentor/contracts';
import { demoPassword } from '@peer-mentor/db';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { ids, people } from '../support/harness.js';

// Sign-in and the organization claim's lifecycle through an unchanged supabase-js client, the
// way an app uses it: signInWithPassword, then RPCs with the session it keeps. The same cases run
// against a real Supabase project (Auth with the hook enabled) when one is configured.

/** Where the auth suite signs in: this service on loopback, or a real Supabase project. */
export interface AuthTarget {
  url: string;
  anonKey: string;
  /** Supabase's refresh_token_reuse_interval on the target, in seconds. */
  refreshTokenReuseIntervalSeconds: number;
  /** Makes `userId` a member of the organization with this role and chapters (owner rights). */
  addMembership(
    organizationId: string,
    userId: string,
    role: 'coordinator' | 'org_admin' | 'peer_mentor',
    chapterIds: string[],
  ): Promise<void>;
}

const KARI = 'kari.coordinator@hlf.demo';
const PER = 'per.coordinator@hlf.demo';
const HLF_ADMIN = 'admin@hlf.demo';
const NORTH_ADMIN = 'admin@nord.demo';
const tromso = ids.tromso;

function newClient(target: AuthTarget): SupabaseClient {
  return createClient(target.url, target.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
}

async function signedIn(target: AuthTarget, email: string) {
  const client = newClient(target);
  const { data, error } = await client.auth.signInWithPassword({
    email,
    password: demoPassword(email),
  });
  expect(error, `${email} signs in`).toBeNull();
  return { client, session: data.session! };
}

const appMetadata = (accessToken: string) =>
  AccessTokenAppMetadata.parse(decodeJwt(accessToken).app_metadata);

const listOslo = { p_organization_id: ids.hlf, p_chapter_id: ids.oslo };
const listTromso = { p_organization_id: ids.north, p_chapter_id: tromso };

export function defineAuthSuite(getTarget: () => AuthTarget) {
  describe('sign-in as in production', () => {
    it('signInWithPassword gives a session whose token carries Supabase’s claims and the organization', async () => {
      const { client, session } = await signedIn(getTarget(), KARI);
      expect(session.user.id).toBe(people.kari);
      expect(session.user.email).toBe(KARI);
      expect(session.token_type).toBe('bearer');
      const claims = decodeJwt(session.access_token);
      for (const claim of ['iss', 'aud', 'exp', 'iat', 'sub', 'role', 'aal', 'session_id']) {
        expect(claims, claim).toHaveProperty(claim);
      }
      expect(claims).toMatchObject({ sub: people.kari, role: 'authenticated', email: KARI });
      expect(appMetadata(session.access_token)).toMatchObject({
        organization_id: ids.hlf,
        organization_role: 'coordinator',
      });
      const { data, error } = await client.auth.getUser();
      expect(error).toBeNull();
      expect(data.user?.id).toBe(people.kari);
    });

    it('a wrong password is invalid_credentials (400) and leaves no session', async () => {
      const client = newClient(getTarget());
      const { data, error } = await client.auth.signInWithPassword({
        email: KARI,
        password: 'not-kari-s-password',
      });
      expect(data.session).toBeNull();
      expect(error?.status).toBe(400);
      expect(error?.code).toBe('invalid_credentials');
    });

    it('an RPC with the signed-in session runs as that user', async () => {
      const { client } = await signedIn(getTarget(), KARI);
      const { data, error, status } = await client.rpc('get_active_pauses_for_chapter', listOslo);
      expect(error).toBeNull();
      expect(status).toBe(200);
      expect(Array.isArray(data)).toBe(true);
      // Siri (another organization) gets PM412 for the same chapter.
      const { client: siri } = await signedIn(getTarget(), 'siri.coordinator@nord.demo');
      const other = await siri.rpc('get_active_pauses_for_chapter', listOslo);
      expect(other.error?.code).toBe('PM412');
    });

    it('refreshSession rotates the refresh token and the new access token works', async () => {
      const { client, session } = await signedIn(getTarget(), KARI);
      const { data, error } = await client.auth.refreshSession();
      expect(error).toBeNull();
      expect(data.session?.refresh_token).not.toBe(session.refresh_token);
      expect((await client.rpc('get_active_pauses_for_chapter', listOslo)).error).toBeNull();
    });

    it('a refresh token used again after rotation is refused, and revokes the session', async () => {
      const target = getTarget();
      const { client, session } = await signedIn(target, KARI);
      const first = session.refresh_token;
      const second = await client.auth.refreshSession();
      const third = await client.auth.refreshSession();
      expect(third.error).toBeNull();
      await new Promise((resolve) =>
        setTimeout(resolve, target.refreshTokenReuseIntervalSeconds * 1000 + 1100),
      );
      const thief = newClient(target);
      const reused = await thief.auth.refreshSession({ refresh_token: first });
      expect(reused.data.session).toBeNull();
      expect(reused.error?.code).toBe('refresh_token_already_used');
      expect(second.data.session).not.toBeNull();
      const owner = newClient(target);
      const afterReuse = await owner.auth.refreshSession({
        refresh_token: third.data.session!.refresh_token,
      });
      expect(afterReuse.error?.code).toBe('refresh_token_already_used');
    }, 30_000);

    it('signOut ends the session: the user endpoint and the refresh token stop working', async () => {
      const target = getTarget();
      const { client, session } = await signedIn(target, KARI);
      expect((await client.auth.signOut()).error).toBeNull();
      const probe = newClient(target);
      const user = await probe.auth.getUser(session.access_token);
      expect(user.data.user).toBeNull();
      // supabase-js turns Supabase Auth's 403 session_not_found into this error.
      expect(user.error?.name).toBe('AuthSessionMissingError');
      const refreshed = await probe.auth.refreshSession({ refresh_token: session.refresh_token });
      expect(refreshed.data.session).toBeNull();
      expect(refreshed.error?.code).toBe('refresh_token_not_found');
    });
  });

  describe('the organization claim’s lifecycle', () => {
    it('switch_organization then refreshSession: the token and the RPCs follow the chosen organization, never both', async () => {
      const target = getTarget();
      await target.addMembership(ids.north, people.kari, 'coordinator', [tromso]);
      const { client, session } = await signedIn(target, KARI);
      const claimed = appMetadata(session.access_token).organization_id;
      const other = claimed === ids.hlf ? ids.north : ids.hlf;
      try {
        const switched = await client.rpc('switch_organization', { p_organization_id: other });
        expect(switched.error).toBeNull();
        const [row] = OrganizationSwitchRows.parse(switched.data);
        expect(row).toMatchObject({ organization_id: other, role: 'coordinator' });
        // Until the session is refreshed the token still claims the first organization.
        expect(
          appMetadata((await client.auth.getSession()).data.session!.access_token).organization_id,
        ).toBe(claimed);

        const refreshed = await client.auth.refreshSession();
        expect(refreshed.error).toBeNull();
        expect(appMetadata(refreshed.data.session!.access_token)).toMatchObject({
          organization_id: other,
          organization_role: 'coordinator',
        });
        const [mine, theirs] =
          other === ids.north ? [listTromso, listOslo] : [listOslo, listTromso];
        expect((await client.rpc('get_active_pauses_for_chapter', mine)).error).toBeNull();
        const refused = await client.rpc('get_active_pauses_for_chapter', theirs);
        expect(refused.error?.code).toBe('PM412');
        // Naming a mentor of the other organization under this claim finds nothing there.
        const mentorOfOther = other === ids.north ? ids.anna : ids.ola;
        const hidden = await client.rpc('activate_pause', {
          p_peer_mentor_id: mentorOfOther,
          p_organization_id: other,
          p_reason_code: 'coordinator_decision',
        });
        expect(hidden.error?.code).toBe('PM404');
      } finally {
        await client.rpc('switch_organization', { p_organization_id: ids.hlf });
        // Likeperson Nord's admin takes Kari out again, through the audited RPC.
        const { client: northAdmin } = await signedIn(target, NORTH_ADMIN);
        const removed = await northAdmin.rpc('remove_member', {
          p_organization_id: ids.north,
          p_user_id: people.kari,
        });
        expect(removed.error).toBeNull();
      }
    });

    it('an org admin removes a coordinator: their next call fails at once, their next refresh has no claim', async () => {
      const target = getTarget();
      const { client: per, session } = await signedIn(target, PER);
      expect(appMetadata(session.access_token).organization_id).toBe(ids.hlf);
      expect((await per.rpc('get_active_pauses_for_chapter', listOslo)).error).toBeNull();

      const { client: admin } = await signedIn(target, HLF_ADMIN);
      try {
        const removed = await admin.rpc('remove_member', {
          p_organization_id: ids.hlf,
          p_user_id: people.per,
        });
        expect(removed.error).toBeNull();
        expect(removed.data).toMatchObject({ user_id: people.per, role: 'coordinator' });

        const next = await per.rpc('get_active_pauses_for_chapter', listOslo);
        expect(next.error?.code).toBe('PM412');
        const refreshed = await per.auth.refreshSession();
        expect(refreshed.error).toBeNull();
        const claims = appMetadata(refreshed.data.session!.access_token);
        expect(claims.organization_id).toBeUndefined();
        expect(claims.organization_role).toBeUndefined();
      } finally {
        await target.addMembership(ids.hlf, people.per, 'coordinator', [ids.oslo]);
      }
    });

    it('coordinators cannot administer memberships (PM403)', async () => {
      const { client } = await signedIn(getTarget(), KARI);
      const refused = await client.rpc('remove_member', {
        p_organization_id: ids.hlf,
        p_user_id: people.per,
      });
      expect(refused.error?.code).toBe('PM403');
    });
  });
}
