import { createProgress, type Progress } from './progress.js';
import { gitFacts, loadAverage, machineFacts, type PostgresFacts } from './provenance.js';
import {
  type BenchReport,
  benchReportFile,
  formatHeading,
  repoRoot,
  writeJsonReport,
} from './report.js';
import { countResults, type ScenarioFigures, type ScenarioReport } from './scenario.js';
import { formatResultsTable } from './table.js';

export interface BenchRunOptions {
  /** Names the report file (`.bench-results/<name>.json`) and the progress line. */
  name: string;
  /** The heading above the table. */
  title: string;
  reportFile?: string;
  /** Paths whose uncommitted changes the provenance reports (default: the whole tree). */
  gitPaths?: readonly string[];
  /** Extra details for the report when a scenario throws (e.g. a tool's output). */
  errorDetails?: (error: unknown) => Record<string, unknown>;
  /** Where lines go (default: stdout); for tests. */
  write?: (line: string) => void;
}

export interface FinishOptions {
  settings?: Record<string, unknown>;
  postgres?: PostgresFacts | null;
  /** A sentence on the machine and what shares it. */
  note?: string;
  extra?: Record<string, unknown>;
  /** Lines printed after the table (e.g. plan summaries). */
  notes?: readonly string[];
}

/**
 * One benchmark run: records the load average and start time, runs scenarios (an error becomes
 * part of the report instead of ending the run), then prints the table and writes the report.
 */
export class BenchRun {
  readonly progress: Progress;
  readonly scenarios: ScenarioReport[] = [];
  readonly reportFile: string;
  private readonly startedAt = new Date();
  private readonly loadBefore = loadAverage();
  private readonly write: (line: string) => void;

  constructor(private readonly options: BenchRunOptions) {
    this.write = options.write ?? ((line) => console.log(line));
    this.progress = createProgress(options.name, { write: this.write });
    this.reportFile = options.reportFile ?? benchReportFile(options.name);
  }

  /** Runs one scenario and records its figures, or its error. */
  async scenario(name: string, run: () => Promise<ScenarioFigures>): Promise<ScenarioReport> {
    let report: ScenarioReport;
    try {
      report = { scenario: name, ...(await run()) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.progress(`${name}: ERROR ${message}`);
      report = {
        scenario: name,
        metrics: [],
        details: this.options.errorDetails?.(error) ?? {},
        error: message,
      };
    }
    this.scenarios.push(report);
    return report;
  }

  /** Records a scenario that did not run, and why. */
  skip(name: string, reason: string): ScenarioReport {
    const report: ScenarioReport = {
      scenario: name,
      metrics: [],
      details: {},
      error: `skipped: ${reason}`,
    };
    this.scenarios.push(report);
    return report;
  }

  /**
   * Prints the heading and the table, writes the JSON report. The exit code is 1 when a
   * scenario errored; a missed target is reported, not fatal.
   */
  finish(options: FinishOptions = {}): { report: BenchReport; exitCode: number } {
    const report: BenchReport = {
      benchmark: this.options.name,
      title: this.options.title,
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      provenance: {
        git: gitFacts(repoRoot, this.options.gitPaths),
        machine: machineFacts(),
        loadAverage: { before: this.loadBefore, after: loadAverage() },
        postgres: options.postgres ?? null,
        ...(options.note ? { note: options.note } : {}),
      },
      settings: options.settings ?? {},
      results: countResults(this.scenarios),
      scenarios: this.scenarios,
      ...(options.extra ? { extra: options.extra } : {}),
    };
    this.write('');
    this.write(formatHeading(report));
    this.write(formatResultsTable(this.scenarios));
    for (const line of options.notes ?? []) this.write(line);
    writeJsonReport(this.reportFile, report);
    this.write(`\nReport: ${this.reportFile}`);
    return { report, exitCode: report.results.errors > 0 ? 1 : 0 };
  }
}

export function startBench(options: BenchRunOptions): BenchRun {
  return new BenchRun(options);
}
