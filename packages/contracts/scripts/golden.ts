// `pnpm golden` checks the generated JSON Schema and Dart against the committed copies in
// golden/; `pnpm golden --update` rewrites golden/ after an intended change, so the change
// shows up in review.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareWithGolden, goldenDir, renderArtifacts } from './artifacts.js';

const generated = renderArtifacts();
const differences = compareWithGolden(generated);

if (process.argv.includes('--update')) {
  rmSync(goldenDir, { recursive: true, force: true });
  for (const [file, content] of generated) {
    const target = path.join(goldenDir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  for (const { file, problem } of differences) console.log(`updated ${file} (${problem})`);
  console.log(`golden: ${generated.size} files written, ${differences.length} changed`);
} else if (differences.length > 0) {
  for (const { file, problem } of differences) console.error(`${file}: ${problem}`);
  console.error('golden files are out of date: review the change, then run `pnpm golden --update`');
  process.exit(1);
} else {
  console.log(`golden: ${generated.size} files match`);
}
