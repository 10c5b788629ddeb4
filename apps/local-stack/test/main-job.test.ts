import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActivePauseRow, PeerMentorStatusRow } from '@peer-mentor/contracts';
import { demoId, freeLoopbackPort } from '@peer-mentor/db';
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

// Runs the main job as a user would (`pnpm start` runs this same entry point): embedded
// PostgreSQL, migrations through the Supabase CLI, demo data, the API; calls an RPC through
// supabase-js with what it printed; Ctrl-C; then a second start that keeps the data.

const appRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'pm-local-stack-')), 'state');
// mkdtemp makes a private (0700) directory; as root the server runs as `postgres` and must reach it.
chmodSync(path.dirname(stateDir), 0o755);
afterAll(() => rmSync(path.dirname(stateDir), { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

function startMainJob(apiPort: number, dbPort: number, consolePort: number): Started {
  // DATABASE_URL would point it at another server; this test is about the embedded one.
  const { DATABASE_URL: _ignored, LOCAL_JWT_SECRET: _secret, ...env } = process.env;
  const child = spawn(
    path.join(appRoot, 'node_modules', '.bin', 'tsx'),
    [
      '--conditions=@peer-mentor/source',
      'src/main.ts',
      '--port',
      String(apiPort),
      '--db-port',
      String(dbPort),
      '--console-port',
      String(consolePort),
      '--data-dir',
      stateDir,
    ],
    // Its own process group, so `pressCtrlC` can signal the group the way a terminal does.
    { cwd: appRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return { child, output: () => output, exited };
}

afterAll(async () => {
  for (const child of running) pressCtrlC(child);
  await new Promise((resolve) => setTimeout(resolve, running.size > 0 ? 3000 : 0));
});

async function waitForOutput(started: Started, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(started.output())) {
    if (started.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`main job did not print ${pattern}; output so far:\n${started.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What a terminal does on Ctrl-C: SIGINT to every process of the foreground group. */
function pressCtrlC(child: ChildProcess): void {
  if (child.pid) process.kill(-child.pid, 'SIGINT');
}

function printed(output: string, pattern: RegExp): string {
  const match = output.match(pattern);
  if (!match?.[1]) throw new Error(`not printed: ${pattern}\n${output}`);
  return match[1];
}

/** The token printed under a demo user's line. */
function printedToken(output: string, email: string): string {
  return printed(output, new RegExp(`${email.replaceAll('.', '\\.')} .*\\n\\s+token (\\S+)`));
}

/** The password printed on a demo user's line. */
function printedPassword(output: string, email: string): string {
  return printed(output, new RegExp(`${email.replaceAll('.', '\\.')}\\s+password (\\S+)`));
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const hlf = demoId('hlf');
const clientOptions = { auth: { persistSession: false, autoRefreshToken: false } };

describe('the main job (pnpm start)', () => {
  let firstKariToken = '';

  it('starts PostgreSQL, migrates, loads demo data, serves the API; supabase-js works with what it prints; Ctrl-C stops it', async () => {
    const [apiPort, dbPort, consolePort] = [
      await freeLoopbackPort(),
      await freeLoopbackPort(),
      await freeLoopbackPort(),
    ];
    const first = startMainJob(apiPort, dbPort, consolePort);
    await waitForOutput(first, /^ready: press Ctrl-C/m, 180_000);
    const output = first.output();
    expect(output).toContain('demo data: loaded');
    // The scheduler's long-running host started with the stack, next night in Oslo's 02:15.
    const nextNight = new Date(printed(output, /scheduler: nightly jobs next at (\S+);/));
    expect(nextNight.getTime()).toBeGreaterThan(Date.now());
    expect(nextNight.getTime() - Date.now()).toBeLessThanOrEqual(25 * 3600 * 1000);
    expect(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Oslo',
        hour: '2-digit',
        minute: '2-digit',
      }).format(nextNight),
    ).toBe('02:15');
    expect(output).toMatch(/"component":"scheduler".*"msg":"scheduler service started"/);
    const url = printed(output, /API URL\s+(\S+)/);
    expect(url).toBe(`http://127.0.0.1:${apiPort}`);
    const anonKey = printed(output, /anon key\s+(\S+)/);
    // The web console on its own origin: any route answers the app, /env.js points it here.
    const consoleUrl = printed(output, /web console\s+(\S+)/);
    expect(consoleUrl).toBe(`http://127.0.0.1:${consolePort}`);
    const consolePage = await fetch(`${consoleUrl}/chapters/some-chapter`);
    expect(consolePage.status).toBe(200);
    expect(await consolePage.text()).toContain('<div id="root"></div>');
    const consoleEnv = await (await fetch(`${consoleUrl}/env.js`)).text();
    expect(consoleEnv).toContain(`"VITE_SUPABASE_URL":"${url}"`);
    expect(consoleEnv).toContain(`"VITE_SUPABASE_ANON_KEY":"${anonKey}"`);
    firstKariToken = printedToken(output, 'kari.coordinator@hlf.demo');

    // The example the banner prints, run as printed: Kari lists Oslo's pauses.
    const kari = createClient(url, anonKey, {
      ...clientOptions,
      accessToken: async () => firstKariToken,
    });
    const oslo = await kari.rpc('get_active_pauses_for_chapter', {
      p_organization_id: hlf,
      p_chapter_id: demoId('hlf-oslo'),
    });
    expect(oslo.error).toBeNull();
    expect(
      ActivePauseRow.array()
        .parse(oslo.data)
        .map((row) => row.display_name),
    ).toEqual(['Jonas Dahl']);

    // Anna pauses herself with her printed token; that change must survive a restart.
    const anna = createClient(url, anonKey, {
      ...clientOptions,
      accessToken: async () => printedToken(output, 'anna@hlf.demo'),
    });
    const paused = await anna.rpc('activate_pause', {
      p_peer_mentor_id: demoId('hlf-anna'),
      p_organization_id: hlf,
      p_reason_code: 'personal',
    });
    expect(paused.error).toBeNull();
    expect(PeerMentorStatusRow.parse(paused.data).status).toBe('paused');

    // The printed password signs Per in as in production, and the session calls RPCs.
    const per = createClient(url, anonKey, clientOptions);
    const signedIn = await per.auth.signInWithPassword({
      email: 'per.coordinator@hlf.demo',
      password: printedPassword(output, 'per.coordinator@hlf.demo'),
    });
    expect(signedIn.error).toBeNull();
    const perOslo = await per.rpc('get_active_pauses_for_chapter', {
      p_organization_id: hlf,
      p_chapter_id: demoId('hlf-oslo'),
    });
    expect(perOslo.error).toBeNull();
    expect(ActivePauseRow.array().parse(perOslo.data).length).toBeGreaterThan(0);

    const db = new pg.Client({
      connectionString: `postgresql://postgres:postgres@127.0.0.1:${dbPort}/postgres`,
    });
    await db.connect();
    const { rows } = await db.query(
      `select (select count(*)::int from public.organizations) as organizations,
              (select count(*)::int from public.peer_mentors) as mentors,
              (select count(*)::int from supabase_migrations.schema_migrations) as migrations`,
    );
    await db.end();
    const migrationFiles = readdirSync(
      path.join(appRoot, '..', '..', 'packages', 'db', 'supabase', 'migrations'),
    ).filter((name) => name.endsWith('.sql'));
    expect(rows[0]).toEqual({ organizations: 2, mentors: 8, migrations: migrationFiles.length });

    pressCtrlC(first.child);
    expect(await first.exited, first.output().slice(-800)).toBe(0);
    expect(first.output()).toMatch(
      /stopping the scheduler[\s\S]*stopping the API[\s\S]*stopping PostgreSQL[\s\S]*\[start\] stopped/,
    );
    // pino's JSON lines reach stdout on their own schedule, so only their presence is certain.
    expect(first.output()).toMatch(/"component":"scheduler".*"msg":"scheduler service stopped"/);
    expect(await listening(apiPort)).toBe(false);
    expect(await listening(dbPort)).toBe(false);
    expect(await listening(consolePort)).toBe(false);
  }, 240_000);

  it('keeps the data and the JWT secret for the next start', async () => {
    const [apiPort, dbPort, consolePort] = [
      await freeLoopbackPort(),
      await freeLoopbackPort(),
      await freeLoopbackPort(),
    ];
    const second = startMainJob(apiPort, dbPort, consolePort);
    await waitForOutput(second, /^ready: press Ctrl-C/m, 150_000);
    const output = second.output();
    expect(output).toContain('reusing the existing cluster');
    expect(output).toContain('demo data: already present');
    const url = printed(output, /API URL\s+(\S+)/);
    const anonKey = printed(output, /anon key\s+(\S+)/);
    // A token printed by the first start still works: the secret was kept.
    const kari = createClient(url, anonKey, {
      ...clientOptions,
      accessToken: async () => firstKariToken,
    });
    const { data, error } = await kari.rpc('get_active_pauses_for_chapter', {
      p_organization_id: hlf,
      p_chapter_id: demoId('hlf-oslo'),
    });
    expect(error).toBeNull();
    expect(
      ActivePauseRow.array()
        .parse(data)
        .map((row) => row.display_name)
        .sort(),
    ).toEqual(['Anna Berg', 'Jonas Dahl']);
    pressCtrlC(second.child);
    expect(await second.exited).toBe(0);
  }, 200_000);
});
