import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { useTestDatabase } from '@peer-mentor/db/testing';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, people } from '../support/harness.js';
import { useLocalTarget } from '../wire/targets.js';

// A real browser (the machine's Chromium; never a downloaded one) on one origin calls the API
// on another with supabase-js, sending trace-context headers and an application header: the
// preflight must let them through, and its max-age must spare the next call a second one.

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const require = createRequire(import.meta.url);
const supabaseUmd = join(
  dirname(require.resolve('@supabase/supabase-js/package.json')),
  'dist/umd/supabase.js',
);

const local = useLocalTarget(useTestDatabase());
let browser: Browser;
let page: Server;
let pageOrigin: string;

beforeAll(async () => {
  const script = await readFile(supabaseUmd);
  page = createServer((request, response) => {
    if (request.url === '/supabase.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else {
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>app</title><script src="/supabase.js"></script>');
    }
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  const address = page.address();
  if (address === null || typeof address === 'string') throw new Error('no page address');
  pageOrigin = `http://127.0.0.1:${address.port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => page?.close(resolve));
});

describe('a browser on another origin', () => {
  it('reads through supabase-js with traceparent and an app header; the preflight is cached', async () => {
    const target = local.target;
    const token = await target.userToken(people.kari, ids.hlf);
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(`${pageOrigin}/`);
    const read = () =>
      tab.evaluate(
        async ({ url, anonKey, accessToken, sofie }) => {
          const client = (
            globalThis as unknown as {
              supabase: typeof import('@supabase/supabase-js');
            }
          ).supabase.createClient(url, anonKey, {
            auth: { persistSession: false, autoRefreshToken: false },
            accessToken: async () => accessToken,
            global: {
              headers: {
                traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
                tracestate: 'congo=t61rcWkgMzE',
                baggage: 'userId=alice',
                'x-app-version': '1.4.2',
              },
            },
          });
          const { data, error, status, count } = await client
            .from('peer_mentor_status')
            .select('status, reason_code', { count: 'exact' })
            .eq('peer_mentor_id', sofie);
          return { data, error, status, count };
        },
        { url: target.url, anonKey: target.anonKey, accessToken: token, sofie: ids.sofie },
      );
    const first = await read();
    expect(first).toEqual({
      data: [{ status: 'paused', reason_code: 'health' }],
      error: null,
      status: 200,
      // Content-Range is readable cross-origin only because it is exposed.
      count: 1,
    });
    expect(await read()).toEqual(first);
    const preflights = local.app.logLines
      .map((line) => JSON.parse(line) as { method?: string; path?: string; status?: number })
      .filter((line) => line.method === 'OPTIONS' && line.path === '/rest/v1/peer_mentor_status');
    expect(preflights.map((line) => line.status)).toEqual([204]);
    await context.close();
  });
});
