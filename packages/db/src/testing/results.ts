import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One suite's counts, in the file format `pnpm test` sums (`<suite>.counts.json`). */
export interface SuiteCounts {
  suite: string;
  passed: number;
  failed: number;
  skipped: number;
  /** What failed, one line each, for `pnpm test` to list under its table. */
  failures?: string[];
}

export function writeSuiteCounts(resultsDir: string, fileStem: string, counts: SuiteCounts): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    path.join(resultsDir, `${fileStem}.counts.json`),
    `${JSON.stringify(counts, null, 2)}\n`,
  );
}
