import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPostgresBinaries, freeLoopbackPort, startEmbeddedServer } from '../src/index.js';

// A server program that cannot be started is an error that says which, as whom and why (the
// main job prints it), never an unhandled 'error' event with a stack trace. As root the
// programs run as `postgres`, and a build inside a private directory is out of its reach.

const asRoot = process.getuid?.() === 0;
const base = mkdtempSync(path.join(os.tmpdir(), 'pm-embedded-'));
chmodSync(base, 0o755);
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe.skipIf(!asRoot)('embedded server start failures, as root', () => {
  it('a postgres program the postgres user cannot reach is a clear error', async () => {
    // An existing cluster (so no initdb) and the machine's postgres behind a 0700 directory.
    const dataDir = path.join(base, 'existing');
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, 'PG_VERSION'), '15\n');
    const postgresUser = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    chownSync(dataDir, postgresUser, -1);
    const privateBin = path.join(base, 'private');
    mkdirSync(privateBin, { mode: 0o700 });
    symlinkSync(
      path.join(findPostgresBinaries().binDir, 'postgres'),
      path.join(privateBin, 'postgres'),
    );

    const started = startEmbeddedServer({
      dataDir,
      port: await freeLoopbackPort(),
      binDir: privateBin,
    });
    await expect(started).rejects.toThrow(
      `could not start ${privateBin}/postgres as the "postgres" user: the "postgres" user may not execute it or cannot reach it (a parent directory is private, like a 0700 home) (EACCES)`,
    );
  });

  it('an initdb that does not exist is a clear error', async () => {
    const started = startEmbeddedServer({
      dataDir: path.join(base, 'fresh'),
      port: await freeLoopbackPort(),
      binDir: path.join(base, 'no-such-build', 'bin'),
    });
    await expect(started).rejects.toThrow(
      /no-such-build\/bin\/initdb .* exited with \d+:\s*runuser: failed to execute .*No such file or directory/,
    );
  });
});
