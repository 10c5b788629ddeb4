import { swaggerUI } from '@hono/swagger-ui';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env.js';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

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
  app.doc(OPENAPI_PATH, {
    openapi: '3.0.3',
    info: {
      title: 'Peer-mentor pause API',
      version: '0.1.0',
      description:
        'The PostgREST RPC wire contract for the allow-listed pause functions: unchanged supabase-js clients call `supabase.rpc(...)` against this service. Every request runs as its caller (row-level security applies).',
    },
  });
  app.get(DOCS_PATH, swaggerUI({ url: OPENAPI_PATH, title: 'Peer-mentor pause API' }));
}
