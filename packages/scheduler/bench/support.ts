import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** <repo>/.bench-results/<name>.json (git-ignored). */
export const benchReportFile = (name: string) =>
  path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    '..',
    '..',
    '..',
    '.bench-results',
    `${name}.json`,
  );

/** A progress logger: `[<label> bench  12s] line`. */
export function createProgress(label: string): (line: string) => void {
  const started = performance.now();
  return (line) => {
    const elapsed = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
    console.log(`[${label} bench ${elapsed}s] ${line}`);
  };
}

/** Prints a fixed-width table: the first row is the header. */
export function printTable(title: string, rows: readonly (readonly string[])[]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: readonly string[]) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  console.log(`\n${title}`);
  console.log(line(rows[0]!));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows.slice(1)) console.log(line(row));
}

/** The machine and its load, for the report: other work may share it. */
export function machineInfo(loadBefore: number[], note: string) {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    loadAverageBefore: loadBefore.map((value) => Number(value.toFixed(2))),
    loadAverageAfter: os.loadavg().map((value) => Number(value.toFixed(2))),
    note,
  };
}

export function writeBenchReport(file: string, report: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
