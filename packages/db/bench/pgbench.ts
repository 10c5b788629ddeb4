import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type LatencySummary, summarizeLatencies } from '@peer-mentor/bench';

/**
 * How pgbench sends statements (`--protocol`): `prepared` parses and plans each statement of the
 * script once per connection and then sends only its values, as PostgREST does by default
 * (`db-prepared-statements = true`); `simple` sends every statement as text, parsed and planned
 * again each time.
 */
export type PgbenchProtocol = 'simple' | 'prepared';

/** What the clients run: a custom script, or pgbench's built-in simple-update (`-N`). */
export type PgbenchWorkload =
  | { kind: 'script'; name: string; text: string }
  | { kind: 'simple-update' };

export interface PgbenchOptions {
  /** Directory holding the pgbench binary. */
  binDir: string;
  databaseUrl: string;
  workload: PgbenchWorkload;
  clients: number;
  threads: number;
  durationSeconds: number;
  protocol: PgbenchProtocol;
  /** `-D name=value`: initial values of per-client script variables. */
  defines?: Record<string, number | string>;
}

/** The summary pgbench prints at the end of a run. */
export interface PgbenchSummary {
  transactionType: string | null;
  queryMode: string | null;
  clients: number | null;
  threads: number | null;
  processed: number;
  failed: number;
  latencyAverageMs: number | null;
  initialConnectionMs: number | null;
  tps: number;
}

export interface PgbenchResult {
  /** The command line, with the connection string replaced by the database name. */
  command: string[];
  /** The machine's 1-minute load average before and after the run: how noisy it was. */
  loadAverage: { before: number; after: number };
  summary: PgbenchSummary;
  /** From the per-transaction log (`--log`): every completed transaction. */
  latency: LatencySummary;
}

/** A run that did not complete cleanly: aborted clients, failed transactions or a bad exit. */
export class PgbenchError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'PgbenchError';
  }
}

const numberAfter = (text: string, pattern: RegExp): number | null => {
  const match = pattern.exec(text);
  return match?.[1] === undefined ? null : Number(match[1]);
};

/** Parses the summary pgbench prints on stdout. */
export function parsePgbenchSummary(stdout: string): PgbenchSummary {
  const processed = numberAfter(stdout, /^number of transactions actually processed: (\d+)/m);
  const tps = numberAfter(stdout, /^tps = ([\d.]+)/m);
  if (processed === null || tps === null) {
    throw new Error(`pgbench printed no summary:\n${stdout}`);
  }
  return {
    transactionType: /^transaction type: (.+)$/m.exec(stdout)?.[1] ?? null,
    queryMode: /^query mode: (.+)$/m.exec(stdout)?.[1] ?? null,
    clients: numberAfter(stdout, /^number of clients: (\d+)/m),
    threads: numberAfter(stdout, /^number of threads: (\d+)/m),
    processed,
    failed: numberAfter(stdout, /^number of failed transactions: (\d+)/m) ?? 0,
    latencyAverageMs: numberAfter(stdout, /^latency average = ([\d.]+) ms/m),
    initialConnectionMs: numberAfter(stdout, /^initial connection time = ([\d.]+) ms/m),
    tps,
  };
}

/**
 * Parses pgbench's per-transaction log: `client_id transaction_no time script_no time_epoch
 * time_us [schedule_lag] [retries]`, where time is the latency in microseconds, or `failed` /
 * `skipped` for a transaction that did not complete.
 */
export function parseTransactionLog(text: string): { latenciesUs: number[]; incomplete: number } {
  const latenciesUs: number[] = [];
  let incomplete = 0;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6) continue;
    const time = fields[2] as string;
    if (/^\d+$/.test(time)) latenciesUs.push(Number(time));
    else incomplete += 1;
  }
  return { latenciesUs, incomplete };
}

/** The database name of a connection string (what the report shows instead of the URL). */
function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1)) || '(default)';
}

/** Runs a program to its end, collecting its output. */
export function runProgram(
  program: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** `pgbench -i`: creates and fills the standard pgbench tables in a database. */
export async function initPgbench(binDir: string, databaseUrl: string, scale: number) {
  const result = await runProgram(
    path.join(binDir, 'pgbench'),
    ['--initialize', '--quiet', `--scale=${scale}`, databaseUrl],
    os.tmpdir(),
  );
  if (result.code !== 0) {
    throw new PgbenchError(`pgbench -i exited with ${result.code}`, result.stderr);
  }
}

/** One pgbench run with every completed transaction's latency (microseconds). */
interface RawRun extends Omit<PgbenchResult, 'latency'> {
  latenciesUs: number[];
}

/** pgbench logs microseconds; the figures are in milliseconds. */
const microsToMillis = (us: readonly number[]) => us.map((value) => value / 1000);

/**
 * Runs pgbench for a fixed duration with a per-transaction log, and throws a PgbenchError if
 * any client aborted or any transaction failed: a benchmark figure from a broken run is no figure.
 */
export async function runPgbench(options: PgbenchOptions): Promise<PgbenchResult> {
  const { latenciesUs, ...run } = await runPgbenchRaw(options);
  return { ...run, latency: summarizeLatencies(microsToMillis(latenciesUs)) };
}

async function runPgbenchRaw(options: PgbenchOptions): Promise<RawRun> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'pm-bench-'));
  try {
    const workloadArgs =
      options.workload.kind === 'simple-update'
        ? ['-N']
        : ['--no-vacuum', `--file=${path.join(workDir, `${options.workload.name}.sql`)}`];
    if (options.workload.kind === 'script') {
      writeFileSync(path.join(workDir, `${options.workload.name}.sql`), options.workload.text);
    }
    const args = [
      ...workloadArgs,
      `--client=${options.clients}`,
      `--jobs=${options.threads}`,
      `--time=${options.durationSeconds}`,
      `--protocol=${options.protocol}`,
      '--log',
      `--log-prefix=${path.join(workDir, 'transactions')}`,
      ...Object.entries(options.defines ?? {}).map(([name, value]) => `--define=${name}=${value}`),
    ];
    const loadBefore = os.loadavg()[0]!;
    const result = await runProgram(
      path.join(options.binDir, 'pgbench'),
      [...args, options.databaseUrl],
      workDir,
    );
    const loadAverage = { before: loadBefore, after: os.loadavg()[0]! };
    // Temporary paths would only be noise in the report.
    const command = ['pgbench', ...args, databaseName(options.databaseUrl)].map((arg) =>
      arg.replaceAll(`${workDir}${path.sep}`, ''),
    );
    const output = `${result.stdout}\n${result.stderr}`;
    const aborted = result.stderr.split('\n').filter((line) => /aborted|error/i.test(line));
    if (result.code !== 0 || aborted.length > 0) {
      throw new PgbenchError(
        `pgbench exited with ${result.code}${aborted.length > 0 ? `: ${aborted.slice(0, 5).join(' | ')}` : ''}`,
        output,
      );
    }
    const summary = parsePgbenchSummary(result.stdout);
    const log = readdirSync(workDir)
      .filter((name) => name.startsWith('transactions.'))
      .map((name) => parseTransactionLog(readFileSync(path.join(workDir, name), 'utf8')));
    const incomplete = log.reduce((sum, part) => sum + part.incomplete, 0);
    if (summary.failed > 0 || incomplete > 0) {
      throw new PgbenchError(
        `${Math.max(summary.failed, incomplete)} transactions failed (pgbench retries none)`,
        output,
      );
    }
    return {
      command,
      loadAverage,
      summary,
      latenciesUs: log.flatMap((part) => part.latenciesUs),
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** A workload of a comparison; `defines` may differ per round (e.g. a fresh range of mentors). */
export interface ComparedWorkload extends Omit<PgbenchOptions, 'durationSeconds' | 'defines'> {
  defines?: (round: number) => Record<string, number | string>;
}

/** A workload's figures over all rounds of a comparison, and each round's own. */
export interface ComparedResult extends PgbenchResult {
  rounds: { command: string[]; loadAverage: PgbenchResult['loadAverage']; tps: number }[];
}

/**
 * Runs workloads against each other in `rounds` rounds, reversing their order every round
 * (A B C, C B A, A B …), each run lasting durationSeconds / rounds. Whatever drifts during the
 * comparison (a checkpoint finishing, caches warming, the machine's other load) then falls on
 * every workload alike instead of on whichever ran first. A workload's figures: latency over
 * every transaction of its rounds, tps the mean of its rounds' (equal-length) tps.
 */
export async function comparePgbench<K extends string>(
  workloads: Record<K, ComparedWorkload>,
  options: {
    durationSeconds: number;
    rounds: number;
    progress?: (name: K, round: number, seconds: number) => void;
  },
): Promise<Record<K, ComparedResult>> {
  const names = Object.keys(workloads) as K[];
  const seconds = Math.max(1, Math.round(options.durationSeconds / options.rounds));
  const runs = new Map<K, RawRun[]>(names.map((name) => [name, []]));
  for (let round = 0; round < options.rounds; round += 1) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const { defines, ...workload } = workloads[name];
      options.progress?.(name, round, seconds);
      const run = await runPgbenchRaw({
        ...workload,
        durationSeconds: seconds,
        ...(defines ? { defines: defines(round) } : {}),
      });
      runs.get(name)?.push(run);
    }
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const merged = {} as Record<K, ComparedResult>;
  for (const name of names) {
    const rounds = runs.get(name) ?? [];
    const first = rounds[0];
    const last = rounds.at(-1);
    if (!first || !last) throw new Error(`comparePgbench: no round ran ${name}`);
    const latency = summarizeLatencies(microsToMillis(rounds.flatMap((run) => run.latenciesUs)));
    const connectionTimes = rounds.flatMap((run) =>
      run.summary.initialConnectionMs === null ? [] : [run.summary.initialConnectionMs],
    );
    merged[name] = {
      command: first.command,
      loadAverage: { before: first.loadAverage.before, after: last.loadAverage.after },
      summary: {
        ...first.summary,
        processed: rounds.reduce((sum, run) => sum + run.summary.processed, 0),
        failed: rounds.reduce((sum, run) => sum + run.summary.failed, 0),
        latencyAverageMs: latency.meanMs,
        initialConnectionMs: connectionTimes.length > 0 ? mean(connectionTimes) : null,
        tps: mean(rounds.map((run) => run.summary.tps)),
      },
      latency,
      rounds: rounds.map((run) => ({
        command: run.command,
        loadAverage: run.loadAverage,
        tps: run.summary.tps,
      })),
    };
  }
  return merged;
}
