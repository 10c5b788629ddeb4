import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type pg from 'pg';
import type { AppEnv } from '../../app-env.js';
import { apiVersion } from '../../version.js';

const Status = z.object({ status: z.enum(['ok', 'unavailable']) });
const Live = Status.extend({ version: z.string().openapi({ example: '0.1.0' }) });

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['operations'],
  summary: 'The process is up',
  responses: {
    200: {
      description: 'Serving, and which release',
      content: { 'application/json': { schema: Live } },
    },
  },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['operations'],
  summary: 'The database answers',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: Status } } },
    503: {
      description: 'The database does not answer',
      content: { 'application/json': { schema: Status } },
    },
  },
});

export interface HealthFeatureDeps {
  pool: pg.Pool;
  /** How long readiness waits for the database. */
  readinessTimeoutMs?: number;
}

/** Liveness (`/healthz`) and readiness (`/readyz`: a round trip to the database). */
export function healthFeature(deps: HealthFeatureDeps): OpenAPIHono<AppEnv> {
  const timeoutMs = deps.readinessTimeoutMs ?? 2_000;
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(healthz, (c) => c.json({ status: 'ok' as const, version: apiVersion }, 200));
  app.openapi(readyz, async (c) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('readiness check timed out')), timeoutMs);
    });
    try {
      await Promise.race([deps.pool.query('select 1'), timeout]);
      return c.json({ status: 'ok' as const }, 200);
    } catch (error) {
      c.get('log').warn(
        { reason: error instanceof Error ? error.message : String(error) },
        'not ready',
      );
      return c.json({ status: 'unavailable' as const }, 503);
    } finally {
      clearTimeout(timer);
    }
  });
  return app;
}
