import { createHash } from 'node:crypto';
import { callerTransactionBegin, sqlLiteral, withCaller } from '@peer-mentor/db';
import pg from 'pg';
import type { Caller } from '../../auth/claims.js';
import { postgrestError } from '../../errors.js';
import type { ReadShape } from './read-request.js';
import type { ReadStatement } from './read-sql.js';

/** A statement run as the caller: the page's JSON and how many rows there were. */
export interface ReadResult {
  /** The JSON text PostgreSQL built (null for HEAD). */
  body: string | null;
  rows: number;
  /** Rows the filters let through, when a count was asked for. */
  total: number | undefined;
}

/** Borrows a connection, answering PostgREST's 504/503 when none can be had. */
export async function acquire(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    // pg-pool's wording for "every connection is busy and the wait ran out".
    if (
      error instanceof Error &&
      error.message.includes('timeout exceeded when trying to connect')
    ) {
      throw postgrestError(504, 'PGRST003', 'Timed out acquiring connection from connection pool.');
    }
    throw postgrestError(503, 'PGRST000', 'Database connection error. Retrying the connection.');
  }
}

export interface TransactionOptions {
  caller: Caller;
  readOnly: boolean;
  statementTimeoutMs: number;
  /** `Prefer: timezone=…`: set transaction-locally before the statement. */
  timeZone?: string | undefined;
}

/**
 * Runs `work` in one transaction as the caller (withCaller: SET LOCAL ROLE and
 * request.jwt.claims, statement_timeout, READ ONLY for reads). A connection that failed below
 * SQL (reset, terminated) does not go back to the pool.
 */
export async function inCallerTransaction<T>(
  pool: pg.Pool,
  options: TransactionOptions,
  work: (client: pg.PoolClient | pg.Client) => Promise<T>,
): Promise<T> {
  const client = await acquire(pool);
  let broken: Error | undefined;
  try {
    return await withCaller(
      client,
      options.caller.claims,
      async (tx) => {
        if (options.timeZone !== undefined) {
          await tx.query("select pg_catalog.set_config('timezone', $1, true)", [options.timeZone]);
        }
        return work(tx);
      },
      { statementTimeoutMs: options.statementTimeoutMs, readOnly: options.readOnly },
    );
  } catch (error) {
    if (!(error instanceof pg.DatabaseError)) broken = error as Error;
    throw error;
  } finally {
    client.release(broken);
  }
}

/** A read statement whose values are all text (every value the read grammar binds is). */
export interface TextStatement {
  text: string;
  values: string[];
}

/** How many statements one pooled connection keeps prepared (least recently used goes). */
export const PREPARED_PER_CONNECTION = 64;

/** The SQL-level prepared statements of each pooled connection, least recently used first. */
const preparedOn = new WeakMap<pg.ClientBase, Map<string, string>>();

/** Named by content: the same text gets the same name on any connection. */
const statementName = (text: string) =>
  `pm_stmt_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;

/**
 * Prepares `text` on the connection unless it already is (a round trip the first time only).
 * Past PREPARED_PER_CONNECTION, the least recently used statement is deallocated in the same
 * message, after the PREPARE, so a PREPARE that fails (a user's bad filter) changes nothing.
 */
async function ensurePrepared(client: pg.ClientBase, text: string): Promise<string> {
  let prepared = preparedOn.get(client);
  if (!prepared) {
    prepared = new Map();
    preparedOn.set(client, prepared);
  }
  const name = statementName(text);
  if (prepared.has(name)) {
    // Most recently used goes last.
    prepared.delete(name);
    prepared.set(name, text);
    return name;
  }
  const evict = prepared.size >= PREPARED_PER_CONNECTION ? prepared.keys().next().value : undefined;
  await client.query(`prepare ${name} as ${text}${evict ? `; deallocate ${evict}` : ''}`);
  if (evict) prepared.delete(evict);
  prepared.set(name, text);
  return name;
}

/** The statements a connection holds prepared, oldest first (for tests). */
export function preparedStatementsOf(client: pg.ClientBase): string[] {
  return [...(preparedOn.get(client)?.keys() ?? [])];
}

/**
 * Runs a read statement as the caller in ONE round trip: `begin`, the settings, `execute
 * name('…')` of the statement prepared on this connection, and `commit` travel as one
 * simple-protocol message, every value inlined by `sqlLiteral` (PostgREST pipelines the same
 * four steps). On an error the transaction is rolled back before the connection goes back to
 * the pool.
 */
export async function runPreparedAsCaller(
  pool: pg.Pool,
  options: TransactionOptions,
  statement: TextStatement,
): Promise<ReadResult> {
  const begin = callerTransactionBegin(options.caller.claims, options);
  const args = statement.values.map(sqlLiteral).join(', ');
  const client = await acquire(pool);
  let broken: Error | undefined;
  try {
    const name = await ensurePrepared(client, statement.text);
    const message = `${begin}; execute ${name}${args === '' ? '' : `(${args})`}; commit`;
    const results = (await client.query(message)) as unknown as pg.QueryResult<ReadRow>[];
    return readResultOf(results[2]?.rows[0] as ReadRow, undefined);
  } catch (error) {
    if (error instanceof pg.DatabaseError) {
      // The message stopped at the failing statement, inside the transaction: end it.
      await client.query('rollback').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
    } else broken = error as Error;
    throw error;
  } finally {
    client.release(broken);
  }
}

interface ReadRow {
  total: string | null;
  rows: number;
  body: string | null;
}

/** The planner's estimate of the filtered rows (PostgREST's count=planned). */
async function plannedCount(
  client: pg.PoolClient | pg.Client,
  plan: NonNullable<ReadStatement['plannedCount']>,
) {
  const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
    plan.text,
    plan.values,
  );
  return rows[0]?.['QUERY PLAN'][0].Plan['Plan Rows'];
}

/** A statement to run, with its `count=planned` estimate when it has one. */
export interface RunnableStatement {
  text: string;
  values: unknown[];
  plannedCount?: ReadStatement['plannedCount'];
}

/** Runs a read statement (and the planner's count when asked) in the caller's transaction. */
export async function runRead(
  client: pg.PoolClient | pg.Client,
  statement: RunnableStatement,
  count: ReadShape['count'],
): Promise<ReadResult> {
  const planned =
    count === 'planned' && statement.plannedCount
      ? await plannedCount(client, statement.plannedCount)
      : undefined;
  const { rows } = await client.query<ReadRow>(statement.text, statement.values);
  return readResultOf(rows[0] as ReadRow, planned);
}

function readResultOf(row: ReadRow, planned: number | undefined): ReadResult {
  return {
    body: row.body,
    rows: row.rows,
    total: planned ?? (row.total === null ? undefined : Number(row.total)),
  };
}

/**
 * Runs a read statement as the caller: in one round trip when its values are all text (every
 * value the grammar and the RPC arguments bind is) without a NUL, else — and for
 * `count=planned`, whose estimate is a statement of its own — in a transaction of several.
 */
export function runAsCaller(
  pool: pg.Pool,
  options: TransactionOptions,
  statement: RunnableStatement,
  count: ReadShape['count'],
): Promise<ReadResult> {
  const { values } = statement;
  // A NUL cannot be inlined (sqlLiteral refuses it): bound as a parameter, PostgreSQL answers
  // it with its own 22021, as PostgREST's callers see.
  const inlinable = (value: unknown) => typeof value === 'string' && !value.includes('\0');
  if (count !== 'planned' && values.every(inlinable)) {
    return runPreparedAsCaller(pool, options, { text: statement.text, values: values as string[] });
  }
  return inCallerTransaction(pool, options, (client) => runRead(client, statement, count));
}

/** PostgREST's Content-Range for rows `lower…` of `total` (`*` when not counted). */
export function contentRange(lower: number, rows: number, total: number | undefined): string {
  const upper = lower + rows - 1;
  const range = total !== 0 && lower <= upper ? `${lower}-${upper}` : '*';
  return `${range}/${total ?? '*'}`;
}

/**
 * The status and headers of a read's answer, as PostgREST gives them: 206 for a partial page of
 * a counted result, 416 for an offset past the end, 406 PGRST116 when one object was asked for
 * and the filters left another number of rows.
 */
export function readResponseHead(
  shape: ReadShape,
  result: ReadResult,
  options: { contentRange: boolean; objectRequested: boolean },
): { status: 200 | 206; headers: Record<string, string> } {
  if (options.objectRequested && result.rows !== 1) {
    throw postgrestError(406, 'PGRST116', 'JSON object requested, multiple (or no) rows returned', {
      details: `The result contains ${result.rows} rows`,
    });
  }
  const headers: Record<string, string> = {
    'Content-Type': shape.singleObject
      ? 'application/vnd.pgrst.object+json; charset=utf-8'
      : 'application/json; charset=utf-8',
  };
  if (shape.preferenceApplied) headers['Preference-Applied'] = shape.preferenceApplied;
  if (!options.contentRange) return { status: 200, headers };
  const { total } = result;
  const lower = shape.offset;
  headers['Content-Range'] = contentRange(lower, result.rows, total);
  if (total === undefined) return { status: 200, headers };
  if (lower > total) {
    throw postgrestError(416, 'PGRST103', 'Requested range not satisfiable', {
      details: `An offset of ${lower} was requested, but there are only ${total} rows.`,
      headers: { 'Content-Range': `*/${total}` },
    });
  }
  return { status: result.rows < total ? 206 : 200, headers };
}
