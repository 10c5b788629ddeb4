import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GitFacts, MachineFacts, PostgresFacts } from './provenance.js';
import type { countResults, ScenarioReport } from './scenario.js';

/** Where the figures come from; other work on a shared machine shows in the load average. */
export interface Provenance {
  git: GitFacts;
  machine: MachineFacts;
  loadAverage: { before: number[]; after: number[] };
  /** Null for a benchmark without a database server, or when it could not be asked. */
  postgres: PostgresFacts | null;
  note?: string;
}

/** The JSON report every benchmark writes. */
export interface BenchReport {
  benchmark: string;
  title: string;
  startedAt: string;
  finishedAt: string;
  provenance: Provenance;
  settings: Record<string, unknown>;
  results: ReturnType<typeof countResults>;
  scenarios: ScenarioReport[];
  /** Anything else a benchmark records (its own plans, schema hashes, …). */
  extra?: Record<string, unknown>;
}

/** The repository root: this file is <repo>/tooling/bench/src/report.ts. */
export const repoRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
);

/** <repo>/.bench-results/<name>.json (git-ignored). */
export function benchReportFile(name: string): string {
  return path.join(repoRoot, '.bench-results', `${name}.json`);
}

export function writeJsonReport(file: string, report: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

/** The line above the table: what ran, where, on which code, under what load. */
export function formatHeading(report: BenchReport): string {
  const { git, machine, loadAverage, postgres } = report.provenance;
  const commit = git.commit ? git.commit.slice(0, 7) : 'no git';
  const parts = [
    report.title,
    report.startedAt,
    `commit ${commit}${git.uncommittedChanges ? ' + uncommitted changes' : ''}`,
    ...(postgres ? [`PostgreSQL ${postgres.serverVersion}`] : []),
    `${machine.cores} cores`,
    `load ${loadAverage.before.join(' ')} → ${loadAverage.after.join(' ')}`,
  ];
  return parts.join(', ');
}
