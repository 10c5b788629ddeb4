import { swaggerUI } from '@hono/swagger-ui';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

/** The document's header (also served at `/rest/v1/`, PostgREST's root). */
export const openApiInfo = {
  openapi: '3.0.3',
  info: {
    title: 'Peer-mentor pause API',
    version: '0.1.0',
    description:
      "PostgREST's wire contract for the allow-listed pause functions (`/rest/v1/rpc/<fn>`) and read-only access to the tables (`GET /rest/v1/<table>`, PostgREST's read grammar): unchanged supabase-js clients work against this service. Every request runs as its caller (row-level security applies).",
  },
};

/**
 * Serves the OpenAPI document generated from the routes' zod schemas (and the contracts'
 * RPC schemas) and a Swagger UI page for it. Register after every feature.
 */
export function serveDocs(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'apikey', {
    type: 'apiKey',
    in: 'header',
    name: 'apikey',
    description: "The project's anon (or service_role) key, as supabase-js sends it",
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A Supabase access token; without one the request runs as anon',
  });
  app.doc(OPENAPI_PATH, openApiInfo);
  app.get(DOCS_PATH, swaggerUI({ url: OPENAPI_PATH, title: 'Peer-mentor pause API' }));
}
