import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { demoId } from '../src/demo/demo-data.js';
import { packageRoot } from '../src/paths.js';
import { freeLoopbackPort } from '../src/postgres/local-cluster.js';

// Runs `pnpm start`'s script as a user would: embedded PostgreSQL, migrations through the
// Supabase CLI, demo data; then Ctrl-C; then a second start that keeps the data.
const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'pm-main-job-')), 'postgres');
// mkdtemp makes a private (0700) directory; as root the server runs as `postgres` and must reach it.
chmodSync(path.dirname(dataDir), 0o755);
afterAll(() => rmSync(path.dirname(dataDir), { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startMainJob(port: number): Started {
  // DATABASE_URL would point it at another server; this test is about the embedded one.
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const child = spawn(
    path.join(packageRoot, 'node_modules', '.bin', 'tsx'),
    [
      '--conditions=@peer-mentor/source',
      'scripts/start.ts',
      '--port',
      String(port),
      '--data-dir',
      dataDir,
    ],
    // Its own process group, so `pressCtrlC` can signal the group the way a terminal does.
    { cwd: packageRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
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

async function waitForOutput(started: Started, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(started.output())) {
    if (started.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`main job did not print ${pattern}; output so far:\n${started.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Runs the statements in order on one connection; returns the last one's rows. */
async function query<T extends pg.QueryResultRow>(
  port: number,
  ...statements: string[]
): Promise<T[]> {
  const client = new pg.Client({
    connectionString: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`,
  });
  await client.connect();
  try {
    let rows: T[] = [];
    for (const statement of statements) rows = (await client.query<T>(statement)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

/** What a terminal does on Ctrl-C: SIGINT to every process of the foreground group. */
function pressCtrlC(child: ChildProcess): void {
  if (child.pid) process.kill(-child.pid, 'SIGINT');
}

const running = new Set<ChildProcess>();
afterAll(async () => {
  for (const child of running) pressCtrlC(child);
  await new Promise((resolve) => setTimeout(resolve, running.size > 0 ? 3000 : 0));
});

describe('the main job (pnpm start)', () => {
  it('starts PostgreSQL, migrates, loads demo data, prints how to connect, and stops on Ctrl-C', async () => {
    const port = await freeLoopbackPort();
    const first = startMainJob(port);
    await waitForOutput(first, /^ready: press Ctrl-C/m, 150_000);
    expect(first.output()).toContain(`postgresql://postgres:postgres@127.0.0.1:${port}/postgres`);
    expect(first.output()).toContain('demo data: loaded');

    const [counts] = await query<Record<string, number>>(
      port,
      `select (select count(*)::int from public.organizations) as organizations,
              (select count(*)::int from public.peer_mentors) as mentors,
              (select count(*)::int from public.peer_mentor_status where status = 'paused') as paused,
              (select count(*)::int from public.peer_mentor_status_log) as log_rows,
              (select count(*)::int from supabase_migrations.schema_migrations) as migrations`,
    );
    expect(counts).toEqual({ organizations: 2, mentors: 8, paused: 4, log_rows: 4, migrations: 2 });

    // The query the banner suggests works as printed: Kari sees Jonas's pause in Oslo.
    const oslo = await query<{ display_name: string }>(
      port,
      'begin',
      `select set_config('role', 'authenticated', true),
              set_config('request.jwt.claims', '{"sub":"${demoId('hlf-kari')}","role":"authenticated","app_metadata":{"organization_id":"${demoId('hlf')}"}}', true)`,
      `select display_name from public.get_active_pauses_for_chapter('${demoId('hlf')}', '${demoId('hlf-oslo')}')`,
    );
    expect(oslo.map((row) => row.display_name)).toEqual(['Jonas Dahl']);

    pressCtrlC(first.child);
    const firstExit = await first.exited;
    expect(firstExit, first.output().slice(-600)).toBe(0);
    expect(first.output()).toContain('[start] stopped');
    await expect(query(port, 'select 1')).rejects.toThrow();
  }, 200_000);

  it('keeps the data for the next start', async () => {
    const port = await freeLoopbackPort();
    const second = startMainJob(port);
    await waitForOutput(second, /^ready: press Ctrl-C/m, 120_000);
    expect(second.output()).toContain('reusing the existing cluster');
    expect(second.output()).toContain('demo data: already present');
    const [row] = await query<{ n: number }>(
      port,
      'select count(*)::int as n from public.peer_mentor_status_log',
    );
    expect(row?.n).toBe(4);
    pressCtrlC(second.child);
    expect(await second.exited).toBe(0);
  }, 150_000);
});
