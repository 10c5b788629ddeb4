/**
 * `tsx tooling/release/src/release-tag.ts <tag>`: what a release tag names, for the deploy
 * workflows. A tag is `<package>@<version>` as changesets writes it (`@peer-mentor/api@0.3.0`);
 * the checkout at that tag must hold that package at that version, or the deploy stops here.
 * Prints `name=`, `dir=` and `version=` lines, and appends them to $GITHUB_OUTPUT when set.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface ReleaseTag {
  name: string;
  /** The package directory, relative to the repository root. */
  dir: string;
  version: string;
}

const repoRoot = resolve(import.meta.dirname, '../../..');

export function resolveReleaseTag(tag: string, root = repoRoot): ReleaseTag {
  const match = /^(@[a-z0-9-]+\/[a-z0-9-]+)@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/.exec(tag);
  if (!match) throw new Error(`${tag} is not a release tag (<@scope/package>@<semver>)`);
  const [, name, version] = match as unknown as [string, string, string];
  for (const group of ['apps', 'packages']) {
    if (!existsSync(join(root, group))) continue;
    for (const entry of readdirSync(join(root, group))) {
      const manifestFile = join(root, group, entry, 'package.json');
      if (!existsSync(manifestFile)) continue;
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
        name: string;
        version: string;
      };
      if (manifest.name !== name) continue;
      if (manifest.version !== version) {
        throw new Error(`${tag}: ${group}/${entry}/package.json is at ${manifest.version}`);
      }
      return { name, dir: `${group}/${entry}`, version };
    }
  }
  throw new Error(`${tag}: no workspace package is named ${name}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const tag = process.argv[2];
  try {
    if (!tag) throw new Error('usage: release-tag.ts <package>@<version>');
    const release = resolveReleaseTag(tag);
    const lines = `name=${release.name}\ndir=${release.dir}\nversion=${release.version}\n`;
    process.stdout.write(lines);
    if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, lines);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
