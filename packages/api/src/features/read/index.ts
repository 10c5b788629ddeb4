import { OpenAPIHono, z } from '@hono/zod-openapi';
import { PostgrestErrorBody } from '@peer-mentor/contracts';
import type { Context } from 'hono';
import type pg from 'pg';
import type { AppEnv } from '../../app-env.js';
import { postgrestError } from '../../errors.js';
import { EXPOSED_SCHEMA, type SchemaCacheSource } from '../../schema-cache.js';
import { checkProfile, queryPairs, readShape } from './read-request.js';
import { buildReadStatement, quoteIdentifier } from './read-sql.js';
import { readResponseHead, runAsCaller } from './run.js';

export interface TableFeatureDeps {
  pool: pg.Pool;
  statementTimeoutMs: number;
  schemaCache: SchemaCacheSource;
}

/** The request's read shape from its query string and headers (shared by tables and RPC). */
export function shapeOfRequest(
  c: Context,
  resource: string,
  timeZones: ReadonlySet<string>,
  pairs = queryPairs(new URL(c.req.url).search),
) {
  return readShape({
    method: c.req.method.toUpperCase(),
    pairs,
    headers: {
      accept: c.req.header('accept'),
      prefer: c.req.header('prefer'),
      range: c.req.header('range'),
      rangeUnit: c.req.header('range-unit'),
    },
    resource,
    timeZones,
  });
}

/**
 * `GET`/`HEAD /rest/v1/<table>`: PostgREST's read grammar on the tables and views of the
 * exposed schema, run as the caller (grants and row-level security decide what is seen).
 * Writes are refused: they go through the RPCs.
 */
export function tableFeature(deps: TableFeatureDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.get('/:table', async (c) => {
    const name = c.req.param('table');
    checkProfile(c.req.header('accept-profile'));
    const cache = await deps.schemaCache();
    const relation = cache.relations.get(name);
    if (!relation) {
      throw postgrestError(
        404,
        'PGRST205',
        `Could not find the table '${EXPOSED_SCHEMA}.${name}' in the schema cache`,
      );
    }
    c.get('logFields').fn = name;
    const shape = shapeOfRequest(c, name, cache.timeZones);
    const head = c.req.method.toUpperCase() === 'HEAD';
    const statement = buildReadStatement(
      {
        name,
        columns: relation.columns,
        from: `${quoteIdentifier(relation.schema)}.${quoteIdentifier(name)} as ${quoteIdentifier(name)}`,
        values: [],
      },
      shape,
      cache.castTypes,
      {
        head,
        object: shape.singleObject,
        countTotal: shape.count === 'exact' || shape.count === 'estimated',
      },
    );
    const result = await runAsCaller(
      deps.pool,
      {
        caller: c.get('caller'),
        readOnly: true,
        statementTimeoutMs: deps.statementTimeoutMs,
        timeZone: shape.timeZone,
      },
      statement,
      shape.count,
    );
    const { status, headers } = readResponseHead(shape, result, {
      contentRange: true,
      objectRequested: shape.singleObject,
    });
    headers['Content-Location'] =
      `/${name}${shape.canonicalQuery ? `?${shape.canonicalQuery}` : ''}`;
    return head ? c.body(null, status, headers) : c.body(result.body ?? '', status, headers);
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/{table}',
    tags: ['tables'],
    summary: "supabase.from('<table>').select(…)",
    description:
      "Reads a table or view of the public schema as the caller (row-level security applies), with PostgREST's read grammar: `select`, column filters (`col=eq.x`, …), `or`/`and`, `order`, `limit`/`offset`, `Range`, `Prefer: count=…`, `Accept: application/vnd.pgrst.object+json`. Embedding is not served; writes go through the RPCs (405).",
    security: [{ apikey: [], bearer: [] }, { apikey: [] }],
    request: { params: z.object({ table: z.string() }) },
    responses: {
      200: {
        description: 'The rows, as a JSON array (`Content-Range` gives their range)',
        content: { 'application/json': { schema: z.array(z.record(z.string(), z.unknown())) } },
      },
      206: { description: 'A partial page of a counted result' },
      400: {
        description:
          'A query the grammar does not know (`PGRST100`), an unknown column (`42703`), embedding (`PGRST200`)',
        content: { 'application/json': { schema: PostgrestErrorBody } },
      },
      404: { description: '`PGRST205`: no such table' },
      406: { description: '`PGRST116`: one object asked for, another number of rows found' },
      416: { description: '`PGRST103`: the range is past the end' },
    },
  });
  app.all('/:table', (c) => {
    throw postgrestError(405, 'PGRST127', 'Feature not implemented', {
      details: `${c.req.method} on a table is not served by this API: tables are read-only here`,
      hint: 'Change data through the RPCs under /rest/v1/rpc/ (for example activate_pause and deactivate_pause)',
      headers: { Allow: 'GET, HEAD' },
    });
  });
  return app;
}
