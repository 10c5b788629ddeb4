import type pg from 'pg';
import type { Caller } from '../../auth/claims.js';
import type { RoutineDescription } from '../../schema-cache.js';
import type { ReadShape } from '../read/read-request.js';
import { buildReadStatement, quoteIdentifier, type ReadSource } from '../read/read-sql.js';
import { type ReadResult, runAsCaller } from '../read/run.js';

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
  /** Whether the request shapes more than the defaults (then its statement text is built anew). */
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
 * statement (PostgreSQL builds the JSON), in one round trip (runPreparedAsCaller); only
 * `count=planned` takes more (the planner's estimate is a statement of its own).
 */
export function createRpcExecutor(pool: pg.Pool): RpcExecutor {
  // Unshaped calls come in few forms (function, argument names, count, one object, HEAD):
  // their statement text is built once.
  const unshaped = new Map<string, string>();
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
    if (call.shaped || call.shape.count === 'planned') return build();
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
    let text = unshaped.get(key);
    if (text === undefined) {
      text = build().text;
      unshaped.set(key, text);
    }
    return { text, values: source.values };
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
      const count = call.routine.returns === 'set' ? call.shape.count : undefined;
      return runAsCaller(pool, options, statement, count);
    },
  };
}
