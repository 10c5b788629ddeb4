/**
 * The fake Dataverse server is as strict as Dataverse where production would differ from a
 * lenient stand-in: a declared table (columns, types, lengths, Choice values, lookups only
 * through @odata.bind), alternate keys that must be Active, optimistic concurrency only where
 * the table enables it, and the service protection limits. Raw HTTP, so every answer is seen
 * as a client would see it.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeDataverseOptions, FakeDataverseServer } from '../src/testing/index.js';

let fake: FakeDataverseServer | undefined;
afterEach(() => fake?.close());

interface Answer {
  status: number;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
  headers: Headers;
}

/** A server and a client with a valid token, sending what the Web API expects. */
async function open(options: FakeDataverseOptions = {}) {
  const server = await FakeDataverseServer.start(options);
  fake = server;
  const tokenResponse = await fetch(`${server.url}/${server.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: server.clientId,
      client_secret: server.clientSecret,
      scope: `${server.url}/.default`,
    }),
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const send = async (
    method: 'GET' | 'PATCH',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const response = await fetch(`${server.url}/api/data/v9.2/${path}`, {
      method,
      headers: {
        Accept: 'application/json',
        'OData-MaxVersion': '4.0',
        'OData-Version': '4.0',
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? JSON.parse(text) : {},
      headers: response.headers,
    };
  };
  const mentor = randomUUID();
  server.createRecord(mentor);
  const update = (body: unknown, headers: Record<string, string> = { 'If-Match': '*' }) =>
    send('PATCH', `contacts(pm_peermentorid='${mentor}')`, body, headers);
  return { server, send, update, mentor };
}

describe('the declared table', () => {
  it('refuses a column the table does not have, a wrong type, a value too long and a Choice value it lacks, changing nothing', async () => {
    const { server, update, mentor } = await open();
    const before = server.record(mentor);

    expect((await update({ pm_nosuchcolumn: 'x' })).body.error).toEqual({
      code: '0x80060888',
      message:
        "Could not find a property named 'pm_nosuchcolumn' on type 'Microsoft.Dynamics.CRM.contact'.",
    });
    const wrongType = await update({ pm_pausestatusversion: '3' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error?.code).toBe('0x80048d19');
    expect(wrongType.body.error?.message).toContain("to the expected type 'Edm.Int32'");
    const tooLong = await update({ pm_pausestatus: 'x'.repeat(21) });
    expect(tooLong.body.error).toMatchObject({ code: '0x80044331' });
    expect(tooLong.body.error?.message).toContain("maximum allowed length of '20'");
    expect((await update({ preferredcontactmethodcode: 'Email' })).status).toBe(400);
    expect((await update({ preferredcontactmethodcode: 9 })).body.error?.code).toBe('0x8004431a');
    expect((await update({ preferredcontactmethodcode: 2 })).status).toBe(204);

    expect(server.record(mentor)).toEqual({ ...before, preferredcontactmethodcode: 2 });
  });

  it('sets a lookup only through @odata.bind to one of its target tables', async () => {
    const { server, update, mentor } = await open();
    const account = randomUUID();
    const direct = await update({ parentcustomerid: account });
    expect(direct.status).toBe(400);
    expect(direct.body.error?.message).toContain("set it with 'parentcustomerid@odata.bind'");
    expect((await update({ 'parentcustomerid@odata.bind': `/leads(${account})` })).status).toBe(
      400,
    );
    expect((await update({ 'pm_pausestatus@odata.bind': `/accounts(${account})` })).status).toBe(
      400,
    );
    expect((await update({ 'parentcustomerid@odata.bind': `/accounts(${account})` })).status).toBe(
      204,
    );
    expect(server.record(mentor)?._parentcustomerid_value).toBe(account);
  });

  it('addresses records only through an alternate key whose index is Active', async () => {
    const { server, send, update, mentor } = await open();
    expect((await send('GET', `contacts(emailaddress1='a@b.c')`)).body.error?.message).toContain(
      "'emailaddress1' is not an alternate key of entity 'contact'",
    );
    server.table.keys[0]!.status = 'InProgress';
    const pending = await update({ pm_pausestatus: 'paused' });
    expect(pending.status).toBe(400);
    expect(pending.body.error?.message).toContain('its index is InProgress, not Active');
    expect(server.record(mentor)?.pm_pausestatus).toBeUndefined();
  });

  it('honours If-Match: <ETag> only on a table with optimistic concurrency enabled', async () => {
    const { server, send, update, mentor } = await open();
    const { body } = await send(
      'GET',
      `contacts(pm_peermentorid='${mentor}')?$select=pm_pausestatus`,
    );
    const etag = String(body['@odata.etag']);
    expect((await update({ pm_pausestatus: 'paused' }, { 'If-Match': 'W/"1"' })).status).toBe(412);
    server.table.optimisticConcurrency = false;
    expect((await update({ pm_pausestatus: 'paused' }, { 'If-Match': etag })).body.error).toEqual({
      code: '0x80060883',
      message: 'The optimistic concurrency is not enabled for entity type contact.',
    });
    // If-Match: * (update only, never create) does not need it.
    expect((await update({ pm_pausestatus: 'paused' })).status).toBe(204);
  });

  it('answers If-Match: * for a record that does not exist with 404, creating nothing', async () => {
    const { server, send } = await open();
    const ghost = randomUUID();
    const answer = await send(
      'PATCH',
      `contacts(pm_peermentorid='${ghost}')`,
      { pm_pausestatus: 'paused' },
      { 'If-Match': '*' },
    );
    expect(answer.status).toBe(404);
    expect(answer.body.error?.code).toBe('0x80040217');
    expect(server.record(ghost)).toBeUndefined();
  });
});

describe('the service protection limits', () => {
  it('refuses requests beyond the window with 429 0x80072322, and extends Retry-After for a client that keeps sending', async () => {
    const { server, send, mentor } = await open({
      limits: { requests: 5, windowMs: 4_000, penaltyMs: 2_000 },
    });
    const path = `contacts(pm_peermentorid='${mentor}')?$select=pm_pausestatus`;
    for (let request = 0; request < 5; request += 1)
      expect((await send('GET', path)).status).toBe(200);

    const refused = await send('GET', path);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toEqual({
      code: '0x80072322',
      message: 'Number of requests exceeded the limit of 5 over time window of 4 seconds.',
    });
    const firstWait = Number(refused.headers.get('retry-after'));
    expect(firstWait).toBeGreaterThanOrEqual(3);
    expect(firstWait).toBeLessThanOrEqual(4);
    const again = await send('GET', path);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThanOrEqual(firstWait + 1);
    expect(server.limitedRequests).toBe(2);
  });

  it('counts combined execution time, and refuses concurrent requests beyond the limit', async () => {
    const { send, mentor } = await open({
      latencyMs: 60,
      limits: { executionMs: 100, concurrent: 3 },
    });
    const path = `contacts(pm_peermentorid='${mentor}')?$select=pm_pausestatus`;
    const burst = await Promise.all(Array.from({ length: 5 }, () => send('GET', path)));
    expect(burst.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 429, 429]);
    expect(burst.find((answer) => answer.status === 429)?.body.error?.code).toBe('0x80072326');

    const overBudget = await send('GET', path);
    expect(overBudget.status).toBe(429);
    expect(overBudget.body.error?.code).toBe('0x80072321');
  });

  it('tells the client its recommended degree of parallelism on every answer', async () => {
    const { send, mentor } = await open({ dopHint: 5 });
    const answer = await send(
      'GET',
      `contacts(pm_peermentorid='${mentor}')?$select=pm_pausestatus`,
    );
    expect(answer.headers.get('x-ms-dop-hint')).toBe('5');
  });
});
