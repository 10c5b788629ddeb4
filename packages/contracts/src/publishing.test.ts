import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../scripts/artifacts.js';
import { domainErrorCatalog, platformErrorCatalog } from './errors.js';

// Only this package is published; every other workspace package must be private, or
// `changeset publish` would put it on the registry too.
const repoRoot = path.resolve(packageRoot, '..', '..');
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

function workspaceManifests(): { dir: string; manifest: Record<string, unknown> }[] {
  const manifests = [];
  for (const group of ['apps', 'packages', 'tooling']) {
    let entries: string[] = [];
    try {
      entries = readdirSync(path.join(repoRoot, group));
    } catch {
      continue;
    }
    for (const entry of entries) {
      const file = path.join(repoRoot, group, entry, 'package.json');
      try {
        manifests.push({ dir: `${group}/${entry}`, manifest: readJson(file) });
      } catch {
        // not a package
      }
    }
  }
  return manifests;
}

describe('publishing', () => {
  it('publishes @peer-mentor/contracts and nothing else from the workspace', () => {
    const publishable = workspaceManifests()
      .filter(({ manifest }) => manifest.private !== true)
      .map(({ dir, manifest }) => `${dir} (${String(manifest.name)})`);
    expect(publishable).toEqual(['packages/contracts (@peer-mentor/contracts)']);
    expect(readJson(path.join(repoRoot, 'package.json')).private).toBe(true);
  });

  it('versions and tags private packages without publishing them, and publishes contracts publicly', () => {
    const config = readJson(path.join(repoRoot, '.changeset', 'config.json'));
    expect(config).toMatchObject({
      access: 'public',
      privatePackages: { version: true, tag: true },
    });
  });
});

describe('README for the Dart team', () => {
  it('documents every error code of both catalogs with its name', () => {
    const readme = readFileSync(path.join(packageRoot, 'README.md'), 'utf8');
    const missing = [...domainErrorCatalog, ...platformErrorCatalog]
      .filter(
        (entry) =>
          !new RegExp(`\\|\\s*\`${entry.code}\`\\s*\\|\\s*${entry.name}\\s*\\|`).test(readme),
      )
      .map((entry) => entry.code);
    expect(missing).toEqual([]);
  });
});
