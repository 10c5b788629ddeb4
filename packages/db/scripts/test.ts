/**
 * `pnpm --filter @peer-mentor/db test`: every database suite against one server.
 *
 *   1. a server: DATABASE_URL, or a throwaway cluster with plpgsql_check's profiler;
 *   2. a template database migrated once with the Supabase CLI;
 *   3. vitest (each file clones the template): concurrency, drift, lint, parity, harness;
 *   4. pgTAP with pg_prove, all files in one clone;
 *   5. branch and statement coverage of every PL/pgSQL function from that clone's profile;
 *      the run fails below 100% branch coverage.
 * Counts go to PM_TEST_RESULTS_DIR (default: <repo>/.test-results) for `pnpm test` to sum.
 *
 * While working on SQL: `pnpm --filter @peer-mentor/db test --pgtap-only [file.test.sql ...]`
 * skips vitest, and the coverage gate when only some files run.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readEnv } from '../src/env.js';
import { packageRoot, pgTapTestsDir } from '../src/paths.js';
import { formatCoverageTable, measureCoverage } from '../src/testing/coverage.js';
import { runPgProve } from '../src/testing/pg-prove.js';
import { writeSuiteCounts } from '../src/testing/results.js';
import {
  cloneDatabase,
  createTemplateDatabase,
  startTestServer,
} from '../src/testing/test-server.js';

const env = readEnv();
const resultsDir = path.resolve(
  env.PM_TEST_RESULTS_DIR ?? path.join(packageRoot, '..', '..', '.test-results'),
);
mkdirSync(resultsDir, { recursive: true });
const log = (message: string) => console.log(`[db test] ${message}`);

const argv = process.argv.slice(2);
const pgTapOnly = argv.includes('--pgtap-only');
const selectedFiles = argv.filter((arg) => arg.endsWith('.sql')).map((arg) => path.basename(arg));

function runVitest(extraEnv: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(packageRoot, 'node_modules', '.bin', 'vitest'), ['run'], {
      cwd: packageRoot,
      stdio: 'inherit',
      env: { ...process.env, ...extraEnv },
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  let failures = 0;
  log('starting the test server');
  const server = await startTestServer();
  const stopOnSignal = () => {
    void server.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const template = 'pm_template';
    log('building the template database (platform layer + supabase db push)');
    await createTemplateDatabase(server.adminUrl, template, (line) => log(`  ${line}`));

    if (!pgTapOnly) {
      log('vitest');
      const vitestExit = await runVitest({
        PM_TEST_ADMIN_URL: server.adminUrl,
        PM_TEST_TEMPLATE_DATABASE: template,
        PM_TEST_RESULTS_DIR: resultsDir,
      });
      if (vitestExit !== 0) failures += 1;
    }

    log('pgTAP (pg_prove)');
    const pgTapUrl = await cloneDatabase(server.adminUrl, template, 'pm_pgtap');
    const files = readdirSync(pgTapTestsDir)
      .filter((name) => name.endsWith('.test.sql'))
      .filter((name) => selectedFiles.length === 0 || selectedFiles.includes(name))
      .sort();
    const tap = await runPgProve(pgTapUrl, files, {
      cwd: pgTapTestsDir,
      onOutput: (text) => process.stdout.write(text),
    });
    for (const file of tap.brokenFiles) log(`pgTAP file did not finish its plan: ${file}`);
    writeSuiteCounts(resultsDir, 'db.pgtap', {
      suite: 'db: pgTAP',
      passed: tap.passed,
      failed: tap.failed + tap.brokenFiles.length,
      skipped: tap.skipped,
      failures: [
        ...tap.failedTests,
        ...tap.brokenFiles.map((file) => `${file}: did not finish its plan`),
      ],
    });
    if (tap.failed + tap.brokenFiles.length > 0) failures += 1;

    if (selectedFiles.length > 0) {
      log('coverage gate skipped: only some pgTAP files ran');
    } else if (server.profiler) {
      const coverage = await measureCoverage(pgTapUrl);
      log('coverage of PL/pgSQL functions over the pgTAP suite (plpgsql_check profiler)');
      console.log(formatCoverageTable(coverage));
      writeFileSync(
        path.join(resultsDir, 'db.coverage-report.json'),
        `${JSON.stringify({ measuredOver: 'pgTAP suite', functions: coverage }, null, 2)}\n`,
      );
      const below = coverage.filter((row) => row.branches < 1);
      for (const row of below) log(`below 100% branch coverage: ${row.name}`);
      writeSuiteCounts(resultsDir, 'db.coverage', {
        suite: 'db: 100% branch coverage gate',
        passed: below.length === 0 ? 1 : 0,
        failed: below.length === 0 ? 0 : 1,
        skipped: 0,
        failures: below.map((row) => `below 100% branch coverage: ${row.name}`),
      });
      if (below.length > 0) failures += 1;
    } else {
      log('coverage not measured: plpgsql_check is not preloaded on DATABASE_URL');
      writeSuiteCounts(resultsDir, 'db.coverage', {
        suite: 'db: 100% branch coverage gate',
        passed: 0,
        failed: 0,
        skipped: 1,
      });
    }
  } finally {
    await server.stop();
  }
  return failures;
}

main().then(
  (failures) => process.exit(failures === 0 ? 0 : 1),
  (error: unknown) => {
    console.error(error);
    writeSuiteCounts(resultsDir, 'db.runner', {
      suite: 'db: test runner',
      passed: 0,
      failed: 1,
      skipped: 0,
      failures: [`the runner stopped: ${error instanceof Error ? error.message : String(error)}`],
    });
    process.exit(1);
  },
);
