/**
 * Instructions per transaction, counted by Valgrind's callgrind in the server process that runs
 * it. Unlike latency or CPU time, the count does not move with the machine's other load: the
 * same script on the same data and plans gives the same figure to within about a percent, so a
 * ratio of two counts is a ratio of the work the server does, free of a shared VM's drift.
 *
 * How: the throwaway cluster restarts with `postgres` run under callgrind (one output file per
 * backend, written when it exits); pgbench runs a script on one connection for a short and a
 * long number of transactions (after an unmeasured short one), and the difference of the two
 * backends' totals over the difference of the counts leaves out what a connection costs once
 * (start-up, cold caches).
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { handToServiceUser } from '../src/postgres/service-user.js';
import { PgbenchError, type PgbenchProtocol, runProgram } from './pgbench.js';

/** Where Valgrind is installed, or null. */
export function findValgrind(): string | null {
  for (const directory of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(directory, 'valgrind');
    if (directory && existsSync(candidate)) return candidate;
  }
  return null;
}

/** The `totals:` line of a callgrind output file (instructions, the first event), or null while it is being written. */
export function callgrindTotal(text: string): number | null {
  const match = /^totals:\s+(\d+)/m.exec(text);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/**
 * Writes the executable pg_ctl runs instead of `postgres` (LocalCluster.restart): it execs the
 * server under callgrind, each process writing <outputDir>/callgrind.<pid>.
 */
export function writeCallgrindWrapper(
  workDir: string,
  valgrind: string,
  postgres: string,
): { wrapper: string; outputDir: string } {
  const outputDir = path.join(workDir, 'callgrind');
  mkdirSync(outputDir, { recursive: true });
  handToServiceUser(outputDir);
  const wrapper = path.join(workDir, 'postgres-under-callgrind');
  const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;
  writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      `exec ${quote(valgrind)} --tool=callgrind --quiet --dump-instr=no --compress-strings=no \\`,
      `  --callgrind-out-file=${quote(path.join(outputDir, 'callgrind.%p'))} ${quote(postgres)} "$@" \\`,
      // Every process writes a file when it exits: no autovacuum workers coming and going, and
      // no parallel workers, so all of a statement's work is in the one backend counted.
      '  -c autovacuum=off -c max_parallel_workers_per_gather=0',
      '',
    ].join('\n'),
  );
  chmodSync(wrapper, 0o755);
  return { wrapper, outputDir };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The totals of the output files that appear beside `known`, once `expected` of them are complete. */
async function newTotals(
  outputDir: string,
  known: Set<string>,
  expected: number,
): Promise<number[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const fresh = readdirSync(outputDir).filter((name) => !known.has(name));
    const totals = fresh
      .map((name) => callgrindTotal(readFileSync(path.join(outputDir, name), 'utf8')))
      .filter((total): total is number => total !== null);
    if (totals.length >= expected) {
      for (const name of fresh) known.add(name);
      return totals;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `callgrind wrote ${totals.length} of ${expected} output files in ${outputDir}`,
      );
    }
    await sleep(200);
  }
}

export interface InstructionCountOptions {
  binDir: string;
  databaseUrl: string;
  outputDir: string;
  /** The pgbench script (its `\set` lines vary the rows each transaction reads). */
  script: string;
  name: string;
  /** pgbench -D: initial values of the script's variables. */
  defines?: Record<string, number | string>;
  /** Transactions of the short and the long run. */
  transactions?: { short: number; long: number };
  protocol: PgbenchProtocol;
}

/**
 * Instructions the server spends per transaction of `script` on one connection, from two runs
 * under callgrind. pgbench opens one connection of its own before its client's, so each run
 * leaves two output files; the client's backend is the larger.
 */
export async function instructionsPerTransaction(
  options: InstructionCountOptions,
): Promise<number> {
  const { short, long } = options.transactions ?? { short: 20, long: 120 };
  const known = new Set(readdirSync(options.outputDir));
  const scriptFile = path.join(options.outputDir, `${options.name}.sql`);
  writeFileSync(scriptFile, options.script);
  known.add(path.basename(scriptFile));
  const clientTotal = async (transactions: number) => {
    const result = await runProgram(
      path.join(options.binDir, 'pgbench'),
      [
        '--no-vacuum',
        `--file=${scriptFile}`,
        '--client=1',
        `--protocol=${options.protocol}`,
        // The same rows every run: the scripts' random() picks from a fixed seed.
        '--random-seed=1',
        `--transactions=${transactions}`,
        ...Object.entries(options.defines ?? {}).map(
          ([name, value]) => `--define=${name}=${value}`,
        ),
        options.databaseUrl,
      ],
      options.outputDir,
    );
    if (result.code !== 0 || /aborted|error/i.test(result.stderr)) {
      throw new PgbenchError(
        `pgbench exited with ${result.code} under callgrind`,
        `${result.stdout}\n${result.stderr}`,
      );
    }
    return Math.max(...(await newTotals(options.outputDir, known, 2)));
  };
  // Unmeasured: the first connections after a restart build the relation cache's init file,
  // and the script's pages come into shared buffers; neither belongs to either measured run.
  await clientTotal(short);
  const shortRun = await clientTotal(short);
  const longRun = await clientTotal(long);
  return (longRun - shortRun) / (long - short);
}
