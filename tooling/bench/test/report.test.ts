import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { atLeast, atMost, metric, ratioMetric } from '../src/metrics.js';
import { benchReportFile, repoRoot } from '../src/report.js';
import { startBench } from '../src/run.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratchRun() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pm-bench-test-'));
  dirs.push(dir);
  const lines: string[] = [];
  const run = startBench({
    name: 'unit',
    title: 'Unit benchmark',
    reportFile: path.join(dir, 'nested', 'unit.json'),
    write: (line) => lines.push(line),
    errorDetails: (error) => ({ kind: error instanceof TypeError ? 'type' : 'other' }),
  });
  return { run, lines };
}

describe('a benchmark run', () => {
  it('writes a report with provenance, settings, every scenario and the target counts', async () => {
    const { run, lines } = scratchRun();
    await run.scenario('read', async () => ({
      metrics: [
        metric('tx/s', 1000, 'tx/s'),
        ratioMetric(
          'RLS ÷ owner',
          { label: 'rls', value: 1.2 },
          { label: 'owner', value: 1 },
          atMost(1.3),
        ),
        metric('ratio writes', 0.9, 'ratio', atLeast(0.95)),
      ],
      details: { rows: 500 },
    }));
    const { report, exitCode } = run.finish({
      settings: { clients: 4 },
      postgres: { version: 'PostgreSQL 15.18', serverVersion: '15.18', settings: { jit: 'off' } },
      note: 'shared machine',
      extra: { schema: 'abc' },
    });

    expect(exitCode).toBe(0);
    const written = JSON.parse(readFileSync(run.reportFile, 'utf8'));
    expect(written).toEqual(JSON.parse(JSON.stringify(report)));
    expect(written.benchmark).toBe('unit');
    expect(written.settings).toEqual({ clients: 4 });
    expect(written.extra).toEqual({ schema: 'abc' });
    expect(written.results).toEqual({ figures: 3, targets: 2, passed: 1, failed: 1, errors: 0 });
    expect(Date.parse(written.finishedAt)).toBeGreaterThanOrEqual(Date.parse(written.startedAt));

    const { git, machine, loadAverage, postgres, note } = written.provenance;
    expect(git.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(typeof git.uncommittedChanges).toBe('boolean');
    expect(machine.cores).toBeGreaterThan(0);
    expect(machine.node).toBe(process.version);
    expect(loadAverage.before).toHaveLength(3);
    expect(loadAverage.after).toHaveLength(3);
    expect(postgres.serverVersion).toBe('15.18');
    expect(note).toBe('shared machine');

    expect(written.scenarios[0].metrics[1].ratioOf.baseline).toEqual({ label: 'owner', value: 1 });
    const printed = lines.join('\n');
    expect(printed).toMatch(
      /^Unit benchmark, .*commit [0-9a-f]{7}.*PostgreSQL 15\.18, \d+ cores, load /m,
    );
    expect(printed).toMatch(/RLS ÷ owner\s+1\.20\s+≤ 1\.30\s+pass/);
    expect(printed).toMatch(/ratio writes\s+0\.90\s+≥ 0\.95\s+FAIL/);
    expect(printed).toContain(`Report: ${run.reportFile}`);
  });

  it('records a scenario that throws, with its details, goes on, and exits 1', async () => {
    const { run, lines } = scratchRun();
    await run.scenario('broken', async () => {
      throw new TypeError('pgbench: connection refused');
    });
    run.skip('after', 'the roster did not load');
    await run.scenario('fine', async () => ({ metrics: [metric('n', 1, 'count')], details: {} }));
    const { report, exitCode } = run.finish();

    expect(exitCode).toBe(1);
    expect(report.results.errors).toBe(2);
    expect(report.scenarios.map((s) => [s.scenario, s.error ?? null])).toEqual([
      ['broken', 'pgbench: connection refused'],
      ['after', 'skipped: the roster did not load'],
      ['fine', null],
    ]);
    expect(report.scenarios[0]?.details).toEqual({ kind: 'type' });
    expect(report.provenance.postgres).toBeNull();
    expect(lines.some((line) => /broken: ERROR pgbench: connection refused/.test(line))).toBe(true);
    expect(lines.join('\n')).toMatch(/broken\s+error: pgbench: connection refused\s+ERROR/);
  });

  it('puts reports under <repo>/.bench-results by default', () => {
    expect(benchReportFile('db')).toBe(path.join(repoRoot, '.bench-results', 'db.json'));
    expect(readFileSync(path.join(repoRoot, 'pnpm-workspace.yaml'), 'utf8')).toContain('tooling/*');
  });
});
