import { describe, expect, it } from 'vitest';
import { CallerClaims, ORGANIZATION_ID_CLAIM, readJwtClaims } from './claims.js';

const userId = '5c1d6b2e-8f3a-4b7c-9d2e-1a0b9c8d7e6f';
const orgId = '3b0b2f0e-6a55-4c1e-9a43-0f4c3c2b1a00';
const now = new Date('2026-11-26T12:00:00Z');
const inAnHour = now.getTime() / 1000 + 3600;

/** A decoded Supabase access token of a signed-in user. */
const userToken = (extra: Record<string, unknown> = {}) => ({
  aud: 'authenticated',
  role: 'authenticated',
  sub: userId,
  exp: inAnHour,
  app_metadata: { provider: 'email', [ORGANIZATION_ID_CLAIM.property]: orgId },
  user_metadata: {},
  ...extra,
});

function problem(payload: unknown) {
  const result = readJwtClaims(payload, { now });
  return result.success ? undefined : result.error.reason;
}

describe('readJwtClaims', () => {
  it('reads subject, role and organization of a signed-in user', () => {
    expect(readJwtClaims(userToken(), { now })).toEqual({
      success: true,
      data: { subject: userId, role: 'authenticated', organizationId: orgId },
    });
  });

  it('never takes the organization from user_metadata, which the user can rewrite', () => {
    const forged = userToken({
      app_metadata: { provider: 'email' },
      user_metadata: { [ORGANIZATION_ID_CLAIM.property]: orgId },
    });
    const result = readJwtClaims(forged, { now });
    expect(result.success && result.data.organizationId).toBeNull();
  });

  it('selects no organization for a claim that is not a uuid, as the database does', () => {
    for (const claimed of ['hlf', 42, null, { id: orgId }]) {
      const result = readJwtClaims(
        userToken({ app_metadata: { [ORGANIZATION_ID_CLAIM.property]: claimed } }),
        { now },
      );
      expect(result.success && result.data.organizationId, JSON.stringify(claimed)).toBeNull();
    }
  });

  it('accepts the service role and anon keys, which name no user', () => {
    expect(readJwtClaims({ role: 'service_role', exp: inAnHour }, { now })).toEqual({
      success: true,
      data: { subject: null, role: 'service_role', organizationId: null },
    });
    const anon = readJwtClaims({ role: 'anon' }, { now });
    expect(anon.success && anon.data.role).toBe('anon');
  });

  it('says why a payload names no caller', () => {
    expect(problem('eyJhbGciOi...')).toBe('not_an_object');
    expect(problem([userToken()])).toBe('not_an_object');
    expect(problem(userToken({ role: undefined }))).toBe('missing_role');
    expect(problem(userToken({ role: 'postgres' }))).toBe('unknown_role');
    expect(problem(userToken({ sub: undefined }))).toBe('missing_subject');
    expect(problem(userToken({ sub: 'user-1' }))).toBe('invalid_subject');
    expect(problem({ role: 'anon', sub: 7 })).toBe('invalid_subject');
    expect(problem(userToken({ exp: now.getTime() / 1000 }))).toBe('expired');
    expect(problem(userToken({ exp: String(inAnHour) }))).toBe('expired');
  });

  it('returns an Error a caller can throw or log', () => {
    const result = readJwtClaims(userToken({ role: 'postgres' }), { now });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(result.error).toBeInstanceOf(Error);
      expect(result.error.name).toBe('JwtClaimsError');
      expect(result.error.message).toContain('"postgres"');
    }
  });
});

describe('CallerClaims (zod)', () => {
  it('parses a payload with the same rules and reports the reason', () => {
    const token = userToken({ exp: Date.now() / 1000 + 3600 });
    expect(CallerClaims.parse(token)).toEqual({
      subject: userId,
      role: 'authenticated',
      organizationId: orgId,
    });
    const failed = CallerClaims.safeParse({ ...token, role: 'postgres' });
    expect(failed.success).toBe(false);
    expect(failed.error?.issues[0]).toMatchObject({
      code: 'custom',
      params: { reason: 'unknown_role' },
    });
  });
});
