/**
 * Supabase Edge Function `nightly`: the scheduler's nightly jobs, a bounded number of batches
 * per call (src/hosts/edge-function/handler.ts). Deploy with
 *   supabase functions deploy nightly --use-api --no-verify-jwt
 * (--use-api bundles the handler from outside supabase/functions; the handler checks the
 * service key itself, so the gateway's JWT check is off and the project's secret keys work).
 *
 * SUPABASE_DB_URL and the keys are set by the platform. NIGHTLY_HOSTNAME / NIGHTLY_PORT are
 * only for running it locally (the tests serve it on 127.0.0.1).
 */
import pg from 'pg';
import {
  createNightlyHandler,
  type NightlyConnection,
  readNightlyFunctionConfig,
} from '../../../src/hosts/edge-function/handler.ts';

const env = Deno.env.toObject();
const databaseUrl = env.SUPABASE_DB_URL;
if (!databaseUrl) throw new Error('SUPABASE_DB_URL is not set');
const config = readNightlyFunctionConfig(env);

async function connect(): Promise<NightlyConnection> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: 'edge-function nightly',
  });
  await client.connect();
  return client;
}

const handler = createNightlyHandler(config, connect);

if (env.NIGHTLY_HOSTNAME) {
  Deno.serve(
    {
      hostname: env.NIGHTLY_HOSTNAME,
      port: Number(env.NIGHTLY_PORT ?? 0),
      onListen: ({ hostname, port }) =>
        console.log(JSON.stringify({ message: 'listening', hostname, port })),
    },
    handler,
  );
} else {
  Deno.serve(handler);
}
