/**
 * The scripts the deploy workflows call: release-tag (what a tag names, checked against the
 * checkout) and wait-for-version (a deploy ends when /healthz reports the new version).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import apiPackage from '../../../packages/api/package.json' with { type: 'json' };
import { resolveReleaseTag } from '../src/release-tag.js';
import { waitForVersion } from '../src/wait-for-version.js';

describe('release-tag', () => {
  it('names the package directory and version of a tag that matches the checkout', () => {
    expect(resolveReleaseTag(`@peer-mentor/api@${apiPackage.version}`)).toEqual({
      name: '@peer-mentor/api',
      dir: 'packages/api',
      version: apiPackage.version,
    });
  });

  it('refuses a tag whose version the checkout does not have, an unknown package, a non-tag', () => {
    expect(() => resolveReleaseTag('@peer-mentor/api@99.0.0')).toThrow(
      `@peer-mentor/api@99.0.0: packages/api/package.json is at ${apiPackage.version}`,
    );
    expect(() => resolveReleaseTag('@peer-mentor/nothing@1.0.0')).toThrow('no workspace package');
    expect(() => resolveReleaseTag('v1.0.0')).toThrow('is not a release tag');
  });

  it('writes the step outputs for GitHub Actions, and exits 1 on a wrong tag', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pm-output-'));
    try {
      const output = join(dir, 'output');
      const ok = spawnSync(
        'pnpm',
        ['exec', 'tsx', 'src/release-tag.ts', `@peer-mentor/api@${apiPackage.version}`],
        {
          cwd: join(import.meta.dirname, '..'),
          encoding: 'utf8',
          env: { ...process.env, GITHUB_OUTPUT: output },
        },
      );
      expect(ok.status).toBe(0);
      expect(readFileSync(output, 'utf8')).toBe(
        `name=@peer-mentor/api\ndir=packages/api\nversion=${apiPackage.version}\n`,
      );
      const wrong = spawnSync(
        'pnpm',
        ['exec', 'tsx', 'src/release-tag.ts', '@peer-mentor/api@99.0.0'],
        {
          cwd: join(import.meta.dirname, '..'),
          encoding: 'utf8',
        },
      );
      expect(wrong.status).toBe(1);
      expect(wrong.stderr).toContain('packages/api/package.json is at');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('wait-for-version', () => {
  let served = '0.1.0';
  let server: Server;
  const url = new Promise<string>((resolve) => {
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: 'ok', version: served }));
    }).listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(
        `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/healthz`,
      );
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('waits while the old version serves and returns once the new one does', async () => {
    served = '0.1.0';
    setTimeout(() => {
      served = '0.2.0';
    }, 250);
    const polls = await waitForVersion(await url, '0.2.0', { intervalMs: 50, timeoutMs: 5_000 });
    expect(polls).toBeGreaterThan(1);
  });

  it('gives up after the timeout with the last answer', async () => {
    served = '0.1.0';
    await expect(
      waitForVersion(await url, '0.3.0', { intervalMs: 50, timeoutMs: 300 }),
    ).rejects.toThrow('did not report version 0.3.0 in time (last: HTTP 200, version 0.1.0)');
    await expect(
      waitForVersion('http://127.0.0.1:9/healthz', '0.3.0', { intervalMs: 50, timeoutMs: 200 }),
    ).rejects.toThrow('did not report version 0.3.0 in time');
  });
});
