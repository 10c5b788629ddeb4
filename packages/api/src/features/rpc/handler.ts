import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { postgrestError } from '../../errors.js';
import type { SchemaCacheSource } from '../../schema-cache.js';
import { shapeOfRequest } from '../read/index.js';
import { shapesResult } from '../read/read-request.js';
import { readResponseHead } from '../read/run.js';
import { resolveRoutine } from './arguments.js';
import type { RpcExecutor } from './call.js';
import { readRpcRequest } from './request.js';

export interface RpcHandlerDeps {
  schemaCache: SchemaCacheSource;
  executor: RpcExecutor;
  statementTimeoutMs: number;
  /** The functions served (the contracts' allow-list). */
  isServed(name: string): boolean;
}

export function createRpcHandler(deps: RpcHandlerDeps) {
  return async (c: Context<AppEnv>) => {
    const name = c.req.param('fn') ?? '';
    const cache = await deps.schemaCache();
    const overloads = deps.isServed(name) ? (cache.routines.get(name) ?? []) : [];
    const parameterNames = new Set(overloads.flatMap((r) => r.params.map((p) => p.name)));
    const request = await readRpcRequest(c, name, parameterNames);
    const routine = resolveRoutine(overloads, name, Object.keys(request.args), request.jsonBody);
    c.get('logFields').fn = routine.name;
    const shape = shapeOfRequest(c, routine.name, cache.timeZones, request.shaping);
    const shaped = shapesResult(shape);
    if (routine.returns === 'scalar' && shaped) {
      throw postgrestError(400, 'PGRST100', '"failed to parse select parameter"', {
        details: `${routine.name} returns a single value; select, filters, order and limit apply to functions returning rows`,
      });
    }
    const head = request.method === 'HEAD';
    const result = await deps.executor.execute(
      {
        routine,
        args: request.args,
        caller: c.get('caller'),
        // PostgREST's access modes: GET and HEAD always read only, POST read only unless VOLATILE.
        readOnly: request.method !== 'POST' || routine.volatility !== 'volatile',
        statementTimeoutMs: deps.statementTimeoutMs,
        shape,
        shaped,
        head,
      },
      cache.castTypes,
    );
    if (routine.returnsVoid) return c.body(null, 204);
    const { status, headers } = readResponseHead(shape, result, {
      contentRange: routine.returns === 'set',
      objectRequested: shape.singleObject && routine.returns === 'set',
    });
    return head ? c.body(null, status, headers) : c.body(result.body ?? '', status, headers);
  };
}
