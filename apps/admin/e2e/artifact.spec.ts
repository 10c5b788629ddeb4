import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import adminPackage from '../package.json' with { type: 'json' };
import { type HeaderRule, headerRules, headersFor } from '../scripts/static-host.mjs';
import { expect, expectAccessible, signIn, stack, test } from './support/fixtures';

// The deployable console as a static host serves it: `build:artifact`'s directory, configured
// at "deploy time" by configure-artifact for the main job's API, served by a plain static file
// server on 127.0.0.1 that sends only what the generated headers.json says. Real Chromium
// enforces the CSP; a person signs in and works, and no violation may be reported.

const appDir = path.resolve(import.meta.dirname, '..');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

let artifactDir: string;
let host: Server;
let hostUrl: string;
let rules: HeaderRule[];

/** A static host: files as they are, unknown paths answered with index.html (single-page app). */
function staticHost(dir: string, hostRules: HeaderRule[]): Server {
  return createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://host').pathname);
    let file = path.join(dir, path.normalize(pathname));
    if (!file.startsWith(dir) || !existsSync(file) || statSync(file).isDirectory()) {
      file = path.join(dir, 'index.html');
    }
    // As Netlify and Cloudflare Pages: rules match the request's path.
    for (const [name, value] of Object.entries(headersFor(hostRules, pathname))) {
      response.setHeader(name, value);
    }
    response.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    response.end(readFileSync(file));
  });
}

/** The key the main job hands its own console (its /env.js), so the artifact uses the same. */
async function mainJobAnonKey(): Promise<string> {
  const script = await (await fetch(`${stack.consoleUrl}/env.js`)).text();
  const json = script.slice(script.indexOf('{'), script.lastIndexOf('}') + 1);
  return (JSON.parse(json) as Record<string, string>).VITE_SUPABASE_ANON_KEY!;
}

test.beforeAll(async () => {
  artifactDir = mkdtempSync(path.join(tmpdir(), 'pm-console-artifact-'));
  // `test` has just built dist; the artifact step copies it (build:artifact = build + this).
  const made = spawnSync(process.execPath, ['scripts/artifact.mjs', '--out', artifactDir], {
    cwd: appDir,
    encoding: 'utf8',
  });
  expect(made.status, made.stderr).toBe(0);
  const configured = spawnSync(process.execPath, ['scripts/configure-artifact.mjs', artifactDir], {
    cwd: appDir,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      VITE_SUPABASE_URL: stack.apiUrl,
      VITE_SUPABASE_ANON_KEY: await mainJobAnonKey(),
    },
  });
  expect(configured.status, configured.stderr).toBe(0);
  rules = (
    JSON.parse(readFileSync(path.join(artifactDir, 'headers.json'), 'utf8')) as {
      rules: HeaderRule[];
    }
  ).rules;
  host = staticHost(artifactDir, rules);
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => host?.close(resolve));
  if (artifactDir) rmSync(artifactDir, { recursive: true, force: true });
});

test('the configured artifact carries the headers for its Supabase URL, the same the main job sends', async () => {
  expect(rules).toEqual(headerRules(stack.apiUrl));
  expect(readFileSync(path.join(artifactDir, '_headers'), 'utf8')).toContain(
    `connect-src ${stack.apiUrl};`,
  );
  const index = await fetch(`${hostUrl}/`);
  const csp = index.headers.get('content-security-policy') ?? '';
  expect(csp).toContain(`connect-src ${stack.apiUrl};`);
  expect(csp).toContain("script-src 'self';");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(index.headers.get('cache-control')).toBe('no-cache');
  expect(index.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
  expect(index.headers.get('x-content-type-options')).toBe('nosniff');
  const html = await index.text();
  // Nothing inline: every script is a file from the console's own origin.
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  expect(asset).toBeDefined();
  const assetResponse = await fetch(`${hostUrl}${asset}`);
  expect(assetResponse.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  const release = await fetch(`${hostUrl}/version.json`);
  expect(release.headers.get('cache-control')).toBe('no-cache');
  expect(await release.json()).toEqual({ version: adminPackage.version });
  const envResponse = await fetch(`${hostUrl}/env.js`);
  expect(envResponse.headers.get('cache-control')).toBe('no-cache');
  expect(await envResponse.text()).toContain(`"VITE_SUPABASE_URL":"${stack.apiUrl}"`);

  // The main job's console server: the same generator, the same headers.
  const mainJob = await fetch(`${stack.consoleUrl}/chapters/any`);
  for (const name of ['content-security-policy', 'strict-transport-security', 'cache-control']) {
    expect(mainJob.headers.get(name), name).toBe(index.headers.get(name));
  }
  const mainAsset = await fetch(`${stack.consoleUrl}${asset}`);
  expect(mainAsset.headers.get('cache-control')).toBe(assetResponse.headers.get('cache-control'));
});

test('a coordinator signs in and works in the deployed console with zero CSP violations, and the footer names the release', async ({
  browser,
}) => {
  const context = await browser.newContext({ baseURL: hostUrl });
  // Recorded in the page from its first moment (an init script is not subject to the page's CSP).
  await context.addInitScript(() => {
    const seen: string[] = [];
    Object.assign(window, { __cspViolations: seen });
    document.addEventListener('securitypolicyviolation', (event) => {
      seen.push(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}`);
    });
  });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  const violations = () =>
    page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);

  await signIn(page, 'kari.coordinator@hlf.demo');
  await page.getByRole('link', { name: 'Oslo' }).click();
  await expect(page.getByRole('heading', { name: 'Oslo', level: 1 })).toBeVisible();
  const roster = page.getByRole('table', { name: 'Likepersoner' });
  await expect(roster.getByRole('row', { name: /Anna Berg/ })).toBeVisible();
  // A dialog too (a portal, Mantine's transitions and focus trap) and a dropdown in it.
  await page.getByRole('button', { name: 'Sett på pause: Anna Berg' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sett Anna Berg på pause' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('combobox', { name: 'Årsak' }).click();
  await expect(page.getByRole('option', { name: 'Helse' })).toBeVisible();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  await expect(page.locator('footer')).toHaveText(`@peer-mentor/admin ${adminPackage.version}`);
  // Mantine's run-time <style> elements are there and applied: why styles allow inline elements.
  expect(await page.locator('style[data-mantine-styles]').count()).toBeGreaterThan(0);
  // axe-core's checks (which write and read styles) run under the same policy.
  await expectAccessible(page, 'the chapter page of the deployed console');
  expect(await violations()).toEqual([]);
  expect(consoleErrors.filter((text) => /Content Security Policy/i.test(text))).toEqual([]);

  // The policy is enforced and this listener hears it: an injected inline script does not run.
  const ran = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.__injectedRan = true;';
    document.head.append(script);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return (window as unknown as { __injectedRan?: boolean }).__injectedRan === true;
  });
  expect(ran).toBe(false);
  expect(await violations()).toEqual(['script-src-elem blocked inline']);
  await context.close();
});
