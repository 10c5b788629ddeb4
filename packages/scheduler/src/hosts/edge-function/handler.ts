/**
 * The nightly jobs as a Supabase Edge Function (supabase/functions/nightly/index.ts serves it
 * with Deno.serve). One call runs a bounded number of batches, each its own short
 * transaction, and answers with a cursor; the caller calls again with the cursor until the
 * answer says done. A call therefore stays far inside the Edge Function limits (2 s CPU,
 * 150 s wall on the free plan) however large the roster: the CPU spent here is a few JSON
 * lines per batch, the work happens in the database.
 *
 * Runs under Deno and Node; it imports no package. The entry file brings the connection.
 */
import {
  batchLogFields,
  type InvocationResult,
  type InvocationSettings,
  isNightlyJob,
  type NightlyJob,
  nightlyJobs,
  runInvocation,
  type SqlClient,
  type SystemTransaction,
} from '../../jobs/nightly/invocation.ts';

export interface NightlyFunctionConfig {
  /** Bearer tokens accepted: the project's service-role key and its secret keys. */
  serviceKeys: readonly string[];
  defaults: {
    batchSize: number;
    /** Batches per call. */
    maxBatches: number;
    /** No new batch starts after this much of a call. */
    timeBudgetMs: number;
    outboxRetentionDays: number;
  };
}

/** A database connection for one call; closed when the call ends. */
export interface NightlyConnection extends SqlClient {
  end(): Promise<void>;
}

/**
 * The configuration from the Edge Function's environment: SUPABASE_SERVICE_ROLE_KEY (legacy
 * key) and SUPABASE_SECRET_KEYS (the JSON object of secret keys) are the accepted keys;
 * NIGHTLY_* override the bounds.
 */
export function readNightlyFunctionConfig(
  env: Record<string, string | undefined>,
): NightlyFunctionConfig {
  const keys: string[] = [];
  if (env.SUPABASE_SERVICE_ROLE_KEY) keys.push(env.SUPABASE_SERVICE_ROLE_KEY);
  if (env.SUPABASE_SECRET_KEYS) {
    const parsed: unknown = JSON.parse(env.SUPABASE_SECRET_KEYS);
    if (parsed && typeof parsed === 'object') {
      for (const value of Object.values(parsed))
        if (typeof value === 'string' && value) keys.push(value);
    }
  }
  const bounded = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${name} must be an integer from ${min} to ${max}, not ${raw}`);
    }
    return value;
  };
  return {
    serviceKeys: keys,
    defaults: {
      batchSize: bounded('NIGHTLY_BATCH_SIZE', 500, 1, 2000),
      maxBatches: bounded('NIGHTLY_MAX_BATCHES_PER_CALL', 20, 1, 1000),
      timeBudgetMs: bounded('NIGHTLY_TIME_BUDGET_MS', 5_000, 100, 120_000),
      outboxRetentionDays: bounded('NIGHTLY_OUTBOX_RETENTION_DAYS', 30, 1, 3650),
    },
  };
}

const SYSTEM_CLAIMS = JSON.stringify({ role: 'service_role' });

/** Transactions as the system on one connection (what PostgREST does for the service key). */
export function systemTransactions(client: SqlClient): SystemTransaction {
  return async (work) => {
    await client.query('begin');
    try {
      await client.query(
        "select set_config('role', 'service_role', true), set_config('request.jwt.claims', $1, true)",
        [SYSTEM_CLAIMS],
      );
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    }
  };
}

/** Compares in time that depends on the length only, so a wrong key leaks nothing else. */
function sameSecret(given: string, expected: string): boolean {
  const encoder = new TextEncoder();
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index += 1) difference |= a[index]! ^ b[index]!;
  return difference === 0;
}

function bearerToken(request: Request): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
  return match?.[1] ?? null;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });

/** The request body: a new invocation's settings, or the cursor of one in progress. */
interface NightlyRequest {
  jobs?: unknown;
  date?: unknown;
  batchSize?: unknown;
  rerun?: unknown;
  cursor?: unknown;
}

interface Cursor {
  v: 1;
  invocationId: string;
  jobs: NightlyJob[];
  asOf: string;
  runDate: string | null;
  batchSize: number;
  rerun: boolean;
}

const encodeCursor = (cursor: Cursor) =>
  btoa(JSON.stringify(cursor)).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');

function decodeCursor(text: string): Cursor | null {
  try {
    const value = JSON.parse(atob(text.replaceAll('-', '+').replaceAll('_', '/'))) as Cursor;
    const valid =
      value.v === 1 &&
      typeof value.invocationId === 'string' &&
      /^[0-9a-f-]{36}$/i.test(value.invocationId) &&
      Array.isArray(value.jobs) &&
      value.jobs.length > 0 &&
      value.jobs.every((job) => typeof job === 'string' && isNightlyJob(job)) &&
      !Number.isNaN(Date.parse(value.asOf)) &&
      (value.runDate === null || isIsoDate(value.runDate)) &&
      Number.isInteger(value.batchSize) &&
      typeof value.rerun === 'boolean';
    return valid ? value : null;
  } catch {
    return null;
  }
}

function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

type Parsed = { cursor: Cursor } | { error: string };

function parseRequest(body: NightlyRequest, config: NightlyFunctionConfig): Parsed {
  if (body.cursor !== undefined) {
    const cursor = typeof body.cursor === 'string' ? decodeCursor(body.cursor) : null;
    return cursor ? { cursor } : { error: 'cursor is not one this function issued' };
  }
  const jobs = body.jobs ?? [...nightlyJobs];
  if (
    !Array.isArray(jobs) ||
    jobs.length === 0 ||
    !jobs.every((job) => isNightlyJob(String(job)))
  ) {
    return { error: `jobs must be a non-empty list of ${nightlyJobs.join(', ')}` };
  }
  if (body.date !== undefined && !isIsoDate(body.date)) {
    return { error: 'date must be a calendar date, YYYY-MM-DD' };
  }
  const batchSize = body.batchSize ?? config.defaults.batchSize;
  if (
    typeof batchSize !== 'number' ||
    !Number.isInteger(batchSize) ||
    batchSize < 1 ||
    batchSize > 2000
  ) {
    return { error: 'batchSize must be an integer from 1 to 2000' };
  }
  if (body.rerun !== undefined && typeof body.rerun !== 'boolean') {
    return { error: 'rerun must be true or false' };
  }
  return {
    cursor: {
      v: 1,
      invocationId: crypto.randomUUID(),
      jobs: jobs as NightlyJob[],
      asOf: new Date().toISOString(),
      runDate: (body.date as string | undefined) ?? null,
      batchSize,
      rerun: body.rerun === true,
    },
  };
}

/** What a call answers: done, or the cursor to call again with. */
export interface NightlyResponse {
  done: boolean;
  cursor: string | null;
  batches: number;
  mentorsChanged: number;
  eventsPurged: number;
  errors: number;
  elapsedMs: number;
  runs: InvocationResult['runs'];
}

export function createNightlyHandler(
  config: NightlyFunctionConfig,
  connect: () => Promise<NightlyConnection>,
  log: (line: string) => void = (line) => console.log(line),
): (request: Request) => Promise<Response> {
  return async (request) => {
    const started = performance.now();
    const token = bearerToken(request);
    // No configured key means nobody gets in, never everybody.
    if (!token || !config.serviceKeys.some((key) => sameSecret(token, key))) {
      return json(401, {
        error: 'unauthorized',
        message: 'call with Authorization: Bearer <service key>',
      });
    }
    if (request.method !== 'POST') {
      return json(405, { error: 'method_not_allowed', message: 'POST a JSON body' });
    }
    let body: NightlyRequest;
    try {
      const text = await request.text();
      body = text.trim() ? (JSON.parse(text) as NightlyRequest) : {};
      if (!body || typeof body !== 'object' || Array.isArray(body))
        throw new Error('not an object');
    } catch {
      return json(400, { error: 'invalid_request', message: 'the body must be a JSON object' });
    }
    const parsed = parseRequest(body, config);
    if ('error' in parsed) return json(400, { error: 'invalid_request', message: parsed.error });
    const { cursor } = parsed;

    const settings: InvocationSettings = {
      invocationId: cursor.invocationId,
      jobs: cursor.jobs,
      asOf: new Date(cursor.asOf),
      runDate: cursor.runDate,
      batchSize: cursor.batchSize,
      host: 'edge-function',
      rerun: cursor.rerun,
      outboxRetentionDays: config.defaults.outboxRetentionDays,
    };
    let connection: NightlyConnection | undefined;
    try {
      connection = await connect();
      const result = await runInvocation(systemTransactions(connection), settings, {
        maxBatches: config.defaults.maxBatches,
        timeBudgetMs: config.defaults.timeBudgetMs,
        onBatch: (batch) =>
          log(
            JSON.stringify({
              message: 'nightly batch',
              invocation: settings.invocationId,
              ...batchLogFields(batch),
            }),
          ),
      });
      const response: NightlyResponse = {
        done: result.done,
        cursor: result.done ? null : encodeCursor(cursor),
        batches: result.batches,
        mentorsChanged: result.mentorsChanged,
        eventsPurged: result.eventsPurged,
        errors: result.errors,
        elapsedMs: Math.round(performance.now() - started),
        runs: result.runs,
      };
      return json(200, response);
    } catch (error) {
      // The details go to the function's log, never to the caller.
      log(
        JSON.stringify({
          message: 'nightly call failed',
          invocation: settings.invocationId,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
      return json(500, {
        error: 'internal_error',
        message: 'the nightly jobs failed; see the function log',
      });
    } finally {
      await connection?.end().catch(() => {});
    }
  };
}
