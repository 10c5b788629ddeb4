// `pnpm golden` checks the committed generated files (golden/ and the pub package in dart/)
// against what the generator writes now; `pnpm generate` (= `pnpm golden --update`) rewrites
// them after an intended change, so the change shows up in review.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareWithGolden, packageRoot, renderCheckedIn } from './artifacts.js';

const generated = renderCheckedIn();
const differences = compareWithGolden(generated);

if (process.argv.includes('--update')) {
  for (const { file, problem } of differences) {
    const target = path.join(packageRoot, file);
    if (problem === 'no longer generated') rmSync(target);
    else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, generated.get(file)!);
    }
    console.log(
      `${problem === 'no longer generated' ? 'removed' : 'updated'} ${file} (${problem})`,
    );
  }
  console.log(`generate: ${generated.size} files, ${differences.length} changed`);
} else if (differences.length > 0) {
  for (const { file, problem } of differences) console.error(`${file}: ${problem}`);
  console.error(
    'generated files are out of date: review the change, then run `pnpm --filter @peer-mentor/contracts generate`',
  );
  process.exit(1);
} else {
  console.log(`golden: ${generated.size} files match`);
}
