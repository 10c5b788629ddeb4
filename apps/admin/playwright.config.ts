import { defineConfig, devices } from '@playwright/test';

// Playwright Test in the machine's Chromium (Debian's /usr/bin/chromium; nothing is downloaded),
// against the main job (`pnpm start`'s stack, started by global setup on free ports).
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/artifacts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // Stories of several people with axe and screenshots; the machine is shared and often loaded.
  timeout: 120_000,
  expect: { timeout: 10_000 },
  globalSetup: './e2e/support/global-setup.ts',
  reporter: [['list'], ['./e2e/support/counts-reporter.ts']],
  projects: [
    { name: 'e2e', testMatch: /\.spec\.ts$/ },
    // `pnpm --filter @peer-mentor/admin bench`: speed figures, never part of `test`.
    { name: 'bench', testMatch: /\.bench\.ts$/, timeout: 300_000 },
  ],
  use: {
    ...devices['Desktop Chrome'],
    locale: 'nb-NO',
    timezoneId: 'Europe/Oslo',
    launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS },
    trace: 'retain-on-failure',
  },
});
