// Shared vitest preset. Plain JavaScript on purpose: vitest loads config files through
// Node, which cannot import a TypeScript file from a workspace package.
import { defineConfig, mergeConfig } from 'vitest/config';

/** Resolve workspace packages to their TypeScript source, as `tsconfig` does. */
// The rest are Vite's default server conditions.
const sourceConditions = ['@peer-mentor/source', 'module', 'node', 'development|production'];

/**
 * @param {string} suiteName names the JSON result file that `pnpm test` sums up
 * @param {import('vitest/config').UserConfig} [overrides]
 */
export function defineSuiteConfig(suiteName, overrides = {}) {
  const resultFile = process.env.PM_TEST_RESULTS_DIR
    ? `${process.env.PM_TEST_RESULTS_DIR}/${suiteName}.vitest.json`
    : undefined;
  return mergeConfig(
    defineConfig({
      resolve: { conditions: sourceConditions },
      ssr: { resolve: { conditions: sourceConditions } },
      test: {
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        reporters: resultFile ? ['default', 'json'] : ['default'],
        outputFile: resultFile ? { json: resultFile } : undefined,
        testTimeout: 30_000,
        hookTimeout: 120_000,
      },
    }),
    defineConfig(overrides),
  );
}
