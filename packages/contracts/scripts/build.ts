// Second build step, after tsc: writes the JSON Schema files and the Dart file into dist/.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { distDir, renderArtifacts } from './artifacts.js';

const files = renderArtifacts();
for (const [file, content] of files) {
  const target = path.join(distDir, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, content);
}
console.log(`contracts: wrote ${files.size} generated files to dist/ (json-schema/, dart/)`);
