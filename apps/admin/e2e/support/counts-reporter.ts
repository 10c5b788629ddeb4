import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter';

/**
 * Writes this suite's counts where `pnpm test` sums them (`<PM_TEST_RESULTS_DIR>/*.counts.json`,
 * see scripts/test-summary.mjs), one entry per test by its final outcome.
 */
export default class CountsReporter implements Reporter {
  private readonly outcomes = new Map<string, 'passed' | 'failed' | 'skipped'>();
  private readonly failedTitles = new Map<string, string>();

  onTestEnd(test: TestCase, result: TestResult) {
    if (test.outcome() === 'unexpected' && result.status !== 'skipped') {
      const message = (result.error?.message ?? result.status).split('\n')[0];
      this.failedTitles.set(test.id, `${test.titlePath().filter(Boolean).join(' > ')}: ${message}`);
    } else this.failedTitles.delete(test.id);
    this.outcomes.set(
      test.id,
      result.status === 'skipped'
        ? 'skipped'
        : test.outcome() === 'expected' || test.outcome() === 'flaky'
          ? 'passed'
          : 'failed',
    );
  }

  onEnd(result: { status: string }) {
    const dir = process.env.PM_TEST_RESULTS_DIR;
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const outcome of this.outcomes.values()) counts[outcome] += 1;
    const failures = [...this.failedTitles.values()];
    // A run that broke before any test (global setup failed) must not read as clean.
    if (result.status !== 'passed' && counts.failed === 0) {
      counts.failed = 1;
      failures.push(`admin (Playwright): the run ended ${result.status} before any test failed`);
    }
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'admin-playwright.counts.json'),
      `${JSON.stringify({ ...counts, failures })}\n`,
    );
  }
}
