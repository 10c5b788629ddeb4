import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Caller } from '../../auth/claims.js';
import type { RoutineDescription } from '../../schema-cache.js';
import type { ReadShape } from '../read/read-request.js';
import { buildReadStatement, quoteIdentifier, type ReadSource } from '../read/read-sql.js';
import { inCallerTransaction, type ReadResult, runPreparedAsCaller, runRead } from '../read/run.js';

export interface RpcCall {
  routine: RoutineDescription;
  /** Named arguments as JSON values (strings for GET); the database casts them. */
  args: Record<string, unknown>;
  caller: Caller;
  /** GET/HEAD, or a STABLE/IMMUTABLE function: PostgREST's READ ONLY access mode. */
  readOnly: boolean;
  statementTimeoutMs: number;
  /** How the result is shaped (select, filters, order, range, count, one object). */
  shape: ReadShape;
  /** Whether the request shapes more than the defaults (then the statement is not prepared). */
  shaped: boolean;
  head: boolean;
}

/**
 * The call as a FROM clause. Arguments go through json_to_record, so the database casts them to
 * the parameter types (and reports a bad value itself, e.g. 22P02).
 */
export function routineSource(
  routine: RoutineDescription,
  args: Record<string, unknown>,
  keys: string[],
): ReadSource {
  const params = routine.params.filter((param) => keys.includes(param.name));
  const target = `${quoteIdentifier(routine.schema)}.${quoteIdentifier(routine.name)}`;
  const alias = quoteIdentifier(routine.name);
  const from =
    params.length === 0
      ? `${target}() as ${alias}`
      : `json_to_record($1::json) as _pgrst_args(${params
          .map((param) => `${quoteIdentifier(param.name)} ${param.type}`)
          .join(', ')}), lateral ${target}(${params
          .map(
            (param) =>
              `${quoteIdentifier(param.name)} := _pgrst_args.${quoteIdentifier(param.name)}`,
          )
          .join(', ')}) as ${alias}`;
  return {
    name: routine.name,
    columns: routine.columns,
    from,
    values: params.length === 0 ? [] : [JSON.stringify(args)],
  };
}

// Named by content: the same text gets the same name on any connection, and texts never collide.
const statementName = (text: string) =>
  `pm_call_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;

/** A function returning a scalar (or void): its value as JSON, no shaping. */
function scalarStatement(routine: RoutineDescription, source: ReadSource) {
  const body = routine.returnsVoid
    ? 'null::text'
    : `coalesce((pg_catalog.json_agg(${quoteIdentifier(routine.name)}) -> 0)::text, 'null')`;
  return `select null::int8 as total, pg_catalog.count(*)::int as rows, ${body} as body from ${source.from}`;
}

export interface RpcExecutor {
  execute(call: RpcCall, castTypes: ReadonlyMap<string, string>): Promise<ReadResult>;
}

/**
 * Runs each call in its own transaction as the caller, with the result shaped in the same
 * statement (PostgreSQL builds the JSON). An unshaped call's statement is prepared once per
 * pooled connection and then runs in one round trip (begin, settings, execute, commit in one
 * message); a shaped one varies with the query string and runs in three.
 */
export function createRpcExecutor(pool: pg.Pool): RpcExecutor {
  // Unshaped calls come in few forms (function, argument names, count, one object, HEAD):
  // their statement text and name are built once.
  const unshaped = new Map<string, { text: string; name: string }>();
  const statementFor = (call: RpcCall, castTypes: ReadonlyMap<string, string>) => {
    const keys = Object.keys(call.args).sort();
    const source = routineSource(call.routine, call.args, keys);
    const build = () =>
      call.routine.returns === 'scalar'
        ? { text: scalarStatement(call.routine, source), values: source.values }
        : buildReadStatement(source, call.shape, castTypes, {
            head: call.head,
            object: call.routine.returns === 'single' || call.shape.singleObject,
            countTotal:
              call.routine.returns === 'set' &&
              (call.shape.count === 'exact' || call.shape.count === 'estimated'),
          });
    if (call.shaped || call.shape.count === 'planned') return { shaped: build() };
    const { routine, shape } = call;
    const key = JSON.stringify([
      routine.schema,
      routine.name,
      routine.params.map((param) => param.type),
      keys,
      call.head,
      shape.singleObject,
      shape.stripNulls,
      shape.count,
    ]);
    let known = unshaped.get(key);
    if (!known) {
      const text = build().text;
      known = { text, name: statementName(text) };
      unshaped.set(key, known);
    }
    // The only value of an unshaped call is its arguments' JSON text.
    return { prepared: { ...known, values: source.values as string[] } };
  };
  return {
    execute(call, castTypes) {
      const statement = statementFor(call, castTypes);
      const options = {
        caller: call.caller,
        readOnly: call.readOnly,
        statementTimeoutMs: call.statementTimeoutMs,
        timeZone: call.shape.timeZone,
      };
      if (statement.prepared) return runPreparedAsCaller(pool, options, statement.prepared);
      return inCallerTransaction(pool, options, (client) =>
        runRead(
          client,
          statement.shaped,
          call.routine.returns === 'set' ? call.shape.count : undefined,
        ),
      );
    },
  };
}
