import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActivePauseRow } from '@peer-mentor/contracts';
import { demoId } from '@peer-mentor/db';
import { createClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freeMainJobPorts,
  listening,
  portFlags,
  printed,
  printedToken,
  startMainJob,
  typeCtrlC,
  waitForOutput,
} from './support/main-job.js';

// The README's main command as root from a clone under a private (0700) directory, the usual
// home of root on Debian and in containers: the server runs as the `postgres` user, which can
// enter neither the clone's .local nor its node_modules. With no --data-dir, the main job must
// still start, say where it put the database and the PostgreSQL programs, and stop cleanly.
// Only root meets this (everyone else runs the server as themselves), so only root runs it.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const asRoot = process.getuid?.() === 0;

describe.skipIf(!asRoot)('the main job from a clone under a 0700 directory, as root', () => {
  let home = '';
  let clone = '';
  let movedDataDir: string | undefined;

  beforeAll(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'pm-private-home-'));
    expect(statSync(home).mode & 0o777).toBe(0o700);
    clone = path.join(home, 'peer-mentor-pause');
    mkdirSync(clone);
    // The working tree as a clone has it (tracked and new files, nothing ignored), then the
    // README's install from the lockfile (offline: the store already holds every package).
    execFileSync(
      'bash',
      [
        '-c',
        'set -o pipefail; git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$0"',
        clone,
      ],
      { cwd: repoRoot, stdio: 'pipe' },
    );
    execFileSync('pnpm', ['install', '--frozen-lockfile', '--offline'], {
      cwd: clone,
      stdio: 'pipe',
      timeout: 240_000,
    });
    // The web console's build output, when this checkout has it: building it again in the
    // clone is not what this test is about (the main job builds it when it is missing).
    const consoleDist = path.join(repoRoot, 'apps', 'admin', 'dist');
    if (existsSync(path.join(consoleDist, 'index.html'))) {
      cpSync(consoleDist, path.join(clone, 'apps', 'admin', 'dist'), { recursive: true });
    }
  }, 300_000);

  afterAll(() => {
    if (home) rmSync(home, { recursive: true, force: true });
    if (movedDataDir) rmSync(path.dirname(movedDataDir), { recursive: true, force: true });
  });

  it('pnpm start with no --data-dir: chooses reachable places, says where, serves, and Ctrl-C exits 0', async () => {
    const ports = await freeMainJobPorts();
    const { apiPort, dbPort, consolePort } = ports;
    const started = startMainJob({
      cwd: clone,
      args: portFlags(ports),
      how: 'terminal',
    });
    await waitForOutput(started, /^ready: press Ctrl-C/m, 240_000);
    const output = started.output();

    movedDataDir = printed(output, /the database lives in (\S+) instead/);
    expect(movedDataDir).toMatch(/^\/var\/tmp\/peer-mentor-[0-9a-f]{8}\/postgres$/);
    expect(output).toContain(`cannot reach ${path.join(clone, '.local', 'postgres')}`);
    expect(output).toContain(`(data: ${movedDataDir})`);
    const programs = printed(output, /PostgreSQL programs: (\S+) \(copied once from/);
    expect(programs.startsWith('/var/tmp/peer-mentor-postgres-')).toBe(true);
    expect(output).not.toMatch(/EACCES|\n\s+at /);

    const url = printed(output, /API URL\s+(\S+)/);
    const kari = createClient(url, printed(output, /anon key\s+(\S+)/), {
      auth: { persistSession: false, autoRefreshToken: false },
      accessToken: async () => printedToken(output, 'kari.coordinator@hlf.demo'),
    });
    const oslo = await kari.rpc('get_active_pauses_for_chapter', {
      p_organization_id: demoId('hlf'),
      p_chapter_id: demoId('hlf-oslo'),
    });
    expect(oslo.error).toBeNull();
    expect(ActivePauseRow.array().parse(oslo.data).length).toBeGreaterThan(0);

    typeCtrlC(started);
    expect(await started.exited, started.output().slice(-1500)).toBe(0);
    expect(started.output()).toMatch(/\[start\] stopped/);
    expect(await listening(apiPort)).toBe(false);
    expect(await listening(dbPort)).toBe(false);
    expect(await listening(consolePort)).toBe(false);
  }, 300_000);
});
