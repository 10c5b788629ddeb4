/**
 * Supabase Edge Function `nightly`: the scheduler's nightly jobs, a bounded number of batches
 * per call (src/hosts/edge-function/handler.ts). Deploy from packages/scheduler with
 *   supabase functions deploy nightly --use-api --project-ref <project-ref>
 * (--use-api bundles the handler from outside supabase/functions; supabase/config.toml pins
 * verify_jwt = false: the handler checks the service key itself, and the gateway's JWT check
 * would refuse the project's secret keys, which are not JWTs).
 *
 * SUPABASE_DB_URL and the keys are set by the platform. NIGHTLY_DB_CA_CERT, a secret the
 * operator sets, is the CA certificate the database's certificate is verified against
 * (src/hosts/edge-function/database-tls.ts). NIGHTLY_HOSTNAME / NIGHTLY_PORT are only for
 * running it locally (the tests serve it on 127.0.0.1).
 */
import pg from 'pg';
import {
  databaseConnectionOptions,
  explainConnectionError,
} from '../../../src/hosts/edge-function/database-tls.ts';
import {
  createNightlyHandler,
  type NightlyConnection,
  readNightlyFunctionConfig,
} from '../../../src/hosts/edge-function/handler.ts';

const env = Deno.env.toObject();
const databaseUrl = env.SUPABASE_DB_URL;
if (!databaseUrl) throw new Error('SUPABASE_DB_URL is not set');
const config = readNightlyFunctionConfig(env);
const connection = databaseConnectionOptions(databaseUrl, env.NIGHTLY_DB_CA_CERT);

async function connect(): Promise<NightlyConnection> {
  const client = new pg.Client({ ...connection, application_name: 'edge-function nightly' });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw explainConnectionError(error, connection);
  }
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
