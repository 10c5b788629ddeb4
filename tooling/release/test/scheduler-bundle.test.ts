/**
 * The scheduler's production artifact (`pnpm --filter @peer-mentor/scheduler bundle`): built
 * from the workspace, copied alone into an empty directory (no node_modules: no dev dependency,
 * no TypeScript loader) and run with `node` as the container does. Without a command it prints
 * its usage and exits 64, `--help` exits 0; `serve` logs its version, starts, and stops cleanly
 * on SIGTERM.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import schedulerPackage from '../../../packages/scheduler/package.json' with { type: 'json' };
import { buildBundle, isolate, nonBuiltinImports, startNode } from '../src/testing.js';

let built: ReturnType<typeof buildBundle>;
let copy: ReturnType<typeof isolate>;

beforeAll(() => {
  built = buildBundle('@peer-mentor/scheduler');
  copy = isolate(built.dir);
}, 120_000);

afterAll(() => {
  copy?.remove();
  built?.remove();
});

describe('the scheduler bundle', () => {
  it('is one ES module that imports nothing but Node built-ins', () => {
    expect(nonBuiltinImports(`${copy.dir}/cli.mjs`)).toEqual([]);
  });

  it('prints its usage and exits 64 when given no command', async () => {
    const cli = startNode(copy.dir, 'cli.mjs', {});
    let stderr = '';
    cli.child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    expect(await cli.exited).toBe(64);
    expect(stderr).toContain('usage:');
    expect(stderr).toContain('scheduler serve');
  });

  it('answers --help with its usage and exit code 0', async () => {
    const help = startNode(copy.dir, 'cli.mjs', {}, ['--help']);
    expect(await help.exited).toBe(0);
    expect(help.lines().join('\n')).toContain('scheduler serve');
  });

  it('serves with its version in the log and stops on SIGTERM with exit code 0', async () => {
    const service = startNode(
      copy.dir,
      'cli.mjs',
      {
        // The service connects on its schedule, not at start: nothing needs to listen here.
        DATABASE_URL: 'postgresql://postgres@127.0.0.1:9/postgres',
      },
      ['serve'],
    );
    const starting = await service.waitForLine((line) => line.includes('service starting'));
    expect(JSON.parse(starting).version).toBe(schedulerPackage.version);
    await service.waitForLine((line) => line.includes('scheduler service started'));
    service.child.kill('SIGTERM');
    expect(await service.exited, service.lines().join('\n')).toBe(0);
    expect(service.lines().some((line) => line.includes('scheduler service stopped'))).toBe(true);
  });
});
