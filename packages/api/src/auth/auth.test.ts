import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useTestDatabase } from '@peer-mentor/db/testing';
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  type GenerateKeyPairResult,
  generateKeyPair,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestApp,
  ids,
  JWT_SECRET,
  loadWorld,
  people,
  type TestApp,
  tokens,
} from '../../test/support/harness.js';
import { callRpc } from '../../test/support/requests.js';

// Authentication in-process: the gateway's apikey check and PostgREST's JWT rules, observed
// through a real call (Kari lists Oslo's pauses) so that "accepted" means the call ran.

const database = useTestDatabase();
const apps: TestApp[] = [];
let t: TestApp;
let anonKey: string;
const listOslo = { p_organization_id: ids.hlf, p_chapter_id: ids.oslo };
// Pinned to the moment the file loads: token times are exact, and close to the database's now().
const NOW = new Date();
const nowSeconds = Math.floor(NOW.getTime() / 1000);

function app(options: Parameters<typeof createTestApp>[1] = {}) {
  const created = createTestApp(database.url, { clock: { now: () => NOW }, ...options });
  apps.push(created);
  return created;
}

beforeAll(async () => {
  await loadWorld(database.url);
  t = app();
  anonKey = await tokens.anonKey();
});
afterAll(async () => {
  for (const created of apps) await created.close();
});

const kariClaims = () => tokens.userClaims(people.kari, ids.hlf);
const sign = (claims: Record<string, unknown>, secret = JWT_SECRET, header = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...header })
    .sign(new TextEncoder().encode(secret));
const valid = (extra: Record<string, unknown> = {}) =>
  sign({ ...kariClaims(), iat: nowSeconds, exp: nowSeconds + 3600, ...extra });

describe("the apikey check (Supabase's gateway)", () => {
  it('answers 401 with the gateway message when no apikey is sent', async () => {
    const res = await callRpc(t, 'get_active_pauses_for_chapter', listOslo, {
      token: await valid(),
    });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({
      message: 'No API key found in request',
      hint: 'No `apikey` request header or url param was found.',
    });
  });

  it('rejects a key it cannot verify, and a user token used as the key', async () => {
    for (const apikey of [
      'not-a-key',
      await valid(),
      await sign({ role: 'anon', exp: nowSeconds + 60 }, 'x'.repeat(40)),
    ]) {
      const res = await callRpc(t, 'get_active_pauses_for_chapter', listOslo, { apikey });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({
        message: 'Invalid API key',
        hint: 'Double check your Supabase `anon` or `service_role` API key.',
      });
    }
  });

  it('accepts the key as the apikey url parameter too, and never treats it as an argument', async () => {
    const res = await t.app.request(
      `/rest/v1/rpc/get_active_pauses_for_chapter?p_organization_id=${ids.hlf}&p_chapter_id=${ids.oslo}&apikey=${anonKey}`,
      { headers: { authorization: `Bearer ${await valid()}` } },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveLength(1);
  });

  it('accepts a configured opaque key (sb_publishable_…) and runs its bearer as anon', async () => {
    const opaque = app({ config: { apiKeys: ['sb_publishable_local_test'] } });
    const res = await callRpc(opaque, 'get_active_pauses_for_chapter', listOslo, {
      apikey: 'sb_publishable_local_test',
      token: 'sb_publishable_local_test',
    });
    expect(res.status).toBe(401);
    expect(res.json.code).toBe('42501');
  });
});

describe('JWT verification (PostgREST PGRST301 / PGRST303)', () => {
  const expectJwtError = async (
    token: string,
    code: string,
    message: string,
    target = t,
    apikey = anonKey,
  ) => {
    const res = await callRpc(target, 'get_active_pauses_for_chapter', listOslo, { apikey, token });
    expect(res.status, res.text).toBe(401);
    expect(res.json).toMatchObject({ code, message });
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description=${JSON.stringify(message)}`,
    );
  };

  it('runs a valid user token as that user (Kari sees Jonas paused in Oslo)', async () => {
    const res = await callRpc(t, 'get_active_pauses_for_chapter', listOslo, {
      apikey: anonKey,
      token: await valid(),
    });
    expect(res.status).toBe(200);
    expect(res.json.map((row: { display_name: string }) => row.display_name)).toEqual([
      'Jonas Dahl',
    ]);
  });

  it('runs a request without a user token as anon: permission denied is 401, like PostgREST', async () => {
    const res = await callRpc(t, 'get_active_pauses_for_chapter', listOslo, { apikey: anonKey });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({
      code: '42501',
      message: 'permission denied for function get_active_pauses_for_chapter',
      details: null,
      hint: null,
    });
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('rejects an unsigned token (alg none)', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ ...kariClaims(), exp: nowSeconds + 60 })}.`;
    await expectJwtError(unsigned, 'PGRST301', 'Wrong or unsupported encoding algorithm');
  });

  it('rejects a token signed with another secret', async () => {
    await expectJwtError(
      await sign(
        { ...kariClaims(), exp: nowSeconds + 60 },
        'another-secret-that-is-at-least-32-chars',
      ),
      'PGRST301',
      'JWT cryptographic operation failed',
    );
  });

  it('rejects malformed and empty tokens with PostgREST messages', async () => {
    await expectJwtError('abc', 'PGRST301', 'Expected 3 parts in JWT; got 1');
    await expectJwtError('', 'PGRST301', 'Empty JWT is sent in Authorization header');
  });

  it('rejects an expired token, allowing PostgREST’s 30 s of clock skew', async () => {
    await expectJwtError(await valid({ exp: nowSeconds - 31 }), 'PGRST303', 'JWT expired');
    // Inside the skew window the API lets it through and the database's own expiry check
    // decides: an expired token identifies nobody (PM401), as behind PostgREST.
    const res = await callRpc(t, 'get_active_pauses_for_chapter', listOslo, {
      apikey: anonKey,
      token: await valid({ exp: nowSeconds - 5 }),
    });
    expect([res.status, res.json.code]).toEqual([400, 'PM401']);
  });

  it('forgets a verified token once it expires (the verified-token cache re-checks exp)', async () => {
    let now = NOW;
    const timed = app({ clock: { now: () => now } });
    const token = await valid({ exp: nowSeconds + 60 });
    const first = await callRpc(timed, 'get_active_pauses_for_chapter', listOslo, {
      apikey: anonKey,
      token,
    });
    expect(first.status).toBe(200);
    now = new Date(NOW.getTime() + 120_000);
    await expectJwtError(token, 'PGRST303', 'JWT expired', timed);
  });

  it('rejects a token that is not valid yet (nbf) or issued in the future (iat)', async () => {
    await expectJwtError(await valid({ nbf: nowSeconds + 120 }), 'PGRST303', 'JWT not yet valid');
    await expectJwtError(
      await valid({ iat: nowSeconds + 120 }),
      'PGRST303',
      'JWT issued at future',
    );
  });

  it('requires exp', async () => {
    await expectJwtError(await sign(kariClaims()), 'PGRST303', 'Parsing claims failed');
  });

  it('requires our audience on user tokens, and on any token that names one', async () => {
    await expectJwtError(await valid({ aud: 'somebody-else' }), 'PGRST303', 'JWT not in audience');
    await expectJwtError(await valid({ aud: undefined }), 'PGRST303', 'JWT not in audience');
    await expectJwtError(
      await sign({ role: 'anon', aud: 'somebody-else', exp: nowSeconds + 60 }),
      'PGRST303',
      'JWT not in audience',
    );
    const res = await callRpc(t, 'get_active_pauses_for_chapter', listOslo, {
      apikey: anonKey,
      token: await valid({ aud: ['other', 'authenticated'] }),
    });
    expect(res.status).toBe(200);
  });

  it('parses the claims with the contracts rules: role, uuid sub, sub for authenticated', async () => {
    await expectJwtError(await valid({ sub: undefined }), 'PGRST303', 'Parsing claims failed');
    await expectJwtError(await valid({ sub: 'not-a-uuid' }), 'PGRST303', 'Parsing claims failed');
    await expectJwtError(await valid({ role: 'postgres' }), 'PGRST303', 'Parsing claims failed');
    await expectJwtError(await valid({ role: undefined }), 'PGRST303', 'Parsing claims failed');
  });

  it('verifies ES256 and RS256 tokens against a JWKS, by kid', async () => {
    const es = await generateKeyPair('ES256');
    const rs = await generateKeyPair('RS256');
    const jwks = {
      keys: [
        { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
        { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
      ],
    };
    const asymmetric = app({
      jwt: { jwks: { kind: 'inline', document: jwks }, audience: 'authenticated' },
    });
    const signWith = (alg: string, key: CryptoKey, kid: string) =>
      new SignJWT({ ...kariClaims(), iat: nowSeconds, exp: nowSeconds + 60 })
        .setProtectedHeader({ alg, kid, typ: 'JWT' })
        .sign(key);

    const esAnonKey = await new SignJWT({ role: 'anon', iss: 'supabase', exp: nowSeconds + 3600 })
      .setProtectedHeader({ alg: 'ES256', kid: 'es-1', typ: 'JWT' })
      .sign(es.privateKey);
    for (const token of [
      await signWith('ES256', es.privateKey, 'es-1'),
      await signWith('RS256', rs.privateKey, 'rs-1'),
    ]) {
      const res = await callRpc(asymmetric, 'get_active_pauses_for_chapter', listOslo, {
        apikey: esAnonKey,
        token,
      });
      expect(res.status, res.text).toBe(200);
    }
    // Unknown kid, a key of another pair, and an HS256 token where no secret is configured.
    const stranger = await generateKeyPair('ES256');
    await expectJwtError(
      await signWith('ES256', es.privateKey, 'es-unknown'),
      'PGRST301',
      'No suitable key or wrong key type',
      asymmetric,
      esAnonKey,
    );
    await expectJwtError(
      await signWith('ES256', stranger.privateKey, 'es-1'),
      'PGRST301',
      'JWT cryptographic operation failed',
      asymmetric,
      esAnonKey,
    );
    await expectJwtError(
      await valid(),
      'PGRST301',
      'Wrong or unsupported encoding algorithm',
      asymmetric,
      esAnonKey,
    );
  });

  it('does not let an HS256 token signed with a public key through (algorithm confusion)', async () => {
    const rs = await generateKeyPair('RS256', { extractable: true });
    const jwks = { keys: [{ ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256' }] };
    const both = app({
      jwt: {
        secret: JWT_SECRET,
        jwks: { kind: 'inline', document: jwks },
        audience: 'authenticated',
      },
    });
    const publicPem = await exportSPKI(rs.publicKey);
    const forged = await sign({ ...kariClaims(), exp: nowSeconds + 60 }, publicPem, {
      kid: 'rs-1',
    });
    await expectJwtError(forged, 'PGRST301', 'JWT cryptographic operation failed', both);
  });

  describe('with the JWKS fetched from a URL (as from Supabase Auth)', () => {
    let server: Server;
    let jwksUrl: string;
    let key: GenerateKeyPairResult;
    beforeAll(async () => {
      key = await generateKeyPair('ES256');
      const document = JSON.stringify({
        keys: [{ ...(await exportJWK(key.publicKey)), kid: 'remote-1', alg: 'ES256' }],
      });
      server = createServer((_, res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(document),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/v1/.well-known/jwks.json`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('verifies tokens with the published keys', async () => {
      const remote = app({
        jwt: { jwks: { kind: 'remote', url: jwksUrl }, audience: 'authenticated' },
      });
      const signed = (claims: Record<string, unknown>) =>
        new SignJWT({ iat: nowSeconds, exp: nowSeconds + 60, ...claims })
          .setProtectedHeader({ alg: 'ES256', kid: 'remote-1', typ: 'JWT' })
          .sign(key.privateKey);
      const res = await callRpc(remote, 'get_active_pauses_for_chapter', listOslo, {
        apikey: await signed({ role: 'anon' }),
        token: await signed(kariClaims()),
      });
      expect(res.status, res.text).toBe(200);
    });
  });
});
