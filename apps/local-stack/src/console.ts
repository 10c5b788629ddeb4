import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import {
  envScript,
  headerRules,
  headersFor,
  parseConsoleEnv,
} from '@peer-mentor/admin/static-host';
import { listen, type RunningServer } from '@peer-mentor/api';
import { Hono } from 'hono';

/**
 * The web console (apps/admin) as production serves it: the built files from their own origin
 * on 127.0.0.1 (so every API call is cross-origin and CORS is exercised), with `/env.js`
 * telling the one prebuilt bundle where Supabase is, and the response headers a static host
 * sends for the deployed artifact (CSP, HSTS, cache rules), from the same generator.
 */
export async function serveConsole(options: {
  repoRoot: string;
  port: number;
  supabaseUrl: string;
  anonKey: string;
  say: (line: string) => void;
}): Promise<RunningServer> {
  const appDir = path.join(options.repoRoot, 'apps', 'admin');
  const dist = path.join(appDir, 'dist');
  if (!existsSync(path.join(dist, 'index.html'))) {
    options.say('building the web console (apps/admin) once');
    const build = spawnSync('pnpm', ['--filter', '@peer-mentor/admin', 'build'], {
      cwd: options.repoRoot,
      stdio: 'inherit',
      // A production build whatever NODE_ENV the caller runs with (a test runner sets `test`,
      // which makes Vite bundle React's development build: bigger and slower).
      env: { ...process.env, NODE_ENV: 'production' },
    });
    if (build.status !== 0) throw new Error('the web console did not build');
  }
  // Checked as a deploy checks them (configure-artifact): the same normalized URL and key.
  const env = parseConsoleEnv({
    VITE_SUPABASE_URL: options.supabaseUrl,
    VITE_SUPABASE_ANON_KEY: options.anonKey,
  });
  const rules = headerRules(env.supabaseUrl);
  const app = new Hono();
  // The headers of the file served: a route of the single-page app is answered with index.html.
  app.use('*', async (c, next) => {
    await next();
    const served =
      c.req.path === '/env.js' || c.req.path.startsWith('/assets/') ? c.req.path : '/index.html';
    for (const [name, value] of Object.entries(headersFor(rules, served))) c.header(name, value);
  });
  app.get('/env.js', (c) =>
    c.body(envScript(env), 200, { 'Content-Type': 'text/javascript; charset=utf-8' }),
  );
  app.use('/assets/*', serveStatic({ root: path.relative(process.cwd(), dist) }));
  app.get('/assets/*', (c) => c.notFound());
  // Every other path is a route of the single-page app (read per request: a rebuild shows).
  app.get('*', (c) => c.html(readFileSync(path.join(dist, 'index.html'), 'utf8')));
  return listen(app, { host: '127.0.0.1', port: options.port });
}
