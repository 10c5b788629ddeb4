import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { stripVTControlCharacters } from 'node:util';
import { expect, stack, test } from './support/fixtures';

// `pnpm --filter @peer-mentor/admin dev` as the README says to run it: Vite's dev server on
// 127.0.0.1 against the running stack, configured only by VITE_SUPABASE_URL and
// VITE_SUPABASE_ANON_KEY; a person signs in through it.

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

test('the dev script serves the console with hot reload against the local stack, and a coordinator signs in through it', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  // The anon key, as the stack hands it to its own console.
  const envJs = await (await fetch(`${stack.consoleUrl}/env.js`)).text();
  const anonKey = /"VITE_SUPABASE_ANON_KEY"\s*:\s*"([^"]+)"/.exec(envJs)?.[1];
  expect(anonKey, envJs).toBeTruthy();
  const port = await freePort();
  const dev: ChildProcess = spawn('pnpm', ['run', 'dev', '--port', `${port}`], {
    cwd: process.cwd(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      VITE_SUPABASE_URL: stack.apiUrl,
      VITE_SUPABASE_ANON_KEY: anonKey,
    },
  });
  // What a person reads in the terminal (Vite colours it when the runner forces colour).
  let output = '';
  const read = (chunk: Buffer) => {
    output += stripVTControlCharacters(chunk.toString());
  };
  dev.stdout?.on('data', read);
  dev.stderr?.on('data', read);
  try {
    const url = `http://127.0.0.1:${port}`;
    await expect
      .poll(() => /Local:\s+http:\/\/127\.0\.0\.1:\d+/.test(output), {
        message: output,
        timeout: 60_000,
      })
      .toBe(true);
    expect(output).toContain(`Local:   ${url}/`);
    // Vite transforms the entry on request (no build): TypeScript and JSX become modules.
    const entry = await (await fetch(`${url}/src/main.tsx`)).text();
    expect(entry).toMatch(/import .* from "\/node_modules\/\.vite\/deps\/react/);
    expect(entry).not.toMatch(/: React\.|<StrictMode>/);

    const context = await browser.newContext({ baseURL: url });
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Logg inn' })).toBeVisible({ timeout: 60_000 });
    await page.getByLabel('E-post').fill('kari.coordinator@hlf.demo');
    await page
      .getByLabel('Passord', { exact: true })
      .fill(stack.logins['kari.coordinator@hlf.demo']!);
    await page.getByRole('button', { name: 'Logg inn' }).click();
    await expect(page.getByRole('heading', { name: 'Lokallag' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Oslo' })).toBeVisible();
    await context.close();
  } finally {
    if (dev.pid) process.kill(-dev.pid, 'SIGTERM');
    await new Promise((resolve) => {
      if (dev.exitCode !== null) resolve(null);
      else dev.once('exit', resolve);
    });
  }
});
