import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { listen, type RunningServer } from '@peer-mentor/api';
import { Hono } from 'hono';

/**
 * The web console (apps/admin) as production serves it: the built files from their own origin
 * on 127.0.0.1 (so every API call is cross-origin and CORS is exercised), with `/env.js`
 * telling the one prebuilt bundle where Supabase is.
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
  const envScript = `window.__PM_ENV__ = ${JSON.stringify({
    VITE_SUPABASE_URL: options.supabaseUrl,
    VITE_SUPABASE_ANON_KEY: options.anonKey,
  })};\n`;
  const app = new Hono();
  app.get('/env.js', (c) =>
    c.body(envScript, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'no-store',
    }),
  );
  app.use(
    '/assets/*',
    serveStatic({
      root: path.relative(process.cwd(), dist),
      onFound: (_path, c) => {
        c.header('Cache-Control', 'public, max-age=31536000, immutable');
      },
    }),
  );
  // Every other path is a route of the single-page app (read per request: a rebuild shows).
  app.get('*', (c) => c.html(readFileSync(path.join(dist, 'index.html'), 'utf8')));
  return listen(app, { host: '127.0.0.1', port: options.port });
}
