import type { UserConfig } from 'vitest/config';

/**
 * The shared vitest config. `suiteName` names the JSON result file that `pnpm test` sums up
 * (written only when PM_TEST_RESULTS_DIR is set).
 */
export function defineSuiteConfig(suiteName: string, overrides?: UserConfig): UserConfig;
