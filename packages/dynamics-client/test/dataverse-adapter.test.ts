/**
 * The Dataverse Web API adapter over real HTTP against the fake Dataverse server: the wire
 * format (headers, URLs, conditional upserts, errors), the token, throttling, retries,
 * timeouts, the circuit breaker and the concurrency cap. Assertions about timing read the
 * fake's request log (its own clock), never a wall-clock target of the test.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  CircuitOpenError,
  ConfigurationError,
  createDynamicsPortalClient,
  type DataverseWebApiClient,
  DynamicsClientError,
  defaultEntityMapping,
  isBackPressure,
  needsOperator,
  type PushOutcome,
  readDynamicsConfig,
  silentLogger,
  ThrottledError,
} from '../src/index.js';
import { FakeDataverseServer, type FakeRequest } from '../src/testing/index.js';
import { statusChange } from './support/changes.js';

let fake: FakeDataverseServer;
beforeEach(async () => {
  fake = await FakeDataverseServer.start();
});
afterEach(() => fake.close());

/** A mentor whose contact the CRM has (linked by an operator): sync may update it. */
function linked(): string {
  const mentor = randomUUID();
  fake.createRecord(mentor);
  return mentor;
}

/** The adapter as production builds it, from DYNAMICS_* variables (msal included). */
function adapter(overrides: Record<string, string> = {}): DataverseWebApiClient {
  const config = readDynamicsConfig({ ...fake.env(), ...overrides });
  return createDynamicsPortalClient(config, { logger: silentLogger }) as DataverseWebApiClient;
}

const recordPathOf = (mentor: string) =>
  `/api/data/v9.2/contacts(pm_peermentorid='${mentor}')?$select=pm_pausestatusversion`;
const etagOf = (outcome: PushOutcome) =>
  outcome.outcome === 'delivered' ? outcome.etag : undefined;
const summary = (requests: FakeRequest[]) =>
  requests.map((request) => `${request.method} ${request.status}`);

async function rejection(promise: Promise<unknown>): Promise<DynamicsClientError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DynamicsClientError);
  return error as DynamicsClientError;
}

describe('the wire format', () => {
  it('sends the OData headers and a bearer token, updating with If-Match: * without an ETag and If-Match: <ETag> with one, never creating', async () => {
    const client = adapter();
    const mentor = linked();
    const first = await client.pushStatusChange(statusChange(mentor, 1));
    expect(first).toEqual({ outcome: 'delivered', etag: expect.stringMatching(/^W\/"\d+"$/) });
    await client.pushStatusChange(statusChange(mentor, 2), { etag: etagOf(first) });

    const [update, conditional] = fake.requests;
    expect(update).toMatchObject({
      method: 'PATCH',
      path: recordPathOf(mentor),
      status: 200,
      headers: {
        accept: 'application/json',
        'odata-maxversion': '4.0',
        'odata-version': '4.0',
        'content-type': 'application/json',
        prefer: 'return=representation',
        'if-match': '*',
        'if-none-match': undefined,
      },
    });
    expect(update?.headers.authorization).toMatch(/^Bearer \S+$/);
    expect(conditional).toMatchObject({
      method: 'PATCH',
      path: recordPathOf(mentor),
      status: 200,
      headers: { 'if-match': etagOf(first), 'if-none-match': undefined },
    });
    expect(fake.requests).toHaveLength(2);
    expect(fake.tokenRequests).toBe(1);
    expect(fake.appliedVersions(mentor)).toEqual([1, 2]);
  });

  it('writes the configured entity set, alternate key and columns', async () => {
    await fake.close();
    const mapping = {
      entitySet: 'hlf_peermentors',
      alternateKey: 'hlf_appmentorid',
      fields: {
        ...defaultEntityMapping.fields,
        status: 'hlf_status',
        version: 'hlf_statusversion',
      },
    };
    fake = await FakeDataverseServer.start({ mapping });
    const client = adapter({ DYNAMICS_FIELD_STATUS: 'hlf_status' });
    const mentor = linked();
    const change = statusChange(mentor, 1);
    await client.pushStatusChange(change);

    expect(fake.requests[0]?.path).toBe(
      `/api/data/v9.2/hlf_peermentors(hlf_appmentorid='${mentor}')?$select=hlf_statusversion`,
    );
    expect(fake.record(mentor)).toEqual({
      hlf_appmentorid: mentor,
      pm_organizationid: change.organizationId,
      hlf_status: 'paused',
      pm_pausereason: 'health',
      pm_pausedon: change.pausedAt,
      pm_pauseexpectedend: '2026-12-24',
      pm_pausechangedbyrole: 'peer_mentor',
      hlf_statusversion: 1,
      pm_pauselasteventid: change.eventId,
      pm_pausestatuschangedon: change.occurredAt,
    });
  });

  it('after an edit in the CRM (412 on If-Match), reads the record and writes again with its new ETag, keeping the edit', async () => {
    const client = adapter();
    const mentor = linked();
    const first = await client.pushStatusChange(statusChange(mentor, 1));
    fake.editRecord(mentor, { description: 'edited by a coordinator in Dynamics' });
    await expect(
      client.pushStatusChange(statusChange(mentor, 2), { etag: etagOf(first) }),
    ).resolves.toMatchObject({ outcome: 'delivered' });

    expect(summary(fake.requests)).toEqual(['PATCH 200', 'PATCH 412', 'GET 200', 'PATCH 200']);
    expect(fake.requests[3]?.headers['if-match']).not.toBe(fake.requests[1]?.headers['if-match']);
    expect(fake.record(mentor)).toMatchObject({
      description: 'edited by a coordinator in Dynamics',
      pm_pausestatusversion: 2,
    });
    expect(fake.appliedVersions(mentor)).toEqual([1, 2]);
  });

  it('never creates a contact: a mentor with no record, or one deleted in the CRM, is a permanent "not linked or deleted"', async () => {
    const client = adapter();
    const unlinked = randomUUID();
    const missing = await rejection(client.pushStatusChange(statusChange(unlinked, 1)));
    expect(missing).toMatchObject({ kind: 'permanent', status: 404, code: '0x80040217' });
    expect(missing.message).toContain('not linked or deleted');
    expect(missing.message).toContain('DYNAMICS_CREATE_MISSING_RECORDS');

    // Deleted on purpose (an erasure request): the next status change must not bring it back.
    const erased = linked();
    const first = await client.pushStatusChange(statusChange(erased, 1));
    fake.deleteRecord(erased);
    await rejection(client.pushStatusChange(statusChange(erased, 2), { etag: etagOf(first) }));

    expect(summary(fake.requests)).toEqual(['PATCH 404', 'PATCH 200', 'PATCH 404']);
    expect(fake.record(unlinked)).toBeUndefined();
    expect(fake.record(erased)).toBeUndefined();
    expect(fake.recordCount).toBe(0);
  });

  it('creates a missing record (If-None-Match: *) only with DYNAMICS_CREATE_MISSING_RECORDS=true', async () => {
    const client = adapter({ DYNAMICS_CREATE_MISSING_RECORDS: 'true' });
    const mentor = randomUUID();
    await expect(client.pushStatusChange(statusChange(mentor, 1))).resolves.toMatchObject({
      outcome: 'delivered',
    });
    expect(summary(fake.requests)).toEqual(['PATCH 404', 'PATCH 201']);
    expect(fake.requests[1]?.headers).toMatchObject({
      'if-none-match': '*',
      'if-match': undefined,
    });
    expect(fake.record(mentor)?.pm_pausestatusversion).toBe(1);
  });

  it('sends a repeat every time: a requeued event reaches the CRM even though this client delivered it before', async () => {
    const client = adapter();
    const mentor = linked();
    const change = statusChange(mentor, 1);
    await client.pushStatusChange(change);
    await expect(client.pushStatusChange(change)).resolves.toMatchObject({ outcome: 'delivered' });
    fake.deleteRecord(mentor);
    const error = await rejection(client.pushStatusChange(change));
    expect(error.message).toContain('not linked or deleted');
    expect(summary(fake.requests)).toEqual(['PATCH 200', 'PATCH 200', 'PATCH 404']);
    expect(fake.appliedVersions(mentor)).toEqual([1]);
  });

  it('treats a version that reads back as anything but a number as a configuration error, not "no version"', async () => {
    const client = adapter({ DYNAMICS_REFUSAL_PAUSE_MS: '60000' });
    const mentor = randomUUID();
    // What a text column mapped as the version would hold (written by the CRM, not by us).
    fake.createRecord(mentor, { pm_pausestatusversion: '5', pm_pauselasteventid: 'newer' });
    fake.inject(
      { type: 'status', status: 412, code: '0x80060882', message: 'changed meanwhile' },
      { peerMentorId: mentor, method: 'PATCH', times: 1 },
    );

    const error = await rejection(client.pushStatusChange(statusChange(mentor, 3)));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(isBackPressure(error)).toBe(true);
    expect(needsOperator(error)).toBe(true);
    expect(error.retryAfterMs).toBe(60_000);
    expect(error.message).toContain('reads back as "5", not a number');
    expect(summary(fake.requests)).toEqual(['PATCH 412', 'GET 200']);
    expect(fake.record(mentor)).toMatchObject({ pm_pausestatusversion: '5' });
  });
});

describe('the access token', () => {
  it('is fetched once and reused, and fetched again when the portal rejects it (401)', async () => {
    const client = adapter();
    for (const version of [1, 2, 3]) await client.pushStatusChange(statusChange(linked(), version));
    expect(fake.tokenRequests).toBe(1);

    fake.revokeTokens();
    await expect(client.pushStatusChange(statusChange(linked(), 1))).resolves.toMatchObject({
      outcome: 'delivered',
    });
    expect(fake.tokenRequests).toBe(2);
    expect(summary(fake.requests).slice(-2)).toEqual(['PATCH 401', 'PATCH 200']);
  });

  it("refused even with a fresh token (401), or forbidden (403): AccessDeniedError, back-pressure for everyone, never the event's fault", async () => {
    const client = adapter({ DYNAMICS_REFUSAL_PAUSE_MS: '45000' });
    fake.inject({ type: 'status', status: 401, message: 'token rejected' });
    const unauthorized = await rejection(client.pushStatusChange(statusChange(linked(), 1)));
    expect(unauthorized).toBeInstanceOf(AccessDeniedError);
    expect(unauthorized).toMatchObject({ status: 401, retryAfterMs: 45_000 });
    expect(isBackPressure(unauthorized)).toBe(true);
    expect(needsOperator(unauthorized)).toBe(true);
    expect(fake.tokenRequests).toBe(2);

    fake.clearFaults();
    fake.inject(
      { type: 'status', status: 403, code: '0x80040220', message: 'missing prvWritecontact' },
      { times: 1 },
    );
    const forbidden = await rejection(client.pushStatusChange(statusChange(linked(), 1)));
    expect(forbidden).toBeInstanceOf(AccessDeniedError);
    expect(forbidden).toMatchObject({ status: 403, code: '0x80040220' });
    expect(forbidden.message).toContain('missing prvWritecontact');
    expect(forbidden.message).toContain("application user's security role");
  });

  it('is fetched once for a burst of concurrent first requests', async () => {
    const client = adapter();
    await Promise.all(
      Array.from({ length: 8 }, () => client.pushStatusChange(statusChange(linked(), 1))),
    );
    expect(fake.tokenRequests).toBe(1);
    expect(fake.requests).toHaveLength(8);
  });

  it("is refreshed before it expires: one within msal's five-minute renewal window is not reused", async () => {
    fake.setTokenLifetime(299);
    const client = adapter();
    for (const version of [1, 2, 3]) await client.pushStatusChange(statusChange(linked(), version));
    expect(fake.tokenRequests).toBe(3);
    expect(summary(fake.requests)).toEqual(['PATCH 200', 'PATCH 200', 'PATCH 200']);
  });

  it('wrong client credentials fail the push as transient, before any Web API request', async () => {
    const client = adapter({ DYNAMICS_CLIENT_SECRET: 'not-the-secret' });
    const error = await rejection(client.pushStatusChange(statusChange(linked(), 1)));
    expect(error).toMatchObject({
      kind: 'transient',
      adapter: 'dataverse',
      call: 'pushStatusChange',
    });
    expect(error.message).toContain('could not get an access token');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('throttling (429 with Retry-After)', () => {
  it('holds back every request of the client until Retry-After has passed', async () => {
    const client = adapter();
    fake.inject({ type: 'throttle', retryAfterSeconds: 1 }, { forMs: 1_000 });
    const mentors = Array.from({ length: 6 }, () => linked());
    const outcomes = await Promise.all(
      mentors.map((mentor) => client.pushStatusChange(statusChange(mentor, 1))),
    );

    expect(outcomes).toMatchObject(mentors.map(() => ({ outcome: 'delivered' })));
    const throttled = fake.requests.filter((request) => request.status === 429);
    const accepted = fake.requests.filter((request) => request.status !== 429);
    // Only requests already on their way when the first 429 came were throttled; nothing was
    // sent again before the Retry-After of that first answer had passed.
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled.length).toBeLessThanOrEqual(mentors.length);
    expect(accepted).toHaveLength(mentors.length);
    const firstThrottledAt = Math.min(...throttled.map((request) => request.receivedAt));
    for (const request of accepted) {
      expect(request.receivedAt - firstThrottledAt).toBeGreaterThanOrEqual(1_000);
    }
  });

  it('hands a wait longer than it may take itself to the caller as ThrottledError, and sends nothing meanwhile', async () => {
    const client = adapter({ DYNAMICS_MAX_THROTTLE_WAIT_MS: '5000' });
    fake.inject({ type: 'throttle', retryAfterSeconds: 120 }, { times: 1 });
    const error = await rejection(client.pushStatusChange(statusChange(linked(), 1)));
    expect(error).toBeInstanceOf(ThrottledError);
    expect(isBackPressure(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'transient', status: 429 });
    expect(error.retryAfterMs).toBeGreaterThan(115_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(120_000);

    const next = await rejection(client.pushStatusChange(statusChange(linked(), 1)));
    expect(next).toBeInstanceOf(ThrottledError);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('failures', () => {
  it('retries a 503 after jittered, growing delays, then delivers', async () => {
    const client = adapter({ DYNAMICS_RETRY_BASE_MS: '60', DYNAMICS_MAX_RETRIES: '2' });
    fake.inject({ type: 'status', status: 503 }, { times: 2 });
    const mentor = linked();
    await expect(client.pushStatusChange(statusChange(mentor, 1))).resolves.toMatchObject({
      outcome: 'delivered',
    });

    expect(summary(fake.requests)).toEqual(['PATCH 503', 'PATCH 503', 'PATCH 200']);
    const [first, second, third] = fake.requests.map((request) => request.receivedAt);
    // Equal jitter: at least half of each step (60 ms, then 120 ms).
    expect(second! - first!).toBeGreaterThanOrEqual(30);
    expect(third! - second!).toBeGreaterThanOrEqual(60);
    expect(fake.appliedVersions(mentor)).toEqual([1]);
  });

  it('gives up after its retries with a transient error naming the adapter, the call, the status and the portal error', async () => {
    const client = adapter({ DYNAMICS_RETRY_BASE_MS: '1', DYNAMICS_MAX_RETRIES: '1' });
    fake.inject({
      type: 'status',
      status: 503,
      code: '0x80040216',
      message: 'The service is down for maintenance',
    });
    const error = await rejection(client.pushStatusChange(statusChange(linked(), 1)));
    expect(error).toMatchObject({
      kind: 'transient',
      adapter: 'dataverse',
      call: 'pushStatusChange',
      status: 503,
      code: '0x80040216',
    });
    expect(error.message).toContain('dataverse.pushStatusChange failed (transient)');
    expect(error.message).toContain('The service is down for maintenance');
    expect(fake.requests).toHaveLength(2);
  });

  it('reads a 502 with an HTML body as transient and quotes the unreadable body', async () => {
    const client = adapter({ DYNAMICS_MAX_RETRIES: '0' });
    fake.inject({ type: 'status', status: 502, body: '<html><h1>Bad Gateway</h1></html>' });
    const error = await rejection(client.pushStatusChange(statusChange(linked(), 1)));
    expect(error).toMatchObject({ kind: 'transient', status: 502, code: undefined });
    expect(error.message).toContain('unreadable error body: "<html><h1>Bad Gateway</h1></html>"');
  });

  it('abandons a request that outlasts the timeout and retries it', async () => {
    const client = adapter({
      DYNAMICS_REQUEST_TIMEOUT_MS: '150',
      DYNAMICS_MAX_RETRIES: '1',
      DYNAMICS_RETRY_BASE_MS: '1',
    });
    fake.inject({ type: 'slow', delayMs: 600 }, { times: 1 });
    const mentor = linked();
    await expect(client.pushStatusChange(statusChange(mentor, 1))).resolves.toMatchObject({
      outcome: 'delivered',
    });
    expect(fake.requests).toHaveLength(2);

    fake.inject({ type: 'slow', delayMs: 600 });
    const error = await rejection(client.pushStatusChange(statusChange(mentor, 2)));
    expect(error).toMatchObject({ kind: 'transient', call: 'pushStatusChange', status: undefined });
    expect(error.message).toContain('no response within 150 ms');
  });

  it('treats a 400 as permanent: not retried, the portal error kept, other mentors unaffected', async () => {
    const client = adapter();
    const rejected = linked();
    fake.inject(
      {
        type: 'status',
        status: 400,
        code: '0x80040203',
        message: 'Invalid value for pm_pausereason',
      },
      { peerMentorId: rejected },
    );
    const error = await rejection(client.pushStatusChange(statusChange(rejected, 1)));
    expect(error).toMatchObject({ kind: 'permanent', status: 400, code: '0x80040203' });
    expect(error.message).toContain('Invalid value for pm_pausereason');
    expect(fake.requests.filter((request) => request.peerMentorId === rejected)).toHaveLength(1);

    const other = linked();
    await expect(client.pushStatusChange(statusChange(other, 1))).resolves.toMatchObject({
      outcome: 'delivered',
    });
  });

  it('reports a write whose answer is malformed as transient; sending it again applies nothing twice', async () => {
    const client = adapter({ DYNAMICS_MAX_RETRIES: '0' });
    const mentor = linked();
    const change = statusChange(mentor, 1);
    fake.inject({ type: 'malformed' }, { times: 1 });
    const error = await rejection(client.pushStatusChange(change));
    expect(error).toMatchObject({ kind: 'transient', status: 200 });
    expect(error.message).toContain('without a readable record');

    await expect(client.pushStatusChange(change)).resolves.toMatchObject({ outcome: 'delivered' });
    expect(summary(fake.requests)).toEqual(['PATCH 200', 'PATCH 200']);
    expect(fake.appliedVersions(mentor)).toEqual([1]);
  });

  it('gives up for now, as transient, when the record changes under each of three conditional writes', async () => {
    const client = adapter();
    const mentor = linked();
    await client.pushStatusChange(statusChange(mentor, 1));
    fake.inject(
      { type: 'status', status: 412, message: 'changed meanwhile' },
      { peerMentorId: mentor, method: 'PATCH' },
    );
    const error = await rejection(client.pushStatusChange(statusChange(mentor, 2)));
    expect(error).toMatchObject({ kind: 'transient', status: 412 });
    expect(summary(fake.requests)).toEqual([
      'PATCH 200',
      ...Array.from({ length: 3 }, () => ['PATCH 412', 'GET 200']).flat(),
    ]);
    expect(fake.appliedVersions(mentor)).toEqual([1]);
  });

  it('stops waiting when the caller aborts', async () => {
    const client = adapter();
    fake.inject({ type: 'slow', delayMs: 2_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await rejection(
      client.pushStatusChange(statusChange(linked(), 1), { signal: controller.signal }),
    );
    expect(error).toMatchObject({ kind: 'transient' });
    expect(error.message).toContain('aborted by the caller');
  });
});

describe('the circuit breaker', () => {
  it('opens after consecutive failures, refuses calls without sending them, and closes after a successful trial', async () => {
    const client = adapter({
      DYNAMICS_MAX_RETRIES: '0',
      DYNAMICS_CIRCUIT_FAILURE_THRESHOLD: '2',
      DYNAMICS_CIRCUIT_COOLDOWN_MS: '300',
    });
    fake.inject({ type: 'status', status: 503 });
    await rejection(client.pushStatusChange(statusChange(linked(), 1)));
    await rejection(client.pushStatusChange(statusChange(linked(), 1)));

    const refused = await rejection(client.pushStatusChange(statusChange(linked(), 1)));
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(300);
    expect(fake.requests).toHaveLength(2);
    await expect(client.checkHealth()).resolves.toMatchObject({
      status: 'unavailable',
      circuit: 'open',
    });

    fake.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs! + 20));
    await expect(client.pushStatusChange(statusChange(linked(), 1))).resolves.toMatchObject({
      outcome: 'delivered',
    });
    await expect(client.checkHealth()).resolves.toEqual({
      adapter: 'dataverse',
      status: 'ok',
      circuit: 'closed',
    });
  });

  it('opens again at once when the trial fails', async () => {
    const client = adapter({
      DYNAMICS_MAX_RETRIES: '0',
      DYNAMICS_CIRCUIT_FAILURE_THRESHOLD: '1',
      DYNAMICS_CIRCUIT_COOLDOWN_MS: '150',
    });
    fake.inject({ type: 'status', status: 500 });
    await rejection(client.pushStatusChange(statusChange(linked(), 1)));
    await new Promise((resolve) => setTimeout(resolve, 170));
    const trial = await rejection(client.pushStatusChange(statusChange(linked(), 1)));
    expect(trial).not.toBeInstanceOf(CircuitOpenError);
    expect(trial.status).toBe(500);
    await expect(client.pushStatusChange(statusChange(linked(), 1))).rejects.toBeInstanceOf(
      CircuitOpenError,
    );
    expect(fake.requests).toHaveLength(2);
  });
});

describe('the concurrency cap', () => {
  it('never has more requests in flight than DYNAMICS_MAX_CONCURRENCY, and uses all of it', async () => {
    fake.setLatency(50);
    const client = adapter({ DYNAMICS_MAX_CONCURRENCY: '3' });
    const mentors = Array.from({ length: 12 }, () => linked());
    await Promise.all(mentors.map((mentor) => client.pushStatusChange(statusChange(mentor, 1))));

    expect(fake.peakConcurrentRequests).toBe(3);
    expect(client.concurrency).toEqual({ limit: 3, effective: 3, peak: 3 });
    expect(mentors.map((mentor) => fake.appliedVersions(mentor))).toEqual(mentors.map(() => [1]));
  });

  it('honours x-ms-dop-hint when the environment recommends fewer', async () => {
    await fake.close();
    fake = await FakeDataverseServer.start({ dopHint: 2, latencyMs: 40 });
    const client = adapter({ DYNAMICS_MAX_CONCURRENCY: '6' });
    await client.pushStatusChange(statusChange(linked(), 1));
    const mentors = Array.from({ length: 10 }, () => linked());
    await Promise.all(mentors.map((mentor) => client.pushStatusChange(statusChange(mentor, 1))));
    expect(client.concurrency).toMatchObject({ limit: 6, effective: 2 });
    expect(fake.peakConcurrentRequests).toBe(2);
  });

  it('defaults to 8, well under the 52 concurrent requests Dataverse allows per user', () => {
    expect(adapter().concurrency.limit).toBe(8);
  });
});

describe('the health check', () => {
  it('calls WhoAmI, reads the table definition and reports ok when the environment fits the mapping', async () => {
    await expect(adapter().checkHealth()).resolves.toEqual({
      adapter: 'dataverse',
      status: 'ok',
      circuit: 'closed',
    });
    expect(fake.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /api/data/v9.2/WhoAmI',
      "GET /api/data/v9.2/EntityDefinitions?$filter=EntitySetName eq 'contacts'&$select=LogicalName,EntitySetName,IsOptimisticConcurrencyEnabled&$expand=Attributes($select=LogicalName,AttributeType),Keys($select=LogicalName,KeyAttributes,EntityKeyIndexStatus)",
      "GET /api/data/v9.2/EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,MaxLength",
    ]);
  });

  it('names every mismatch between the environment and the mapping in one report', async () => {
    const { columns } = fake.table;
    delete columns.pm_pausereason;
    columns.pm_pausestatusversion = { type: 'String', maxLength: 10 };
    columns.pm_pauselasteventid = { type: 'String', maxLength: 20 };
    columns.pm_pausestatus = { type: 'Picklist', options: [1, 2] };
    fake.table.keys[0]!.status = 'Pending';
    fake.table.optimisticConcurrency = false;

    const report = await adapter().checkHealth();
    expect(report.status).toBe('misconfigured');
    expect(report.problems).toEqual([
      'column contact.pm_pausestatus (status) is Picklist, expected text (String)',
      'column contact.pm_pausereason (reason) does not exist',
      'column contact.pm_pausestatusversion (version) is String, expected a whole number (Integer or BigInt)',
      'column contact.pm_pauselasteventid (event id) holds at most 20 characters, needs 36',
      'alternate key pm_peermentorid_key is Pending, not Active (its index is not usable yet)',
      'table contact does not have optimistic concurrency enabled (If-Match: <ETag>)',
    ]);
    expect(report.detail).toMatch(
      /^the Dataverse environment does not match the DYNAMICS_\* mapping: /,
    );
  });

  it('reports a missing table or alternate key', async () => {
    fake.table.keys = [];
    expect((await adapter().checkHealth()).problems).toEqual([
      'no alternate key of contact consists of pm_peermentorid alone',
    ]);
    expect((await adapter({ DYNAMICS_ENTITY_SET: 'pm_mentors' }).checkHealth()).problems).toEqual([
      "no table has the entity set name 'pm_mentors'",
    ]);
  });

  it('reports unavailable instead of throwing when the portal fails', async () => {
    fake.inject({ type: 'status', status: 503, message: 'down' });
    const report = await adapter({ DYNAMICS_MAX_RETRIES: '0' }).checkHealth();
    expect(report).toMatchObject({
      adapter: 'dataverse',
      status: 'unavailable',
      circuit: 'closed',
    });
    expect(report.detail).toContain('HTTP 503');
  });
});
