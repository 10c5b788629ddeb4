import { z } from 'zod';

// The db package's environment, parsed in one place: nothing else in the package reads
// process.env.

/** An unset variable and an empty one mean the same: not configured. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const EnvSchema = z.object({
  /** A PostgreSQL server to use instead of starting one (main job, tests, benchmarks). */
  DATABASE_URL: optional(z.string().url()),
  /** Directory of the PostgreSQL server binaries; detected when absent. */
  PG_BINDIR: optional(z.string().min(1)),
  /** Set by the test runner: the server and template database the test files clone. */
  PM_TEST_ADMIN_URL: optional(z.string().url()),
  PM_TEST_TEMPLATE_DATABASE: optional(z.string().min(1)),
  /** Where test suites write their result counts (`pnpm test` sums them). */
  PM_TEST_RESULTS_DIR: optional(z.string().min(1)),
  /** Replays one run of the concurrency storm test (its seed is printed on failure). */
  PM_STORM_SEED: optional(z.coerce.number().int().nonnegative()),
});

export type DbEnv = z.infer<typeof EnvSchema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): DbEnv {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
