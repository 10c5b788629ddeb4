/**
 * Serves the Edge Function (supabase/functions/nightly/index.ts) on this machine under the
 * real Deno runtime, from the npm package `deno` (its platform package ships the binary):
 * for the tests and the benchmark, and for trying the function against a local database.
 *
 * Deno resolves `pg` from this package's node_modules (--node-modules-dir=manual) and is given
 * an unreachable npm registry, so it can download nothing; it may connect to 127.0.0.1 only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const nightlyFunctionDir = path.join(packageRoot, 'supabase', 'functions', 'nightly');

/** The Deno binary of the pinned npm package `deno` (no install script needed). */
export function denoBinary(): string {
  const require = createRequire(import.meta.url);
  const denoPackage = path.dirname(require.resolve('deno/package.json'));
  const platform = `${process.platform}-${process.arch}`;
  const targets: Record<string, string> = {
    'linux-x64': 'linux-x64-glibc',
    'linux-arm64': 'linux-arm64-glibc',
    'darwin-x64': 'darwin-x64',
    'darwin-arm64': 'darwin-arm64',
    'win32-x64': 'win32-x64',
    'win32-arm64': 'win32-arm64',
  };
  const target = targets[platform];
  if (!target) throw new Error(`the npm package deno has no binary for ${platform}`);
  const binaryPackage = path.dirname(
    createRequire(path.join(denoPackage, 'package.json')).resolve(`@deno/${target}/package.json`),
  );
  return path.join(binaryPackage, process.platform === 'win32' ? 'deno.exe' : 'deno');
}

export interface LocalNightlyFunction {
  url: string;
  /** Everything the function printed (its JSON log lines). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts the function on 127.0.0.1 (a free port) with the given Edge Function environment. */
export async function serveNightlyFunctionLocally(
  env: Record<string, string>,
  options: { startTimeoutMs?: number } = {},
): Promise<LocalNightlyFunction> {
  const denoDir = mkdtempSync(path.join(os.tmpdir(), 'peer-mentor-deno-'));
  const child: ChildProcess = spawn(
    denoBinary(),
    [
      'run',
      '--node-modules-dir=manual',
      '--allow-net=127.0.0.1',
      '--allow-env',
      '--allow-read',
      'index.ts',
    ],
    {
      cwd: nightlyFunctionDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        DENO_DIR: denoDir,
        DENO_NO_UPDATE_CHECK: '1',
        DENO_NO_PROMPT: '1',
        NO_COLOR: '1',
        NPM_CONFIG_REGISTRY: 'http://127.0.0.1:9/',
        NIGHTLY_HOSTNAME: '127.0.0.1',
        NIGHTLY_PORT: '0',
        ...env,
      },
    },
  );
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`deno did not start listening:\n${output}`)),
      options.startTimeoutMs ?? 30_000,
    );
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /\{"message":"listening","hostname":"127\.0\.0\.1","port":(\d+)\}/.exec(
        output,
      );
      if (listening) {
        clearTimeout(timer);
        resolve(Number(listening[1]));
      }
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`deno exited with ${code} before listening:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    rmSync(denoDir, { recursive: true, force: true });
    throw error;
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(denoDir, { recursive: true, force: true });
    },
  };
}
