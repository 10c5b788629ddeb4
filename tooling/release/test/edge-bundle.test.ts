/**
 * The nightly Edge Function's deploy artifact (`pnpm --filter @peer-mentor/scheduler
 * bundle:edge`): a Supabase project directory whose config.toml points `supabase functions
 * deploy nightly` at one bundled module. Copied alone into an empty directory and served by the
 * real Deno runtime with no node_modules and an unreachable npm registry, the bundle starts,
 * refuses a call without the service key, and with it runs the nightly jobs on a database the
 * Supabase CLI migrated (a clone of the test server's template).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../../packages/db/src/index.js';
import { useTestDatabase } from '../../../packages/db/src/testing/index.js';
import schedulerPackage from '../../../packages/scheduler/package.json' with { type: 'json' };
// The scheduler's own lookup of the pinned Deno binary (npm package deno).
import { denoBinary } from '../../../packages/scheduler/src/hosts/edge-function/serve-locally.js';
import { deployNightlyWithCli } from '../../../packages/scheduler/test/support/functions-deploy.js';
import {
  addDays,
  addMentors,
  createOrganization,
  mentorStates,
  runsOf,
  todayIn,
} from '../../../packages/scheduler/test/support/roster.js';
import { isolate } from '../src/testing.js';

const SERVICE_KEY = 'legacy-service-role-key-for-tests';
// A database of the test server, cloned from the template the Supabase CLI migrated.
const database = useTestDatabase();
let outDir: string;
let copy: ReturnType<typeof isolate>;

/** The bundled function alone under Deno (no node_modules, no registry) on a free port. */
async function serveBundle(databaseUrl: string): Promise<{ url: string; stop: () => void }> {
  const denoDir = mkdtempSync(join(tmpdir(), 'pm-edge-deno-'));
  const child = spawn(
    denoBinary(),
    ['run', '--allow-net=127.0.0.1', '--allow-env', '--allow-read', 'index.js'],
    {
      cwd: join(copy.dir, 'supabase/functions/nightly'),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        DENO_DIR: denoDir,
        DENO_NO_UPDATE_CHECK: '1',
        NO_COLOR: '1',
        NPM_CONFIG_REGISTRY: 'http://127.0.0.1:9/',
        SUPABASE_DB_URL: databaseUrl,
        SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY,
        NIGHTLY_HOSTNAME: '127.0.0.1',
        NIGHTLY_PORT: '0',
      },
    },
  );
  const stop = () => {
    child.kill('SIGKILL');
    rmSync(denoDir, { recursive: true, force: true });
  };
  let output = '';
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not listening:\n${output}`)), 30_000);
      const take = (chunk: Buffer) => {
        output += chunk.toString();
        const listening = /"message":"listening","hostname":"127\.0\.0\.1","port":(\d+)/.exec(
          output,
        );
        if (listening) {
          clearTimeout(timer);
          resolve(Number(listening[1]));
        }
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      child.once('exit', (code) => reject(new Error(`deno exited with ${code}:\n${output}`)));
    });
    return { url: `http://127.0.0.1:${port}/`, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'pm-edge-bundle-'));
  const built = spawnSync(
    'pnpm',
    ['--filter', '@peer-mentor/scheduler', 'run', 'bundle:edge', '--out', outDir],
    { encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`bundle:edge failed:\n${built.stderr}${built.stdout}`);
  copy = isolate(outDir);
}, 180_000);

afterAll(() => {
  copy?.remove();
  rmSync(outDir, { recursive: true, force: true });
});

describe('the nightly Edge Function bundle', () => {
  it('is a project directory that deploys the bundled module as `nightly`', () => {
    const config = readFileSync(join(copy.dir, 'supabase/config.toml'), 'utf8');
    expect(config).toContain('[functions.nightly]');
    expect(config).toContain('entrypoint = "./functions/nightly/index.js"');
    expect(config).toContain('verify_jwt = false');
    const entry = readFileSync(join(copy.dir, 'supabase/functions/nightly/index.js'), 'utf8');
    expect(entry.split('\n')[0]).toBe(
      `// @peer-mentor/scheduler@${schedulerPackage.version}: the nightly Edge Function, bundled.`,
    );
    // pg and the job code are inside: nothing is left to fetch at deploy or run time.
    expect(entry).not.toMatch(/from\s+["'](npm:|\.\.?\/)/);
  });

  it('runs under Deno with nothing else and refuses a call without the service key', async () => {
    const served = await serveBundle('postgresql://postgres@127.0.0.1:9/postgres');
    try {
      const refused = await fetch(served.url, { method: 'POST', body: '{}' });
      expect(refused.status).toBe(401);
      await refused.body?.cancel();
    } finally {
      served.stop();
    }
  });

  it('runs the nightly jobs on a database the Supabase CLI migrated: the run is recorded, expired certifications pause their mentors', async () => {
    const db = createDb(database.url, { maxConnections: 2 });
    const served = await serveBundle(database.url);
    try {
      const today = await todayIn(db.pool, 'Europe/Oslo');
      const organization = await createOrganization(db.pool);
      const [expired, alsoExpired, valid] = await addMentors(db.pool, organization, [
        { validUntil: addDays(today, -1) },
        { validUntil: addDays(today, -3) },
        { validUntil: addDays(today, 30) },
      ]);
      const response = await fetch(served.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${SERVICE_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ jobs: ['certification-expiry'], date: today }),
      });
      const answer = (await response.json()) as { done: boolean; mentorsChanged: number };
      expect(response.status, JSON.stringify(answer)).toBe(200);
      expect(answer).toMatchObject({ done: true, mentorsChanged: 2 });
      const states = await mentorStates(db.pool, [expired!, alsoExpired!, valid!]);
      expect(states.map((state) => [state.status, state.reasonCode])).toEqual([
        ['paused', 'certification_expired'],
        ['paused', 'certification_expired'],
        ['active', null],
      ]);
      expect(await runsOf(db.pool, organization.id)).toEqual([
        expect.objectContaining({
          job: 'certification_expiry',
          runDate: today,
          host: 'edge-function',
          outcome: 'completed',
          examined: 2,
          mentorsChanged: 2,
        }),
      ]);
    } finally {
      served.stop();
      await db.close();
    }
  });
});

describe('deploying the bundle (real Supabase CLI)', () => {
  it('sends the one bundled module as the entry point, with the JWT check off', async () => {
    const result = await deployNightlyWithCli(copy.dir);
    expect(result.code, result.output).toBe(0);
    expect(result.deploys).toEqual([
      {
        slug: 'nightly',
        metadata: expect.objectContaining({
          name: 'nightly',
          entrypoint_path: 'supabase/functions/nightly/index.js',
          verify_jwt: false,
        }),
        files: ['supabase/functions/nightly/index.js'],
      },
    ]);
  }, 120_000);
});
