/**
 * The API's production artifact (`pnpm --filter @peer-mentor/api bundle`): built from the
 * workspace, copied alone into an empty directory (no node_modules, so only what the bundle
 * inlined is there: production code, no dev dependency, no TypeScript loader) and started with
 * `node` as the container does. It answers /healthz with its version, logs the version, and
 * stops cleanly on SIGTERM.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import apiPackage from '../../../packages/api/package.json' with { type: 'json' };
import {
  buildBundle,
  freePort,
  isolate,
  nonBuiltinImports,
  type RunningProcess,
  startNode,
} from '../src/testing.js';

let built: ReturnType<typeof buildBundle>;
let copy: ReturnType<typeof isolate>;
let api: RunningProcess;
let port: number;

beforeAll(async () => {
  built = buildBundle('@peer-mentor/api');
  copy = isolate(built.dir);
  port = await freePort();
  api = startNode(copy.dir, 'server.mjs', {
    // Nothing listens there: /healthz must not need the database.
    DATABASE_URL: 'postgresql://authenticator@127.0.0.1:9/postgres',
    JWT_SECRET: 'a-legacy-jwt-secret-of-at-least-32-characters',
    API_PORT: String(port),
    NODE_ENV: 'production',
  });
  await api.waitForLine((line) => line.includes('"msg":"listening"'));
}, 120_000);

afterAll(() => {
  api?.child.kill('SIGKILL');
  copy?.remove();
  built?.remove();
});

describe('the API bundle', () => {
  it('is one ES module that imports nothing but Node built-ins', () => {
    expect(nonBuiltinImports(`${copy.dir}/server.mjs`)).toEqual([]);
  });

  it('starts alone and answers /healthz with the released version', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', version: apiPackage.version });
    const listening = JSON.parse(api.lines().find((line) => line.includes('listening'))!);
    expect(listening.version).toBe(apiPackage.version);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(api.lines().some((line) => line.includes('"msg":"stopped"'))).toBe(true);
  });
});
