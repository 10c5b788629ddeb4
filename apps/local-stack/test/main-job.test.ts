import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActivePauseRow, PeerMentorStatusRow } from '@peer-mentor/contracts';
import { demoId } from '@peer-mentor/db';
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  freeMainJobPorts,
  listening,
  type MainJobPorts,
  portFlags,
  pressCtrlC,
  printed,
  printedPassword,
  printedToken,
  startMainJob,
  typeCtrlC,
  waitForOutput,
} from './support/main-job.js';

// Runs the main job as a user would (`pnpm start` runs this same entry point): embedded
// PostgreSQL, migrations through the Supabase CLI, demo data, the API; calls an RPC through
// supabase-js with what it printed; Ctrl-C; then a second start that keeps the data.

const appRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(appRoot, '..', '..');
const stateDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'pm-local-stack-')), 'state');
// mkdtemp makes a private (0700) directory; as root the server runs as `postgres` and must reach it.
chmodSync(path.dirname(stateDir), 0o755);
afterAll(() => rmSync(path.dirname(stateDir), { recursive: true, force: true }));

const flagsFor = (ports: MainJobPorts) => [...portFlags(ports), '--data-dir', stateDir];

const hlf = demoId('hlf');
const clientOptions = { auth: { persistSession: false, autoRefreshToken: false } };

describe('the main job (pnpm start)', () => {
  let firstKariToken = '';

  it('starts PostgreSQL, migrates, loads demo data, serves the API; supabase-js works with what it prints; Ctrl-C stops it', async () => {
    const ports = await freeMainJobPorts();
    const { apiPort, dbPort, consolePort } = ports;
    const first = startMainJob({ cwd: appRoot, args: flagsFor(ports) });
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
    const consoleUrl = printed(output, /web console\s+(http\S+)/);
    expect(consoleUrl).toBe(`http://127.0.0.1:${consolePort}`);
    const consolePage = await fetch(`${consoleUrl}/chapters/some-chapter`);
    expect(consolePage.status).toBe(200);
    expect(await consolePage.text()).toContain('<div id="root"></div>');
    // The headers a static host sends for the deployed console: connections only to this API.
    expect(consolePage.headers.get('content-security-policy')).toContain(`connect-src ${url};`);
    expect(consolePage.headers.get('cache-control')).toBe('no-cache');
    expect(consolePage.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetch(`${consoleUrl}/assets/no-such-file.js`)).status).toBe(404);
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
    const migrationFiles = readdirSync(
      path.join(appRoot, '..', '..', 'packages', 'db', 'supabase', 'migrations'),
    ).filter((name) => name.endsWith('.sql'));
    expect(rows[0]).toEqual({ organizations: 2, mentors: 8, migrations: migrationFiles.length });
    // The API's connections logged in as authenticator, never as the superuser.
    const { rows: logins } = await db.query(
      `select distinct usename::text as login from pg_catalog.pg_stat_activity
        where application_name = 'peer-mentor-api'`,
    );
    expect(logins).toEqual([{ login: 'authenticator' }]);
    await db.end();

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
    const ports = await freeMainJobPorts();
    const second = startMainJob({ cwd: appRoot, args: flagsFor(ports) });
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

  it('pnpm start in a terminal: Ctrl-C stops everything and exits 0, without a pnpm error', async () => {
    const ports = await freeMainJobPorts();
    const { apiPort, dbPort, consolePort } = ports;
    const started = startMainJob({
      cwd: repoRoot,
      args: flagsFor(ports),
      how: 'terminal',
    });
    await waitForOutput(started, /^ready: press Ctrl-C/m, 150_000);
    typeCtrlC(started);
    expect(await started.exited, started.output().slice(-1500)).toBe(0);
    const output = started.output();
    expect(output).toMatch(
      /Ctrl-C: shutting down[\s\S]*stopping PostgreSQL[\s\S]*\[start\] stopped/,
    );
    expect(output).not.toMatch(/ERR_PNPM|ELIFECYCLE/);
    expect(await listening(apiPort)).toBe(false);
    expect(await listening(dbPort)).toBe(false);
    expect(await listening(consolePort)).toBe(false);
  }, 200_000);
});
