import http from 'node:http';
import { useTestDatabase } from '@peer-mentor/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import apiPackage from '../package.json' with { type: 'json' };
import {
  createTestApp,
  ids,
  loadWorld,
  people,
  type TestApp,
  tokens,
} from '../test/support/harness.js';
import { callRpc, type Json } from '../test/support/requests.js';
import { listen } from './server.js';

// Service qualities of createApp in-process: request ids and logs, limits, timeouts, health,
// the OpenAPI document and the error bodies for everything that is not a call.

const database = useTestDatabase();
const apps: TestApp[] = [];
let t: TestApp;
let anonKey: string;
let kari: string;

function app(options: Parameters<typeof createTestApp>[1] = {}, url = database.url) {
  const created = createTestApp(url, options);
  apps.push(created);
  return created;
}

beforeAll(async () => {
  await loadWorld(database.url);
  t = app();
  anonKey = await tokens.anonKey();
  kari = await tokens.user(people.kari);
});
afterAll(async () => {
  for (const created of apps) await created.close();
});

const listOslo = { p_organization_id: ids.hlf, p_chapter_id: ids.oslo };
const pauseAnna = {
  p_peer_mentor_id: ids.anna,
  p_organization_id: ids.hlf,
  p_reason_code: 'health',
};

describe('request ids and logs', () => {
  it('gives every response a request id, keeping the caller’s own', async () => {
    const fresh = await t.app.request('/healthz');
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await t.app.request('/healthz', { headers: { 'x-request-id': 'trace-123' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-123');
  });

  it('writes one JSON line per request with latency, and never a token or key', async () => {
    const logged = app();
    const badToken = `${kari.slice(0, -4)}AAAA`;
    await callRpc(logged, 'get_active_pauses_for_chapter', listOslo, {
      apikey: anonKey,
      token: kari,
    });
    await callRpc(logged, 'get_active_pauses_for_chapter', listOslo, {
      apikey: anonKey,
      token: badToken,
    });
    await callRpc(logged, 'get_active_pauses_for_chapter', listOslo, {
      apikey: `${anonKey}x`,
      token: kari,
    });
    await logged.app.request(
      `/rest/v1/rpc/get_active_pauses_for_chapter?p_organization_id=${ids.hlf}&p_chapter_id=${ids.oslo}&apikey=${anonKey}`,
    );
    const lines = logged.logLines.map((line) => JSON.parse(line));
    expect(lines.map((line) => line.status)).toEqual([200, 401, 401, 401]);
    for (const line of lines) {
      expect(line).toMatchObject({
        msg: 'request',
        method: expect.any(String),
        requestId: expect.any(String),
      });
      expect(line.latencyMs).toBeGreaterThan(0);
    }
    expect(lines[0]).toMatchObject({ role: 'authenticated', fn: 'get_active_pauses_for_chapter' });
    expect(lines[1]).toMatchObject({ code: 'PGRST301' });
    const everything = logged.logLines.join('\n');
    for (const secret of [kari, badToken, anonKey, kari.split('.')[2], anonKey.split('.')[2]]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe('limits', () => {
  it('refuses a body over the limit with 413 before anything runs', async () => {
    const small = app({ config: { bodyLimitBytes: 512 } });
    const res = await callRpc(
      small,
      'activate_pause',
      { ...pauseAnna, p_note: 'x'.repeat(600) },
      { apikey: anonKey, token: kari },
    );
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ code: 'PGRST102', message: 'Request body is too large' });
    const check = await callRpc(t, 'get_active_pauses_for_chapter', listOslo, {
      apikey: anonKey,
      token: kari,
    });
    expect(check.json.map((row: { peer_mentor_id: string }) => row.peer_mentor_id)).not.toContain(
      ids.anna,
    );
  });

  it('refuses a body over the limit over a socket too: announced by Content-Length, or streamed in chunks', async () => {
    const small = app({ config: { bodyLimitBytes: 512 } });
    const server = await listen(small.app, { port: 0 });
    const post = (body: string, chunked: boolean) =>
      new Promise<{ status: number; json: Json }>((resolve, reject) => {
        const request = http.request(
          `${server.url}/rest/v1/rpc/activate_pause`,
          {
            method: 'POST',
            headers: {
              apikey: anonKey,
              authorization: `Bearer ${kari}`,
              'content-type': 'application/json',
              ...(chunked ? {} : { 'content-length': Buffer.byteLength(body) }),
            },
          },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => {
              text += chunk.toString();
            });
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, json: JSON.parse(text) }),
            );
          },
        );
        request.on('error', reject);
        if (chunked) {
          // No length up front: the body arrives in pieces (Transfer-Encoding: chunked).
          for (let at = 0; at < body.length; at += 100) request.write(body.slice(at, at + 100));
          request.end();
        } else request.end(body);
      });
    try {
      for (const chunked of [false, true]) {
        const big = await post(JSON.stringify({ ...pauseAnna, p_note: 'x'.repeat(600) }), chunked);
        expect(big.status, `chunked: ${chunked}`).toBe(413);
        expect(big.json).toMatchObject({ code: 'PGRST102', message: 'Request body is too large' });
        // Under the limit, either way, the call runs (and is undone).
        const fits = await post(JSON.stringify({ ...pauseAnna, p_note: 'fits' }), chunked);
        expect(fits.status, `chunked: ${chunked}`).toBe(200);
        expect(fits.json).toMatchObject({ status: 'paused', note: 'fits' });
        const undo = await callRpc(
          t,
          'deactivate_pause',
          { p_peer_mentor_id: ids.anna, p_organization_id: ids.hlf },
          { apikey: anonKey, token: kari },
        );
        expect(undo.json.status).toBe('active');
      }
    } finally {
      await server.close();
    }
  });

  it('cancels a call that runs past the statement timeout, and says only what failed', async () => {
    const impatient = app({ config: { statementTimeoutMs: 300 } });
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      // Hold Anna's transition lock, so the call waits on it until its timeout.
      await blocker.query('begin');
      await blocker.query('select pg_advisory_xact_lock(1347767119, hashtext($1))', [ids.anna]);
      const started = Date.now();
      const res = await callRpc(impatient, 'activate_pause', pauseAnna, {
        apikey: anonKey,
        token: kari,
      });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(res.status).toBe(500);
      expect(res.json).toEqual({
        code: '57014',
        message: 'operator intervention (for example a statement timeout)',
        details: null,
        hint: null,
      });
      expect(res.text).not.toContain('canceling statement');
      expect(impatient.logLines.join('\n')).toContain(
        'canceling statement due to statement timeout',
      );
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
  });

  it('waits a bounded time for a pooled connection, then answers 504 PGRST003', async () => {
    const bounded = app({ pool: { max: 1, acquireTimeoutMs: 200 } });
    // The first call loads the schema cache (PostgREST loads it at startup).
    const warm = await callRpc(bounded, 'get_active_pauses_for_chapter', listOslo, {
      apikey: anonKey,
      token: kari,
    });
    expect(warm.status).toBe(200);
    const held = await bounded.pool.connect();
    try {
      const res = await callRpc(bounded, 'get_active_pauses_for_chapter', listOslo, {
        apikey: anonKey,
        token: kari,
      });
      expect(res.status).toBe(504);
      expect(res.json).toMatchObject({
        code: 'PGRST003',
        message: 'Timed out acquiring connection from connection pool.',
      });
    } finally {
      held.release();
    }
    const after = await callRpc(bounded, 'get_active_pauses_for_chapter', listOslo, {
      apikey: anonKey,
      token: kari,
    });
    expect(after.status).toBe(200);
  });
});

describe('health', () => {
  it('is live and ready with a database, live and not ready without one', async () => {
    expect(await (await t.app.request('/healthz')).json()).toEqual({
      status: 'ok',
      version: apiPackage.version,
    });
    expect((await t.app.request('/readyz')).status).toBe(200);
    const orphan = app({}, 'postgresql://postgres@127.0.0.1:9/nowhere');
    expect((await orphan.app.request('/healthz')).status).toBe(200);
    const ready = await orphan.app.request('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable' });
    const call = await callRpc(orphan, 'get_active_pauses_for_chapter', listOslo, {
      apikey: anonKey,
      token: kari,
    });
    expect(call.status).toBe(503);
    expect(call.json.code).toBe('PGRST002');
  });
});

describe('documentation', () => {
  it('serves an OpenAPI document built from the contracts’ schemas, and a docs page', async () => {
    const doc: Json = await (await t.app.request('/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/rest/v1/rpc/activate_pause',
        '/rest/v1/rpc/deactivate_pause',
        '/rest/v1/rpc/get_active_pauses_for_chapter',
        '/healthz',
        '/readyz',
      ]),
    );
    const activate = doc.paths['/rest/v1/rpc/activate_pause'];
    expect(Object.keys(activate)).toEqual(['post']);
    const body = activate.post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['p_peer_mentor_id', 'p_organization_id', 'p_reason_code']);
    expect(body.properties.p_reason_code.enum).toContain('coordinator_decision');
    expect(Object.keys(doc.paths['/rest/v1/rpc/get_active_pauses_for_chapter']).sort()).toEqual([
      'get',
      'post',
    ]);
    expect(
      doc.paths['/rest/v1/rpc/get_active_pauses_for_chapter'].post.responses['200'].content[
        'application/json'
      ].schema.type,
    ).toBe('array');
    const page = await t.app.request('/docs');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/openapi.json');
  });
});

describe('everything else', () => {
  it('answers unknown paths with PostgREST’s 404 bodies', async () => {
    const nowhere = await t.app.request('/nowhere');
    expect(nowhere.status).toBe(404);
    expect(await nowhere.json()).toEqual({
      code: 'PGRST125',
      message: 'Invalid path specified in request URL',
      details: null,
      hint: null,
    });
    const table = await t.app.request('/rest/v1/no_such_table', {
      headers: { apikey: anonKey },
    });
    expect(table.status).toBe(404);
    expect(await table.json()).toEqual({
      code: 'PGRST205',
      message: "Could not find the table 'public.no_such_table' in the schema cache",
      details: null,
      hint: null,
    });
    expect(table.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('answers a browser’s CORS preflight without an API key', async () => {
    const res = await t.app.request('/rest/v1/rpc/activate_pause', {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'apikey, authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toContain('apikey');
  });
});
