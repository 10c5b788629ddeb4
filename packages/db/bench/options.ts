import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Seconds each pgbench run lasts. */
  durationSeconds: number;
  /** Mentors in the read-path roster. */
  scaleMentors: number;
  help: boolean;
}

export const USAGE = `Usage: pnpm bench:db [--duration <seconds>] [--scale-mentors <n>]

  --duration <seconds>   length of each pgbench run (default 20)
  --scale-mentors <n>    mentors in the read-path roster (default 1000000)

Runs on DATABASE_URL when set, else on a throwaway cluster from the machine's binaries.
Prints a results table and writes <repo>/.bench-results/db.json.`;

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
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  return {
    durationSeconds: positiveInteger('--duration', values.duration, 20),
    scaleMentors: positiveInteger('--scale-mentors', values['scale-mentors'], 1_000_000),
    help: values.help ?? false,
  };
}
