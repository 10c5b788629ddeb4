import { z } from 'zod';

/**
 * The db package's environment, parsed once. Nothing else in the package reads process.env.
 */
const EnvSchema = z.object({
  /** A PostgreSQL server to use instead of starting one (main job, tests, benchmarks). */
  DATABASE_URL: z.string().url().optional(),
  /** Directory of the PostgreSQL server binaries; detected when absent. */
  PG_BINDIR: z.string().min(1).optional(),
  /** Set by the test runner: the server and template database the test files clone. */
  PM_TEST_ADMIN_URL: z.string().url().optional(),
  PM_TEST_TEMPLATE_DATABASE: z.string().min(1).optional(),
  /** Where test suites write their result counts (`pnpm test` sums them). */
  PM_TEST_RESULTS_DIR: z.string().min(1).optional(),
});

export type DbEnv = z.infer<typeof EnvSchema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): DbEnv {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
