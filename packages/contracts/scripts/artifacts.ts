// Everything the generator writes besides tsc's output. Two sets:
// - dist files (relative to dist/), which the build writes into the npm package;
// - checked-in files (relative to packages/contracts): the golden copies of the npm package's
//   JSON Schema and Dart file in golden/, and the pub package in dart/ (whose
//   lib/src/constants.dart is the same Dart file).
// The golden test compares the checked-in files with what the generator writes now.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DART_FILE_NAME, renderDart } from './dart.js';
import { PUB_LOCAL_FILES, PUB_PACKAGE_DIR, renderPubPackage } from './dart-package.js';
import { renderJsonSchemaFiles } from './json-schema.js';

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const goldenDir = path.join(packageRoot, 'golden');
export const distDir = path.join(packageRoot, 'dist');
export const pubPackageDir = path.join(packageRoot, PUB_PACKAGE_DIR);

/** dist-relative path (always with `/`) → content, for the npm package. */
export function renderArtifacts(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, content] of renderJsonSchemaFiles()) files.set(`json-schema/${name}`, content);
  files.set(`dart/${DART_FILE_NAME}`, renderDart());
  return files;
}

/** packages/contracts-relative path → content, for everything committed from the generator. */
export function renderCheckedIn(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, content] of renderJsonSchemaFiles()) {
    files.set(`golden/json-schema/${name}`, content);
  }
  files.set(`golden/dart/${DART_FILE_NAME}`, renderDart());
  for (const [name, content] of renderPubPackage(packageRoot)) {
    files.set(`${PUB_PACKAGE_DIR}/${name}`, content);
  }
  return files;
}

/**
 * Every file under `dir`, by relative path with `/`; empty when `dir` does not exist. Paths
 * starting with one of `skip` (a directory ends with `/`) are left out.
 */
export function readTree(dir: string, skip: readonly string[] = []): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const full = path.join(current, entry);
      const relative = path.relative(dir, full).split(path.sep).join('/');
      const isDirectory = statSync(full).isDirectory();
      const key = isDirectory ? `${relative}/` : relative;
      if (skip.some((prefix) => key === prefix || key.startsWith(prefix))) continue;
      if (isDirectory) walk(full);
      else files.set(relative, readFileSync(full, 'utf8'));
    }
  };
  try {
    walk(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return files;
}

/** The committed generated files, as renderCheckedIn names them. */
export function readCheckedIn(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, content] of readTree(goldenDir)) files.set(`golden/${name}`, content);
  for (const [name, content] of readTree(pubPackageDir, PUB_LOCAL_FILES)) {
    files.set(`${PUB_PACKAGE_DIR}/${name}`, content);
  }
  return files;
}

export interface GoldenDifference {
  file: string;
  problem: 'missing from golden' | 'no longer generated' | 'content differs';
}

/** How the generated files differ from the committed copies (empty when equal). */
export function compareWithGolden(
  generated: Map<string, string> = renderCheckedIn(),
  committed: Map<string, string> = readCheckedIn(),
): GoldenDifference[] {
  const differences: GoldenDifference[] = [];
  for (const [file, content] of generated) {
    const copy = committed.get(file);
    if (copy === undefined) differences.push({ file, problem: 'missing from golden' });
    else if (copy !== content) differences.push({ file, problem: 'content differs' });
  }
  for (const file of committed.keys()) {
    if (!generated.has(file)) differences.push({ file, problem: 'no longer generated' });
  }
  return differences.sort((a, b) => a.file.localeCompare(b.file));
}
