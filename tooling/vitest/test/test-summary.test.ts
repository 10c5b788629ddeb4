// How `pnpm test` sums the suites' result files and names what failed (scripts/test-summary.mjs).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closingLine, summarize } from '../../../scripts/test-summary.mjs';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const dirs: string[] = [];
const resultsIn = (files: Record<string, unknown>) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'test-results-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), JSON.stringify(content));
  }
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const vitestReport = {
  numPassedTests: 2,
  numFailedTests: 1,
  numPendingTests: 1,
  numTodoTests: 0,
  testResults: [
    {
      name: path.join(repoRoot, 'packages/db/test/example.test.ts'),
      status: 'failed',
      message: '',
      assertionResults: [
        { status: 'passed', title: 'works', fullName: 'example works' },
        {
          status: 'failed',
          title: 'counts',
          fullName: 'example counts',
          failureMessages: [
            '\u001b[31mAssertionError: expected 3 to be 2\u001b[39m\n    at line 1',
          ],
        },
      ],
    },
    {
      name: path.join(repoRoot, 'packages/db/test/broken.test.ts'),
      status: 'failed',
      message: 'SyntaxError: Unexpected token\n  at parse',
      assertionResults: [],
    },
  ],
};

describe('summarize', () => {
  it('sums vitest reports and counts files, and names each failure with its first message line', () => {
    const dir = resultsIn({
      'db.vitest.json': vitestReport,
      'db.pgtap.counts.json': {
        passed: 10,
        failed: 1,
        skipped: 0,
        failures: ['10-rls.test.sql: not ok 4 - a coordinator sees only her chapter'],
      },
      'admin-playwright.counts.json': { passed: 3, failed: 0, skipped: 0 },
      'db.coverage-report.json': { functions: [] },
    });
    const summary = summarize(dir);
    expect(summary.suites.map((suite: { file: string }) => suite.file)).toEqual([
      'admin-playwright.counts.json',
      'db.pgtap.counts.json',
      'db.vitest.json',
    ]);
    // The file that did not load counts as a failure beside the failed test.
    expect(closingLine(summary)).toBe('tests: 15 passed, 3 failed, 1 skipped');
    expect(summary.suites.flatMap((suite: { failures: string[] }) => suite.failures)).toEqual([
      '10-rls.test.sql: not ok 4 - a coordinator sees only her chapter',
      'packages/db/test/example.test.ts > example counts: AssertionError: expected 3 to be 2',
      'packages/db/test/broken.test.ts: did not load: SyntaxError: Unexpected token',
    ]);
  });

  it('lists no failures for a clean run, and omits skipped from the closing line when none', () => {
    const summary = summarize(resultsIn({ 'a.counts.json': { passed: 4, failed: 0, skipped: 0 } }));
    expect(summary.suites[0].failures).toEqual([]);
    expect(closingLine(summary)).toBe('tests: 4 passed, 0 failed');
  });
});
