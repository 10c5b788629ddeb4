// Everything the build generates besides tsc's output, by path relative to dist/. The build
// writes these files; the golden test compares them with the committed copies in golden/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DART_FILE_NAME, renderDart } from './dart.js';
import { renderJsonSchemaFiles } from './json-schema.js';

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const goldenDir = path.join(packageRoot, 'golden');
export const distDir = path.join(packageRoot, 'dist');

/** Relative path (always with `/`) → file content. */
export function renderArtifacts(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, content] of renderJsonSchemaFiles()) files.set(`json-schema/${name}`, content);
  files.set(`dart/${DART_FILE_NAME}`, renderDart());
  return files;
}

/** Every file under `dir`, by relative path with `/`; empty when `dir` does not exist. */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const full = path.join(current, entry);
      if (statSync(full).isDirectory()) walk(full);
      else
        files.set(path.relative(dir, full).split(path.sep).join('/'), readFileSync(full, 'utf8'));
    }
  };
  try {
    walk(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return files;
}

export interface GoldenDifference {
  file: string;
  problem: 'missing from golden' | 'no longer generated' | 'content differs';
}

/** How the generated files differ from the committed golden copies (empty when equal). */
export function compareWithGolden(
  generated: Map<string, string> = renderArtifacts(),
  golden: Map<string, string> = readTree(goldenDir),
): GoldenDifference[] {
  const differences: GoldenDifference[] = [];
  for (const [file, content] of generated) {
    const committed = golden.get(file);
    if (committed === undefined) differences.push({ file, problem: 'missing from golden' });
    else if (committed !== content) differences.push({ file, problem: 'content differs' });
  }
  for (const file of golden.keys()) {
    if (!generated.has(file)) differences.push({ file, problem: 'no longer generated' });
  }
  return differences.sort((a, b) => a.file.localeCompare(b.file));
}
