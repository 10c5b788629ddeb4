/**
 * Changesets on a copy of this workspace's manifests and .changeset/config.json: a change to
 * one deployable package bumps that package (and what depends on it), writes its CHANGELOG, and
 * `changeset tag` names the release `<package>@<version>`; only contracts is publishable.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const changesetBin = join(
  dirname(createRequire(import.meta.url).resolve('@changesets/cli/package.json')),
  'bin.js',
);

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
}

/** Workspace package directories (relative), as pnpm-workspace.yaml lists them. */
function workspaceDirs(): string[] {
  return ['apps', 'packages', 'tooling'].flatMap((group) =>
    existsSync(join(root, group))
      ? readdirSync(join(root, group))
          .map((name) => `${group}/${name}`)
          .filter((dir) => existsSync(join(root, dir, 'package.json')))
      : [],
  );
}

let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** A scratch workspace: the manifests and the changesets config, nothing pending. */
function scratchWorkspace(): { dir: string; versions: () => Map<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'pm-changesets-'));
  scratch = dir;
  for (const file of ['package.json', 'pnpm-workspace.yaml', '.changeset/config.json']) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(root, file), join(dir, file));
  }
  for (const pkg of workspaceDirs()) {
    mkdirSync(join(dir, pkg), { recursive: true });
    cpSync(join(root, pkg, 'package.json'), join(dir, pkg, 'package.json'));
  }
  const versions = () =>
    new Map(
      workspaceDirs().map((pkg) => {
        const manifest = JSON.parse(readFileSync(join(dir, pkg, 'package.json'), 'utf8'));
        return [(manifest as Manifest).name, (manifest as Manifest).version];
      }),
    );
  return { dir, versions };
}

function run(dir: string, command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}:\n${result.stderr}`);
  return result.stdout;
}

function addChangeset(dir: string, name: string, bumps: Record<string, string>) {
  const front = Object.entries(bumps)
    .map(([pkg, bump]) => `"${pkg}": ${bump}`)
    .join('\n');
  writeFileSync(join(dir, '.changeset', `${name}.md`), `---\n${front}\n---\n\nA change.\n`);
}

function changed(before: Map<string, string>, after: Map<string, string>) {
  return Object.fromEntries(
    [...after].filter(([name, version]) => before.get(name) !== version),
  ) as Record<string, string>;
}

describe('changesets', () => {
  it('versions a change to the API alone: only the API is bumped, with its CHANGELOG', () => {
    const workspace = scratchWorkspace();
    const before = workspace.versions();
    addChangeset(workspace.dir, 'api-only', { '@peer-mentor/api': 'minor' });
    run(workspace.dir, process.execPath, [changesetBin, 'version']);
    const [major, minor] = before.get('@peer-mentor/api')!.split('.').map(Number);
    expect(changed(before, workspace.versions())).toEqual({
      '@peer-mentor/api': `${major}.${minor! + 1}.0`,
    });
    const changelog = readFileSync(join(workspace.dir, 'packages/api/CHANGELOG.md'), 'utf8');
    expect(changelog).toContain('### Minor Changes');
    expect(changelog).toContain('A change.');
    for (const other of ['scheduler', 'db', 'dynamics-client', 'contracts']) {
      expect(existsSync(join(workspace.dir, `packages/${other}/CHANGELOG.md`))).toBe(false);
    }
  });

  it('versions a change to the console alone: only admin is bumped and tagged', () => {
    const workspace = scratchWorkspace();
    const before = workspace.versions();
    addChangeset(workspace.dir, 'admin-only', { '@peer-mentor/admin': 'patch' });
    run(workspace.dir, process.execPath, [changesetBin, 'version']);
    const [major, minor, patch] = before.get('@peer-mentor/admin')!.split('.').map(Number);
    expect(changed(before, workspace.versions())).toEqual({
      '@peer-mentor/admin': `${major}.${minor}.${patch! + 1}`,
    });
    expect(readFileSync(join(workspace.dir, 'apps/admin/CHANGELOG.md'), 'utf8')).toContain(
      '### Patch Changes',
    );
  });

  it('bumps what depends on a changed package: contracts takes every service with it', () => {
    const workspace = scratchWorkspace();
    const before = workspace.versions();
    addChangeset(workspace.dir, 'contracts', { '@peer-mentor/contracts': 'minor' });
    run(workspace.dir, process.execPath, [changesetBin, 'version']);
    const bumped = Object.keys(changed(before, workspace.versions())).sort();
    expect(bumped).toEqual(
      [
        '@peer-mentor/api',
        '@peer-mentor/contracts',
        '@peer-mentor/db',
        '@peer-mentor/dynamics-client',
        '@peer-mentor/scheduler',
        '@peer-mentor/admin',
      ].sort(),
    );
    const scheduler = readFileSync(join(workspace.dir, 'packages/scheduler/CHANGELOG.md'), 'utf8');
    expect(scheduler).toContain('Updated dependencies');
  });

  it('tags each release <package>@<version>; only contracts is left publishable', () => {
    const workspace = scratchWorkspace();
    addChangeset(workspace.dir, 'scheduler', { '@peer-mentor/scheduler': 'patch' });
    run(workspace.dir, process.execPath, [changesetBin, 'version']);
    const version = workspace.versions().get('@peer-mentor/scheduler');
    run(workspace.dir, 'git', ['init', '-q']);
    run(workspace.dir, 'git', ['add', '-A']);
    run(workspace.dir, 'git', [
      '-c',
      'user.name=ci',
      '-c',
      'user.email=ci@localhost',
      'commit',
      '-qm',
      'release',
    ]);
    run(workspace.dir, process.execPath, [changesetBin, 'tag']);
    const tags = run(workspace.dir, 'git', ['tag', '--list']).split('\n');
    expect(tags).toContain(`@peer-mentor/scheduler@${version}`);
    // What is not deployed on its own (the local stack, the build tooling) gets no tag.
    const untagged = ['local-stack', 'release', 'tsconfig', 'vitest-config'];
    expect(
      tags.filter((tag) => untagged.some((name) => tag.startsWith(`@peer-mentor/${name}@`))),
    ).toEqual([]);
    const publishable = workspaceDirs()
      .map((pkg) => JSON.parse(readFileSync(join(root, pkg, 'package.json'), 'utf8')) as Manifest)
      .filter((manifest) => manifest.private !== true)
      .map((manifest) => manifest.name);
    expect(publishable).toEqual(['@peer-mentor/contracts']);
  });
});
