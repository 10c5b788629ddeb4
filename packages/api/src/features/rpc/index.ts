import { OpenAPIHono } from '@hono/zod-openapi';
import { PostgrestErrorBody, rpcFunctions, rpcNames } from '@peer-mentor/contracts';
import type pg from 'pg';
import type { AppEnv } from '../../app-env.js';
import { postgrestError } from '../../errors.js';
import { EXPOSED_SCHEMA, type SchemaCacheSource } from '../../schema-cache.js';
import { createRpcExecutor } from './call.js';
import { createRpcHandler } from './handler.js';

export interface RpcFeatureDeps {
  pool: pg.Pool;
  statementTimeoutMs: number;
  schemaCache: SchemaCacheSource;
  /** The functions served (the contracts' allow-list, unless a test widens it). */
  servedFunctions: readonly string[];
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: PostgrestErrorBody } },
});

const errorResponses = {
  400: errorResponse(
    'A database error: our domain errors (`PM401`…`PM423`, see the contracts error catalog), `P0001`, or a value PostgreSQL could not cast (`22P02`)',
  ),
  401: errorResponse(
    'No valid API key (gateway body `{message, hint}`), a JWT that failed verification (`PGRST301`, `PGRST303`), or `42501` for anon',
  ),
  403: errorResponse('`42501`: the signed-in role may not execute the function'),
  404: errorResponse('`PGRST202`: no allow-listed function takes this set of argument names'),
};

/** Documents each allow-listed function from its contract schemas (the handler is generic). */
function documentRpcFunctions(app: OpenAPIHono<AppEnv>) {
  for (const name of rpcNames) {
    const contract = rpcFunctions[name];
    const result = contract.returns === 'set' ? contract.result.array() : contract.result;
    const security: Record<string, string[]>[] = [{ apikey: [], bearer: [] }, { apikey: [] }];
    const ok = {
      description:
        contract.returns === 'set'
          ? 'The rows, as a JSON array (`Content-Range` gives their range)'
          : 'The row, as a JSON object',
      content: { 'application/json': { schema: result } },
    };
    app.openAPIRegistry.registerPath({
      method: 'post',
      path: `/${name}`,
      tags: ['rpc'],
      summary: `supabase.rpc('${name}', args)`,
      description: `Calls ${EXPOSED_SCHEMA}.${name} as the caller, in one transaction${
        contract.volatility === 'volatile' ? '' : ' (read only: the function is STABLE)'
      }. Named arguments in a JSON object; the database validates their values.`,
      security,
      request: { body: { content: { 'application/json': { schema: contract.args } } } },
      responses: { 200: ok, ...errorResponses },
    });
    if (contract.volatility !== 'volatile') {
      app.openAPIRegistry.registerPath({
        method: 'get',
        path: `/${name}`,
        tags: ['rpc'],
        summary: `supabase.rpc('${name}', args, { get: true })`,
        description: `Calls ${EXPOSED_SCHEMA}.${name} in a read-only transaction with the arguments as query parameters.`,
        security,
        request: { query: contract.args },
        responses: { 200: ok, ...errorResponses },
      });
    }
  }
}

/** `/rest/v1/rpc/<fn>`: the PostgREST RPC wire contract for the allow-listed functions. */
export function rpcFeature(deps: RpcFeatureDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const handler = createRpcHandler({
    schemaCache: deps.schemaCache,
    executor: createRpcExecutor(deps.pool),
    statementTimeoutMs: deps.statementTimeoutMs,
    isServed: (name) => deps.servedFunctions.includes(name),
  });
  // HEAD is served by the GET route (Hono answers it without the body).
  app.on(['GET', 'POST'], '/:fn', handler);
  app.all('/:fn', (c) => {
    throw postgrestError(405, 'PGRST101', `Cannot use the ${c.req.method} method on RPC`);
  });
  documentRpcFunctions(app);
  return app;
}
