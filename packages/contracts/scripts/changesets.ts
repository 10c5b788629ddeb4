// Reads the changesets of @peer-mentor/contracts: the released entries from the CHANGELOG.md
// that `changeset version` writes, and the pending `.changeset/*.md` files. The Dart package's
// CHANGELOG is written from them, so one changeset describes a release in both languages.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const changesetDir = path.resolve(packageRoot, '..', '..', '.changeset');
const NPM_NAME = '@peer-mentor/contracts';
const BUMPS = ['major', 'minor', 'patch'] as const;
export type Bump = (typeof BUMPS)[number];

export interface Changeset {
  file: string;
  releases: Record<string, Bump>;
  summary: string;
}

/**
 * One changeset file, as changesets reads it: YAML front matter of `"package": bump` lines
 * between `---` lines, then the summary. Throws, naming the file, when it would not parse.
 */
export function parseChangeset(file: string, text: string): Changeset {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text.trimStart());
  if (!match) throw new Error(`${file}: no front matter between --- lines`);
  const releases: Record<string, Bump> = {};
  for (const line of match[1]!.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const release = /^\s*(["']?)([^"':]+)\1\s*:\s*(\w+)\s*$/.exec(line);
    if (!release || !(BUMPS as readonly string[]).includes(release[3]!)) {
      throw new Error(`${file}: "${line}" is not "package": major|minor|patch`);
    }
    releases[release[2]!] = release[3] as Bump;
  }
  if (Object.keys(releases).length === 0) throw new Error(`${file}: names no package`);
  return { file, releases, summary: match[2]!.trim() };
}

/** The pending changesets (`.changeset/*.md` but its README), sorted by file name. */
export function pendingChangesets(dir = changesetDir): Changeset[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.md') && file !== 'README.md')
    .sort()
    .map((file) => parseChangeset(file, readFileSync(path.join(dir, file), 'utf8')));
}

/**
 * For the Dart CHANGELOG: the released sections of the npm CHANGELOG.md (its title dropped),
 * and one Markdown list item per pending changeset of the contracts.
 */
export function readChangelog(): { released: string; pending: string[][] } {
  const file = path.join(packageRoot, 'CHANGELOG.md');
  const released = existsSync(file) ? readFileSync(file, 'utf8').replace(/^# .*\r?\n/, '') : '';
  const pending = pendingChangesets()
    .filter((changeset) => changeset.releases[NPM_NAME])
    .map((changeset) => {
      const [first = '', ...rest] = changeset.summary.split(/\r?\n/);
      return [
        `- (${changeset.releases[NPM_NAME]}) ${first}`,
        ...rest.map((line) => (line ? `  ${line}` : '')),
      ];
    });
  return { released, pending };
}
