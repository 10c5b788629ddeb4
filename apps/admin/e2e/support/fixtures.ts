import AxeBuilder from '@axe-core/playwright';
import { type Browser, test as base, expect, type Page } from '@playwright/test';

export interface Stack {
  consoleUrl: string;
  apiUrl: string;
  /** The stack's database, for benchmarks that need a large roster. */
  databaseUrl: string;
  logins: Record<string, string>;
}

export const stack: Stack = JSON.parse(process.env.PM_E2E_STACK ?? '{}');

/** Screenshots of each main page, kept as the suite's artifacts (see the README). */
export const SCREENSHOT_DIR = 'test-results/screenshots';

/** A person at their own browser: a fresh context, signed in through the sign-in page. */
export async function personSignsIn(browser: Browser, email: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: stack.consoleUrl });
  const page = await context.newPage();
  await signIn(page, email);
  return page;
}

export async function signIn(page: Page, email: string) {
  const password = stack.logins[email];
  if (!password) throw new Error(`no demo login ${email} in the main job's banner`);
  await page.goto('/');
  await page.getByLabel('E-post').fill(email);
  await page.getByLabel('Passord', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Logg inn' }).click();
  await expect(page.getByRole('button', { name: 'Logg ut' })).toBeVisible();
}

/** Zero serious or critical accessibility violations on what the page shows now. */
export async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
  expect(
    serious.map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`,
    ),
    `accessibility of ${what}`,
  ).toEqual([]);
}

/** The page at desktop and at phone width (375 px), saved as artifacts. */
export async function screenshots(page: Page, name: string) {
  const viewport = page.viewportSize();
  await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 375, height: 812 });
  await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}-phone.png`, fullPage: true });
  if (viewport) await page.setViewportSize(viewport);
}

/** Pages open on the console the main job serves. */
export const test = base.extend({
  baseURL: async ({ baseURL: _configured }, use) => use(stack.consoleUrl),
});
export { expect };
