/**
 * Every deploy artifact builds from a clean checkout with one command each, as CI and the
 * deploy workflows build them: a fresh clone of the committed tree, dependencies from the
 * lockfile (offline, from the store), no prior `build` of any package. The build output is
 * ignored by git, so a release commit can never carry it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/lint-deploy.js';

let clone: string;

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: clone, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

beforeAll(() => {
  clone = join(mkdtempSync(join(tmpdir(), 'pm-checkout-')), 'repo');
  spawnSync('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, clone], { encoding: 'utf8' });
  run('pnpm', ['install', '--frozen-lockfile', '--offline']);
}, 180_000);

afterAll(() => {
  if (clone) rmSync(join(clone, '..'), { recursive: true, force: true });
});

describe('a clean checkout', () => {
  it('builds the API bundle', () => {
    run('pnpm', ['--filter', '@peer-mentor/api', 'bundle']);
    expect(existsSync(join(clone, 'packages/api/bundle/server.mjs'))).toBe(true);
    expect(existsSync(join(clone, 'packages/api/bundle/package.json'))).toBe(true);
  });

  it('builds the scheduler bundle', () => {
    run('pnpm', ['--filter', '@peer-mentor/scheduler', 'bundle']);
    expect(existsSync(join(clone, 'packages/scheduler/bundle/cli.mjs'))).toBe(true);
  });

  it('builds the nightly Edge Function bundle', () => {
    run('pnpm', ['--filter', '@peer-mentor/scheduler', 'bundle:edge']);
    const project = join(clone, 'packages/scheduler/bundle-edge/supabase');
    expect(existsSync(join(project, 'config.toml'))).toBe(true);
    expect(existsSync(join(project, 'functions/nightly/index.js'))).toBe(true);
  });

  it('builds the console artifact: the static build with a placeholder env.js, no build report', () => {
    run('pnpm', ['--filter', '@peer-mentor/admin', 'build:artifact']);
    const artifact = join(clone, 'apps/admin/artifact');
    expect(existsSync(join(artifact, 'index.html'))).toBe(true);
    expect(readFileSync(join(artifact, 'env.js'), 'utf8')).not.toContain('__PM_ENV__ =');
    expect(existsSync(join(artifact, 'bundle-budget.json'))).toBe(false);
    const { version } = JSON.parse(readFileSync(join(clone, 'apps/admin/package.json'), 'utf8'));
    expect(JSON.parse(readFileSync(join(artifact, 'version.json'), 'utf8'))).toEqual({ version });
    // Its environment and headers are written at deploy time, not by the build.
    expect(existsSync(join(artifact, '_headers'))).toBe(false);
  });

  it('checks the migrations the db deploy pushes, as they are in the repository', () => {
    const files = run('git', ['ls-files', 'packages/db/supabase/migrations']).trim().split('\n');
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((file) => /\/\d{14}_[a-z0-9_]+\.sql$/.test(file))).toBe(true);
  });

  it('needed no package build and leaves nothing for git to commit', () => {
    for (const pkg of ['api', 'scheduler', 'db', 'contracts', 'dynamics-client']) {
      expect(existsSync(join(clone, `packages/${pkg}/dist`)), pkg).toBe(false);
    }
    expect(run('git', ['status', '--porcelain'])).toBe('');
  });
});
