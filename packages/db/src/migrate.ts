import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { packageRoot, platformLayerFile } from './paths.js';

export type Logger = (line: string) => void;

/**
 * Applies the local Supabase platform layer unless the database already has Supabase's auth
 * schema (a real project, or a database this already ran on). Returns what it did.
 */
export async function applyPlatformLayer(databaseUrl: string): Promise<'applied' | 'skipped'> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ present: boolean }>(
      // auth.refresh_tokens, not auth.users: a database set up by an older platform layer
      // (users only) gets the newer one applied over it; the file is idempotent.
      "select to_regclass('auth.refresh_tokens') is not null as present",
    );
    if (rows[0]?.present) return 'skipped';
    await client.query(readFileSync(platformLayerFile, 'utf8'));
    return 'applied';
  } finally {
    await client.end();
  }
}

/** The connection string as the Supabase CLI wants it: loopback servers have no TLS. */
export function cliDatabaseUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (loopback && !url.searchParams.has('sslmode')) url.searchParams.set('sslmode', 'disable');
  return url.toString();
}

/** Path of the pinned Supabase CLI's entry point (npm package `supabase`). */
export function supabaseCliEntry(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('supabase/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin: { supabase: string } };
  return path.join(path.dirname(manifestPath), manifest.bin.supabase);
}

/** Runs the Supabase CLI in this package's project directory; resolves with its output. */
export function runSupabaseCli(args: string[], log?: Logger): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [supabaseCliEntry(), ...args, '--workdir', packageRoot], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DO_NOT_TRACK: '1', SUPABASE_TELEMETRY_DISABLED: '1' },
    });
    let stdout = '';
    let output = '';
    const collect = (chunk: Buffer, isStdout: boolean) => {
      const text = chunk.toString();
      output += text;
      if (isStdout) stdout += text;
      for (const line of text.split('\n')) if (line.trim()) log?.(line);
    };
    child.stdout.on('data', (chunk: Buffer) => collect(chunk, true));
    child.stderr.on('data', (chunk: Buffer) => collect(chunk, false));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else
        reject(new Error(`supabase ${args[0]} ${args[1] ?? ''} exited with ${code}:\n${output}`));
    });
  });
}

/** Applies pending migrations with the real Supabase CLI, as against a hosted project. */
export async function pushMigrations(databaseUrl: string, log?: Logger): Promise<void> {
  await runSupabaseCli(['db', 'push', '--db-url', cliDatabaseUrl(databaseUrl), '--yes'], log);
}

/** `pnpm db:migrate`: platform layer where needed, then the migrations. */
export async function migrate(databaseUrl: string, log?: Logger): Promise<void> {
  const platform = await applyPlatformLayer(databaseUrl);
  log?.(
    platform === 'applied'
      ? 'applied the local Supabase platform layer'
      : 'auth.refresh_tokens exists: Supabase platform present, platform layer skipped',
  );
  await pushMigrations(databaseUrl, log);
}
