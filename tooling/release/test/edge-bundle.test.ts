/**
 * The nightly Edge Function's deploy artifact (`pnpm --filter @peer-mentor/scheduler
 * bundle:edge`): a Supabase project directory whose config.toml points `supabase functions
 * deploy nightly` at one bundled module. Copied alone into an empty directory and served by the
 * real Deno runtime with no node_modules and an unreachable npm registry, the bundle starts and
 * refuses a call without the service key, as the function does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import schedulerPackage from '../../../packages/scheduler/package.json' with { type: 'json' };
// The scheduler's own lookup of the pinned Deno binary (npm package deno).
import { denoBinary } from '../../../packages/scheduler/src/hosts/edge-function/serve-locally.js';
import { isolate } from '../src/testing.js';

let outDir: string;
let copy: ReturnType<typeof isolate>;

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
          SUPABASE_DB_URL: 'postgresql://postgres@127.0.0.1:9/postgres',
          SUPABASE_SERVICE_ROLE_KEY: 'legacy-service-role-key-for-tests',
          NIGHTLY_HOSTNAME: '127.0.0.1',
          NIGHTLY_PORT: '0',
        },
      },
    );
    try {
      let output = '';
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
      const refused = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' });
      expect(refused.status).toBe(401);
      await refused.body?.cancel();
    } finally {
      child.kill('SIGKILL');
      rmSync(denoDir, { recursive: true, force: true });
    }
  });
});
