import { createHash } from 'node:crypto';
import { withCaller } from '@peer-mentor/db';
import pg from 'pg';
import type { Caller } from '../../auth/claims.js';
import { postgrestError } from '../../errors.js';
import type { RoutineDescription } from './schema-cache.js';

export interface RpcCall {
  routine: RoutineDescription;
  /** Named arguments as JSON values (strings for GET); the database casts them. */
  args: Record<string, unknown>;
  caller: Caller;
  /** GET/HEAD, or a STABLE/IMMUTABLE function: PostgREST's READ ONLY access mode. */
  readOnly: boolean;
  statementTimeoutMs: number;
}

export interface RpcResult {
  /** The response body exactly as PostgreSQL rendered the JSON. */
  body: string;
  /** Rows the function returned (for Content-Range and singular responses). */
  rows: number;
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

interface Statement {
  name: string;
  text: string;
}

// PostgreSQL builds the JSON: composites become objects, setof becomes an array, and every
// value is rendered as PostgreSQL renders it. Arguments go through json_to_record, so the
// database casts them to the parameter types (and reports a bad value itself, e.g. 22P02).
function callStatement(routine: RoutineDescription, keys: string[]): Statement {
  const params = routine.params.filter((param) => keys.includes(param.name));
  const target = `${quoteIdentifier(routine.schema)}.${quoteIdentifier(routine.name)}`;
  const from =
    params.length === 0
      ? `${target}() as _result`
      : `json_to_record($1::json) as _args(${params
          .map((param) => `${quoteIdentifier(param.name)} ${param.type}`)
          .join(', ')}), lateral ${target}(${params
          .map((param) => `${quoteIdentifier(param.name)} := _args.${quoteIdentifier(param.name)}`)
          .join(', ')}) as _result`;
  const body =
    routine.returns === 'set'
      ? `coalesce(json_agg(_result), '[]')::text`
      : `coalesce((json_agg(_result) -> 0)::text, 'null')`;
  const text = `select ${body} as body, count(*)::int as rows from ${from}`;
  // Named by content: the same text gets the same name on any connection, and texts never collide.
  return { name: `pm_rpc_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, text };
}

async function acquire(pool: pg.Pool): Promise<pg.PoolClient> {
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

export interface RpcExecutor {
  execute(call: RpcCall): Promise<RpcResult>;
}

/**
 * Runs each call in its own transaction as the caller (withCaller: SET LOCAL ROLE and
 * request.jwt.claims), with a transaction-local statement_timeout and, for reads, READ ONLY.
 * One named statement per function and argument set, so each pooled connection prepares it
 * once (PostgREST also uses prepared statements).
 */
export function createRpcExecutor(pool: pg.Pool): RpcExecutor {
  const statements = new Map<string, Statement>();
  const statementFor = (routine: RoutineDescription, keys: string[]) => {
    const key = `${routine.schema}.${routine.name}(${routine.params.map((p) => p.type).join(',')})[${keys.join(',')}]`;
    let statement = statements.get(key);
    if (!statement) {
      statement = callStatement(routine, keys);
      statements.set(key, statement);
    }
    return statement;
  };
  return { execute: (call) => execute(pool, call, statementFor) };
}

async function execute(
  pool: pg.Pool,
  call: RpcCall,
  statementFor: (routine: RoutineDescription, keys: string[]) => Statement,
): Promise<RpcResult> {
  const keys = Object.keys(call.args).sort();
  const statement = statementFor(call.routine, keys);
  const client = await acquire(pool);
  let broken: Error | undefined;
  try {
    return await withCaller(
      client,
      call.caller.claims,
      async (tx) => {
        const { rows } = await tx.query<RpcResult>({
          name: statement.name,
          text: statement.text,
          values: keys.length === 0 ? [] : [JSON.stringify(call.args)],
        });
        return rows[0] as RpcResult;
      },
      // Set with the role and claims, in the same statement (as PostgREST does).
      { statementTimeoutMs: call.statementTimeoutMs, readOnly: call.readOnly },
    );
  } catch (error) {
    // A connection that failed below SQL (reset, terminated) must not go back to the pool.
    if (!(error instanceof pg.DatabaseError)) broken = error as Error;
    throw error;
  } finally {
    client.release(broken);
  }
}
