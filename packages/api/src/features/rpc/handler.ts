import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { postgrestError } from '../../errors.js';
import { resolveRoutine } from './arguments.js';
import type { RpcExecutor, RpcResult } from './call.js';
import { type RpcRequest, readRpcRequest } from './request.js';
import type { RoutineDescription, SchemaCache } from './schema-cache.js';

export interface RpcHandlerDeps {
  schemaCache(): Promise<SchemaCache>;
  executor: RpcExecutor;
  statementTimeoutMs: number;
}

/** PostgREST's Content-Range for a result of `rows` rows (the total only when asked to count). */
function contentRange(rows: number, countRequested: boolean): string {
  const total = countRequested ? String(rows) : '*';
  return rows === 0 ? `*/${total}` : `0-${rows - 1}/${total}`;
}

/** The body as the client asked for it: the JSON PostgreSQL built, or its one row as an object. */
function shapeBody(request: RpcRequest, routine: RoutineDescription, result: RpcResult): string {
  if (!request.singleObject || routine.returns !== 'set') return result.body;
  if (result.rows !== 1) {
    throw postgrestError(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', {
      details: `The result contains ${result.rows} rows`,
    });
  }
  return JSON.stringify((JSON.parse(result.body) as unknown[])[0]);
}

export function createRpcHandler(deps: RpcHandlerDeps) {
  return async (c: Context<AppEnv>) => {
    const name = c.req.param('fn') ?? '';
    const request = await readRpcRequest(c, name);
    let cache: SchemaCache;
    try {
      cache = await deps.schemaCache();
    } catch {
      throw postgrestError(
        503,
        'PGRST002',
        'Could not query the database for the schema cache. Retrying.',
      );
    }
    const routine = resolveRoutine(cache, name, Object.keys(request.args), request.jsonBody);
    c.get('logFields').fn = routine.name;

    const result = await deps.executor.execute({
      routine,
      args: request.args,
      caller: c.get('caller'),
      // PostgREST's access modes: GET and HEAD always read only, POST read only unless VOLATILE.
      readOnly: request.method !== 'POST' || routine.volatility !== 'volatile',
      statementTimeoutMs: deps.statementTimeoutMs,
    });

    const body = shapeBody(request, routine, result);
    const headers: Record<string, string> = {
      'Content-Type': request.singleObject
        ? 'application/vnd.pgrst.object+json; charset=utf-8'
        : 'application/json; charset=utf-8',
    };
    if (routine.returns === 'set') {
      headers['Content-Range'] = contentRange(result.rows, request.countRequested);
    }
    if (request.method === 'HEAD') return c.body(null, 200, headers);
    return c.body(body, 200, headers);
  };
}

/**
 * Loads the schema cache on first use and keeps it; a failed load is retried by the next
 * request (PostgREST answers 503 PGRST002 meanwhile, and so do we).
 */
export function lazySchemaCache(load: () => Promise<SchemaCache>): () => Promise<SchemaCache> {
  let pending: Promise<SchemaCache> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
