import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type DataverseEntityMapping,
  defaultEntityMapping,
} from '../adapters/dataverse/entity-mapping.js';
import {
  entityDefinition,
  type FakeRefusal,
  type FakeTable,
  preparedTable,
  storedColumns,
  stringAttributes,
  unknownProperty,
  validateRecordBody,
} from './fake-table.js';

/**
 * What the fake can be told to do to Web API requests (the token endpoint is never faulted):
 *   status     answer with this HTTP status and the documented error body (or `body`, as is);
 *   throttle   answer 429 with `Retry-After: <seconds>` (service-protection limit);
 *   slow       wait `delayMs` first, then answer normally (a timeout for a short client timeout);
 *   malformed  do the work, then answer 200 with a body that is not JSON.
 */
export type FakeFault =
  | { type: 'status'; status: number; code?: string; message?: string; body?: string }
  | { type: 'throttle'; retryAfterSeconds: number }
  | { type: 'slow'; delayMs: number }
  | { type: 'malformed' };

/** Which requests a fault applies to, and for how long (default: every request, until cleared). */
export interface FaultScope {
  /** Applies to this many requests, then expires. */
  times?: number;
  /** Applies for this long from now, then expires. */
  forMs?: number;
  /** Only requests for this mentor's record. */
  peerMentorId?: string;
  method?: 'GET' | 'PATCH';
}

export interface FakeDataverseOptions {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Which entity set and alternate key hold mentors, and which column is the status version. */
  mapping?: DataverseEntityMapping;
  /** Added to every Web API request before it is handled (default 0). */
  latencyMs?: number;
  /** Lifetime of issued access tokens (default 3600 s). */
  tokenLifetimeSeconds?: number;
  /** The mentors' table (default: `preparedTable(mapping)`, a correctly prepared environment). */
  table?: FakeTable;
  /**
   * Dataverse's service protection limits, per user (default: the documented ones); `false`
   * switches them off.
   */
  limits?: Partial<ServiceProtectionLimits> | false;
  /** The `x-ms-dop-hint` every Web API answer carries (default 16). */
  dopHint?: number;
}

/**
 * Service protection API limits (learn.microsoft.com/power-apps/developer/data-platform/api-limits):
 * per user, in a sliding window, at most `requests` requests and `executionMs` of combined
 * execution time, and at most `concurrent` requests at once. A client that keeps sending while
 * throttled has its wait extended by `penaltyMs` per request.
 */
export interface ServiceProtectionLimits {
  windowMs: number;
  requests: number;
  executionMs: number;
  concurrent: number;
  penaltyMs: number;
}

export const dataverseLimits: ServiceProtectionLimits = {
  windowMs: 300_000,
  requests: 6_000,
  executionMs: 1_200_000,
  concurrent: 52,
  penaltyMs: 1_000,
};

/** The three documented 429 answers. */
const LIMIT_ERRORS = {
  requests: (limits: ServiceProtectionLimits) => ({
    code: '0x80072322',
    message: `Number of requests exceeded the limit of ${limits.requests} over time window of ${limits.windowMs / 1000} seconds.`,
  }),
  executionTime: (limits: ServiceProtectionLimits) => ({
    code: '0x80072321',
    message: `Combined execution time of incoming requests exceeded limit of ${limits.executionMs} milliseconds over time window of ${limits.windowMs / 1000} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`,
  }),
  concurrent: (limits: ServiceProtectionLimits) => ({
    code: '0x80072326',
    message: `Number of concurrent requests exceeded the limit of ${limits.concurrent}.`,
  }),
};

export interface FakeRequest {
  method: string;
  /** Path and query as received, percent-decoded. */
  path: string;
  peerMentorId?: string;
  /** Milliseconds since the epoch, on the fake's clock. */
  receivedAt: number;
  respondedAt?: number;
  status?: number;
  /** The injected fault this request met, if any. */
  fault?: FakeFault['type'];
  /** The service protection limit that refused it (429), if any. */
  limit?: 'requests' | 'executionTime' | 'concurrent';
  headers: Record<string, string | undefined>;
}

interface StoredRecord {
  fields: Record<string, unknown>;
  rowVersion: number;
}

interface ActiveFault {
  fault: FakeFault;
  scope: FaultScope;
  remaining: number;
  until: number;
}

const JSON_TYPE = 'application/json; odata.metadata=minimal';
const WEB_API = /^\/api\/data\/(v\d+\.\d+)\/(.*)$/;
const RECORD = /^([A-Za-z_][A-Za-z0-9_]*)\(([A-Za-z_][A-Za-z0-9_]*)='((?:[^']|'')*)'\)$/;

/**
 * A local stand-in for a Dataverse environment and its Microsoft Entra ID token endpoint, on
 * 127.0.0.1. It speaks the parts of the Web API the Dynamics client uses, strictly: every
 * request must carry the OData headers and a bearer token it issued; upserts by alternate key
 * honour If-Match / If-None-Match with ETags; errors use the documented body. It records every
 * request, counts the status versions applied per mentor, and can be told to misbehave.
 *
 * msal is pointed at it through `authorityMetadata` (see `env()`): the authority stays an
 * https URL, as msal requires, but its token endpoint is this server.
 */
export class FakeDataverseServer {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly mapping: DataverseEntityMapping;
  /** The mentors' table; change it to play an environment prepared differently. */
  readonly table: FakeTable;
  /** Every Web API request, in arrival order. */
  readonly requests: FakeRequest[] = [];
  readonly #server: Server;
  readonly #records = new Map<string, StoredRecord>();
  readonly #applied = new Map<string, number[]>();
  readonly #tokens = new Map<string, number>();
  #faults: ActiveFault[] = [];
  #latencyMs: number;
  #tokenLifetimeSeconds: number;
  #rowVersion = 1000;
  #inFlight = 0;
  #peakInFlight = 0;
  #tokenRequests = 0;
  #url = '';
  readonly #limits: ServiceProtectionLimits | undefined;
  readonly #dopHint: number;
  /** Requests the limits admitted in the current window: arrival and execution time. */
  #window: Array<{ at: number; executionMs: number }> = [];
  #admittedInFlight = 0;
  #throttledUntil = 0;
  #throttledBy: keyof typeof LIMIT_ERRORS = 'requests';

  private constructor(options: FakeDataverseOptions) {
    this.tenantId = options.tenantId ?? 'fake-tenant';
    this.clientId = options.clientId ?? 'fake-client-id';
    this.clientSecret = options.clientSecret ?? randomBytes(12).toString('hex');
    this.mapping = options.mapping ?? defaultEntityMapping;
    this.#latencyMs = options.latencyMs ?? 0;
    this.#tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
    this.table = options.table ?? preparedTable(this.mapping);
    this.#limits =
      options.limits === false ? undefined : { ...dataverseLimits, ...(options.limits ?? {}) };
    this.#dopHint = options.dopHint ?? 16;
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          this.#send(response, 500, { error: { code: '', message: String(error) } });
        }
      });
    });
    this.#server.keepAliveTimeout = 30_000;
  }

  static async start(options: FakeDataverseOptions = {}): Promise<FakeDataverseServer> {
    const fake = new FakeDataverseServer(options);
    await new Promise<void>((resolve, reject) => {
      fake.#server.once('error', reject);
      fake.#server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = fake.#server.address() as AddressInfo;
    fake.#url = `http://127.0.0.1:${port}`;
    return fake;
  }

  /** The environment URL (what DYNAMICS_BASE_URL would be). */
  get url(): string {
    return this.#url;
  }

  /** The made-up https authority msal is configured with; never contacted. */
  get authorityHost(): string {
    return 'https://login.fake-dataverse.test';
  }

  /** msal's `authorityMetadata` for that authority, whose token endpoint is this server. */
  get authorityMetadata(): string {
    const authority = `${this.authorityHost}/${this.tenantId}`;
    return JSON.stringify({
      token_endpoint: `${this.#url}/${this.tenantId}/oauth2/v2.0/token`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      issuer: `${authority}/v2.0`,
      jwks_uri: `${authority}/discovery/v2.0/keys`,
      token_endpoint_auth_methods_supported: ['client_secret_post'],
      response_types_supported: ['code', 'id_token', 'token'],
      scopes_supported: ['openid'],
      request_uri_parameter_supported: false,
    });
  }

  /** DYNAMICS_* variables that point the client (factory, env parsing, msal) at this fake. */
  env(): Record<string, string> {
    return {
      DYNAMICS_SYNC_ENABLED: 'true',
      DYNAMICS_BASE_URL: this.#url,
      DYNAMICS_TENANT_ID: this.tenantId,
      DYNAMICS_CLIENT_ID: this.clientId,
      DYNAMICS_CLIENT_SECRET: this.clientSecret,
      DYNAMICS_AUTHORITY_HOST: this.authorityHost,
      DYNAMICS_AUTHORITY_METADATA: this.authorityMetadata,
      DYNAMICS_ENTITY_SET: this.mapping.entitySet,
      DYNAMICS_ALTERNATE_KEY: this.mapping.alternateKey,
      DYNAMICS_FIELD_VERSION: this.mapping.fields.version,
      DYNAMICS_FIELD_EVENT_ID: this.mapping.fields.eventId,
    };
  }

  inject(fault: FakeFault, scope: FaultScope = {}): void {
    this.#faults.push({
      fault,
      scope,
      remaining: scope.times ?? Number.POSITIVE_INFINITY,
      until: scope.forMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + scope.forMs,
    });
  }

  clearFaults(): void {
    this.#faults = [];
  }

  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  setTokenLifetime(seconds: number): void {
    this.#tokenLifetimeSeconds = seconds;
  }

  /** Every token issued so far stops working (401), as after a credential rotation. */
  revokeTokens(): void {
    this.#tokens.clear();
  }

  get tokenRequests(): number {
    return this.#tokenRequests;
  }

  /** The most Web API requests that were being handled at the same time. */
  get peakConcurrentRequests(): number {
    return this.#peakInFlight;
  }

  /** The mentor's record as stored (columns only), or undefined. */
  record(peerMentorId: string): Record<string, unknown> | undefined {
    const stored = this.#records.get(peerMentorId);
    return stored ? { ...stored.fields } : undefined;
  }

  /** The status versions written to the mentor's record, in the order they changed it. */
  appliedVersions(peerMentorId: string): number[] {
    return [...(this.#applied.get(peerMentorId) ?? [])];
  }

  /** Mentors whose record exists. */
  get recordCount(): number {
    return this.#records.size;
  }

  /** Web API requests answered 429 by the service protection limits. */
  get limitedRequests(): number {
    return this.requests.filter((request) => request.limit !== undefined).length;
  }

  /**
   * A contact linked to a peer mentor in the CRM (what an operator does before sync may update
   * it): the record exists with its alternate key set, and `fields`.
   */
  createRecord(peerMentorId: string, fields: Record<string, unknown> = {}): void {
    if (this.#records.has(peerMentorId)) throw new Error(`${peerMentorId} already has a record`);
    this.#write(
      peerMentorId,
      { fields: { [this.mapping.alternateKey]: peerMentorId }, rowVersion: 0 },
      fields,
    );
  }

  /** An edit made in the CRM itself (e.g. by a user): new ETag, our columns untouched. */
  editRecord(peerMentorId: string, fields: Record<string, unknown>): void {
    const stored = this.#records.get(peerMentorId);
    if (!stored) throw new Error(`no record for ${peerMentorId}`);
    this.#write(peerMentorId, stored, fields);
  }

  deleteRecord(peerMentorId: string): void {
    this.#records.delete(peerMentorId);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // -------------------------------------------------------------------------------------------

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.#url);
    const body = await readBody(request);
    if (request.method === 'POST' && url.pathname === `/${this.tenantId}/oauth2/v2.0/token`) {
      this.#issueToken(request, body, response);
      return;
    }
    const webApi = WEB_API.exec(decodeURIComponent(url.pathname));
    if (!webApi) {
      this.#send(response, 404, { error: { code: '', message: `no resource at ${url.pathname}` } });
      return;
    }

    const resource = webApi[2] ?? '';
    const record = RECORD.exec(resource);
    const peerMentorId = record?.[3]?.replaceAll("''", "'");
    const entry: FakeRequest = {
      method: request.method ?? '',
      path: decodeURIComponent(`${url.pathname}${url.search}`),
      peerMentorId,
      receivedAt: Date.now(),
      headers: {
        accept: request.headers.accept,
        authorization: request.headers.authorization,
        'content-type': request.headers['content-type'],
        'odata-maxversion': header(request, 'odata-maxversion'),
        'odata-version': header(request, 'odata-version'),
        'if-match': header(request, 'if-match'),
        'if-none-match': header(request, 'if-none-match'),
        prefer: header(request, 'prefer'),
      },
    };
    this.requests.push(entry);
    this.#inFlight += 1;
    this.#peakInFlight = Math.max(this.#peakInFlight, this.#inFlight);
    const admitted = this.#admit(request, entry);
    response.once('close', () => {
      this.#inFlight -= 1;
      entry.respondedAt = Date.now();
      entry.status = response.statusCode;
      if (admitted) {
        this.#admittedInFlight -= 1;
        admitted.executionMs = entry.respondedAt - entry.receivedAt;
      }
    });
    if (entry.limit !== undefined) {
      const refusal = LIMIT_ERRORS[entry.limit](this.#limits!);
      const retryAfterMs =
        entry.limit === 'concurrent' ? 1_000 : Math.max(1_000, this.#throttledUntil - Date.now());
      this.#send(
        response,
        429,
        { error: refusal },
        {
          'Retry-After': String(Math.ceil(retryAfterMs / 1000)),
        },
      );
      return;
    }

    if (this.#latencyMs > 0) await delay(this.#latencyMs);
    const fault = this.#takeFault(entry);
    entry.fault = fault?.type;
    if (fault?.type === 'slow') await delay(fault.delayMs);
    if (fault?.type === 'status' && fault.body !== undefined) {
      response.writeHead(fault.status, { 'Content-Type': 'text/html' });
      response.end(fault.body);
      return;
    }
    if (fault?.type === 'status') {
      this.#send(response, fault.status, {
        error: {
          code: fault.code ?? '',
          message: fault.message ?? `injected HTTP ${fault.status}`,
        },
      });
      return;
    }
    if (fault?.type === 'throttle') {
      this.#send(
        response,
        429,
        {
          error: {
            code: '0x80072322',
            message:
              'Number of requests exceeded the limit of 6000 over time window of 300 seconds.',
          },
        },
        { 'Retry-After': String(fault.retryAfterSeconds) },
      );
      return;
    }

    const refusal = this.#checkRequest(request, url, entry);
    if (refusal) {
      this.#send(response, refusal.status, { error: { code: '', message: refusal.message } });
      return;
    }

    const malformed = fault?.type === 'malformed';
    if (resource === 'WhoAmI' && request.method === 'GET') {
      this.#sendOrMangle(response, malformed, 200, {
        '@odata.context': `${this.#url}/api/data/${webApi[1]}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
        BusinessUnitId: '00000000-0000-0000-0000-0000000000b0',
        UserId: '00000000-0000-0000-0000-0000000000a0',
        OrganizationId: '00000000-0000-0000-0000-0000000000c0',
      });
      return;
    }
    if (request.method === 'GET' && resource.startsWith('EntityDefinitions')) {
      this.#sendMetadata(response, resource, url, webApi[1] ?? '');
      return;
    }
    if (!record || record[1] !== this.table.entitySet) {
      this.#send(response, 404, {
        error: { code: '0x80060888', message: `Resource not found for the segment '${resource}'.` },
      });
      return;
    }
    const keyRefusal = this.#checkKey(record[2] ?? '');
    if (keyRefusal) {
      this.#refuse(response, keyRefusal);
      return;
    }
    const key = peerMentorId ?? '';
    const select = url.searchParams.get('$select')?.split(',').filter(Boolean);
    const unknownColumn = select?.find((column) => !(column in this.table.columns));
    if (unknownColumn !== undefined) {
      this.#refuse(response, unknownProperty(this.table, unknownColumn));
      return;
    }
    if (request.method === 'GET') {
      const stored = this.#records.get(key);
      if (!stored) {
        this.#send(response, 404, {
          error: {
            code: '0x80040217',
            message: `${this.table.logicalName} With Ids = ${key} Does Not Exist`,
          },
        });
        return;
      }
      this.#sendOrMangle(
        response,
        malformed,
        200,
        this.#representation(webApi[1] ?? '', stored, select),
      );
      return;
    }
    if (request.method === 'PATCH') {
      this.#upsert(request, response, body, key, select, webApi[1] ?? '', malformed);
      return;
    }
    this.#send(response, 405, {
      error: { code: '', message: `${request.method} is not supported here` },
    });
  }

  #upsert(
    request: IncomingMessage,
    response: ServerResponse,
    body: string,
    key: string,
    select: string[] | undefined,
    version: string,
    malformed: boolean,
  ): void {
    let fields: unknown;
    try {
      fields = JSON.parse(body);
    } catch {
      this.#send(response, 400, {
        error: { code: '', message: 'The request body is not valid JSON.' },
      });
      return;
    }
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
      this.#send(response, 400, {
        error: { code: '', message: 'The request body must be a JSON object.' },
      });
      return;
    }
    const invalid = validateRecordBody(this.table, fields as Record<string, unknown>);
    if (invalid) {
      this.#refuse(response, invalid);
      return;
    }
    const stored = this.#records.get(key);
    const ifMatch = header(request, 'if-match');
    const ifNoneMatch = header(request, 'if-none-match');
    if (ifMatch !== undefined && ifMatch !== '*' && !this.table.optimisticConcurrency) {
      this.#refuse(response, {
        status: 400,
        code: '0x80060883',
        message: `The optimistic concurrency is not enabled for entity type ${this.table.logicalName}.`,
      });
      return;
    }
    if (ifNoneMatch === '*' && stored) {
      this.#send(response, 412, {
        error: { code: '0x80040237', message: 'A record with matching key values already exists.' },
      });
      return;
    }
    if (ifMatch !== undefined && !stored) {
      this.#send(response, 404, {
        error: {
          code: '0x80040217',
          message: `${this.table.logicalName} With Ids = ${key} Does Not Exist`,
        },
      });
      return;
    }
    if (ifMatch !== undefined && ifMatch !== '*' && stored && ifMatch !== etagOf(stored)) {
      this.#send(response, 412, {
        error: {
          code: '0x80060882',
          message:
            "The version of the existing record doesn't match the RowVersion property provided.",
        },
      });
      return;
    }
    const target = stored ?? { fields: { [this.mapping.alternateKey]: key }, rowVersion: 0 };
    this.#write(key, target, storedColumns(fields as Record<string, unknown>));
    const created = stored === undefined;
    const entityUrl = `${this.#url}/api/data/${version}/${this.mapping.entitySet}(${this.mapping.alternateKey}='${key}')`;
    if (!/return=representation/.test(header(request, 'prefer') ?? '')) {
      response.setHeader('OData-EntityId', entityUrl);
      this.#send(response, 204, undefined, { ETag: etagOf(target) });
      return;
    }
    this.#sendOrMangle(
      response,
      malformed,
      created ? 201 : 200,
      this.#representation(version, target, select),
      {
        ETag: etagOf(target),
        'Preference-Applied': 'return=representation',
      },
    );
  }

  #write(key: string, stored: StoredRecord, fields: Record<string, unknown>): void {
    const versionColumn = this.mapping.fields.version;
    const before = stored.fields[versionColumn];
    Object.assign(stored.fields, fields);
    this.#rowVersion += 1;
    stored.rowVersion = this.#rowVersion;
    this.#records.set(key, stored);
    const after = stored.fields[versionColumn];
    if (typeof after === 'number' && after !== before) {
      this.#applied.set(key, [...(this.#applied.get(key) ?? []), after]);
    }
  }

  #representation(
    version: string,
    stored: StoredRecord,
    select: string[] | undefined,
  ): Record<string, unknown> {
    const columns = select ?? Object.keys(stored.fields);
    return {
      '@odata.context': `${this.#url}/api/data/${version}/$metadata#${this.mapping.entitySet}/$entity`,
      '@odata.etag': etagOf(stored),
      ...Object.fromEntries(columns.map((column) => [column, stored.fields[column] ?? null])),
    };
  }

  /**
   * Applies the service protection limits to a request with a valid token (the limits are per
   * user): refuses it by setting `entry.limit`, or admits it into the window.
   */
  #admit(
    request: IncomingMessage,
    entry: FakeRequest,
  ): { at: number; executionMs: number } | undefined {
    const limits = this.#limits;
    if (!limits || !this.#hasValidToken(request)) return undefined;
    const now = entry.receivedAt;
    this.#window = this.#window.filter((admitted) => admitted.at > now - limits.windowMs);
    if (now < this.#throttledUntil) {
      // Still sending while told to wait: the wait grows.
      this.#throttledUntil += limits.penaltyMs;
      entry.limit = this.#throttledBy;
      return undefined;
    }
    if (this.#admittedInFlight >= limits.concurrent) {
      entry.limit = 'concurrent';
      return undefined;
    }
    const executionMs = this.#window.reduce((sum, admitted) => sum + admitted.executionMs, 0);
    const exceeded =
      this.#window.length >= limits.requests
        ? 'requests'
        : executionMs >= limits.executionMs
          ? 'executionTime'
          : undefined;
    if (exceeded) {
      this.#throttledBy = exceeded;
      this.#throttledUntil = (this.#window[0]?.at ?? now) + limits.windowMs;
      entry.limit = exceeded;
      return undefined;
    }
    const admitted = { at: now, executionMs: 0 };
    this.#window.push(admitted);
    this.#admittedInFlight += 1;
    return admitted;
  }

  #hasValidToken(request: IncomingMessage): boolean {
    const auth = request.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
    const expiresAt = token === undefined ? undefined : this.#tokens.get(token);
    return expiresAt !== undefined && expiresAt > Date.now();
  }

  /** The key in the URL must be an alternate key of the table, and its index Active. */
  #checkKey(attribute: string): FakeRefusal | undefined {
    const key = this.table.keys.find(
      (candidate) => candidate.attributes.length === 1 && candidate.attributes[0] === attribute,
    );
    if (!key) {
      return {
        status: 400,
        code: '0x80060888',
        message: `'${attribute}' is not an alternate key of entity '${this.table.logicalName}'.`,
      };
    }
    if (key.status !== 'Active') {
      return {
        status: 400,
        code: '0x80040203',
        message: `The alternate key '${key.logicalName}' of entity '${this.table.logicalName}' cannot be used: its index is ${key.status}, not Active.`,
      };
    }
    return undefined;
  }

  /**
   * The two metadata queries the adapter's health check sends: the table by entity set name,
   * with its attributes and keys, and the MaxLength of its text columns.
   */
  #sendMetadata(response: ServerResponse, resource: string, url: URL, version: string): void {
    const context = `${this.#url}/api/data/${version}/$metadata`;
    if (resource === 'EntityDefinitions') {
      const filter = /^EntitySetName eq '([A-Za-z0-9_]+)'$/.exec(
        url.searchParams.get('$filter') ?? '',
      );
      if (!filter) {
        this.#send(response, 400, {
          error: { code: '0x80060888', message: 'Expected $filter=EntitySetName eq <name>' },
        });
        return;
      }
      const matches = filter[1] === this.table.entitySet ? [entityDefinition(this.table)] : [];
      this.#send(response, 200, {
        '@odata.context': `${context}#EntityDefinitions`,
        value: matches,
      });
      return;
    }
    const attributes =
      /^EntityDefinitions\(LogicalName='([A-Za-z0-9_]+)'\)\/Attributes\/Microsoft\.Dynamics\.CRM\.StringAttributeMetadata$/.exec(
        resource,
      );
    if (attributes && attributes[1] === this.table.logicalName) {
      this.#send(response, 200, {
        '@odata.context': `${context}#EntityDefinitions('${this.table.logicalName}')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata`,
        value: stringAttributes(this.table),
      });
      return;
    }
    this.#send(response, 404, {
      error: { code: '0x80060888', message: `Resource not found for the segment '${resource}'.` },
    });
  }

  #refuse(response: ServerResponse, refusal: FakeRefusal): void {
    this.#send(response, refusal.status, {
      error: { code: refusal.code, message: refusal.message },
    });
  }

  #checkRequest(
    request: IncomingMessage,
    url: URL,
    entry: FakeRequest,
  ): { status: number; message: string } | undefined {
    if (!this.#hasValidToken(request)) {
      return { status: 401, message: 'Bearer token is missing, unknown or expired.' };
    }
    if (!(request.headers.accept ?? '').includes('application/json')) {
      return { status: 400, message: 'Accept: application/json is required.' };
    }
    if (entry.headers['odata-maxversion'] !== '4.0' || entry.headers['odata-version'] !== '4.0') {
      return { status: 400, message: 'OData-MaxVersion: 4.0 and OData-Version: 4.0 are required.' };
    }
    if (
      request.method === 'PATCH' &&
      !(request.headers['content-type'] ?? '').startsWith('application/json')
    ) {
      return {
        status: 400,
        message: 'Content-Type: application/json is required with a JSON body.',
      };
    }
    if (url.searchParams.has('$select')) {
      const columns = url.searchParams.get('$select')?.split(',') ?? [];
      if (columns.some((column) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(column))) {
        return { status: 400, message: `Invalid $select: ${url.searchParams.get('$select')}` };
      }
    }
    return undefined;
  }

  #issueToken(request: IncomingMessage, body: string, response: ServerResponse): void {
    this.#tokenRequests += 1;
    const form = new URLSearchParams(body);
    const contentType = request.headers['content-type'] ?? '';
    if (!contentType.startsWith('application/x-www-form-urlencoded')) {
      this.#send(response, 400, {
        error: 'invalid_request',
        error_description: 'form body expected',
      });
      return;
    }
    if (form.get('grant_type') !== 'client_credentials') {
      this.#send(response, 400, {
        error: 'unsupported_grant_type',
        error_description: 'client_credentials only',
      });
      return;
    }
    if (
      form.get('client_id') !== this.clientId ||
      form.get('client_secret') !== this.clientSecret
    ) {
      this.#send(response, 401, {
        error: 'invalid_client',
        error_description: 'unknown client or wrong secret',
      });
      return;
    }
    const scopes = (form.get('scope') ?? '').split(' ');
    if (!scopes.includes(`${this.#url}/.default`)) {
      this.#send(response, 400, {
        error: 'invalid_scope',
        error_description: `scope must be ${this.#url}/.default, got ${form.get('scope')}`,
      });
      return;
    }
    const token = randomUUID();
    this.#tokens.set(token, Date.now() + this.#tokenLifetimeSeconds * 1000);
    this.#send(response, 200, {
      token_type: 'Bearer',
      expires_in: this.#tokenLifetimeSeconds,
      ext_expires_in: this.#tokenLifetimeSeconds,
      access_token: token,
    });
  }

  #takeFault(entry: FakeRequest): FakeFault | undefined {
    const now = Date.now();
    this.#faults = this.#faults.filter((active) => active.remaining > 0 && active.until > now);
    const active = this.#faults.find(
      (candidate) =>
        (candidate.scope.peerMentorId === undefined ||
          candidate.scope.peerMentorId === entry.peerMentorId) &&
        (candidate.scope.method === undefined || candidate.scope.method === entry.method),
    );
    if (!active) return undefined;
    active.remaining -= 1;
    return active.fault;
  }

  #sendOrMangle(
    response: ServerResponse,
    malformed: boolean,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    if (!malformed) {
      this.#send(response, status, body, headers);
      return;
    }
    response.writeHead(200, { 'Content-Type': JSON_TYPE, 'OData-Version': '4.0' });
    response.end('<html><body>Service Unavailable</body>');
  }

  #send(
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    if (response.headersSent || response.destroyed) return;
    const payload = body === undefined ? '' : JSON.stringify(body);
    response.writeHead(status, {
      'OData-Version': '4.0',
      'x-ms-dop-hint': String(this.#dopHint),
      ...(payload === '' ? {} : { 'Content-Type': JSON_TYPE }),
      ...headers,
    });
    response.end(payload);
  }
}

function etagOf(stored: StoredRecord): string {
  return `W/"${stored.rowVersion}"`;
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
