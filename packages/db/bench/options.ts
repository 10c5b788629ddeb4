import { parseArgs } from 'node:util';
import type { PgbenchProtocol } from './pgbench.js';

export interface BenchOptions {
  /** Seconds each pgbench run lasts. */
  durationSeconds: number;
  /** Mentors in the read-path roster. */
  scaleMentors: number;
  /** How pgbench sends statements. */
  protocol: PgbenchProtocol;
  /** The scenario groups to run. */
  only: ScenarioGroup[];
  help: boolean;
}

export const SCENARIO_GROUPS = ['write', 'contention', 'read', 'console', 'instructions'] as const;
export type ScenarioGroup = (typeof SCENARIO_GROUPS)[number];

export const USAGE = `Usage: pnpm bench:db [--duration <seconds>] [--scale-mentors <n>] [--protocol <p>] [--only <groups>]

  --duration <seconds>   length of each pgbench run (default 20)
  --protocol <p>         how pgbench sends statements: prepared (default; as PostgREST does) or simple
  --scale-mentors <n>    mentors in the read-path roster (default 1000000)
  --only <groups>        comma-separated scenario groups: ${SCENARIO_GROUPS.join(', ')} (default: all)

instructions: the reads (and, with write, the write path) counted in server instructions per
transaction under Valgrind's callgrind (needs valgrind and the throwaway cluster; skipped otherwise).

Runs on DATABASE_URL when set, else on a throwaway cluster from the machine's binaries.
Prints a results table and writes <repo>/.bench-results/db.json.`;

function scenarioGroups(text: string | undefined): ScenarioGroup[] {
  if (text === undefined) return [...SCENARIO_GROUPS];
  const groups = text.split(',').map((group) => group.trim());
  const unknown = groups.filter((group) => !(SCENARIO_GROUPS as readonly string[]).includes(group));
  if (unknown.length > 0 || groups.length === 0) {
    throw new Error(`--only takes ${SCENARIO_GROUPS.join(', ')}; got ${JSON.stringify(text)}`);
  }
  return groups as ScenarioGroup[];
}

function pgbenchProtocol(text: string | undefined): PgbenchProtocol {
  if (text === undefined || text === 'prepared') return 'prepared';
  if (text === 'simple') return 'simple';
  throw new Error(`--protocol takes prepared or simple; got ${JSON.stringify(text)}`);
}

function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    // `pnpm bench:db -- --duration 5` passes the separator through.
    args: argv.filter((arg) => arg !== '--'),
    options: {
      duration: { type: 'string' },
      'scale-mentors': { type: 'string' },
      only: { type: 'string' },
      protocol: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  return {
    durationSeconds: positiveInteger('--duration', values.duration, 20),
    scaleMentors: positiveInteger('--scale-mentors', values['scale-mentors'], 1_000_000),
    protocol: pgbenchProtocol(values.protocol),
    only: scenarioGroups(values.only),
    help: values.help ?? false,
  };
}
