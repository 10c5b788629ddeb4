/**
 * The console's deploy step (`configure-artifact`): it points a built artifact at one Supabase
 * project by writing `env.js`, `_headers` and `headers.json`, and refuses missing or unsafe
 * values with the reason, leaving the directory exactly as it was. Run as the deploy workflow
 * runs it: `node configure-artifact.mjs <dir>` with the two variables in the environment.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type HeaderRule,
  headerRules,
  headersFor,
  parseConsoleEnv,
} from '../../../apps/admin/scripts/static-host.mjs';

const script = join(import.meta.dirname, '../../../apps/admin/scripts/configure-artifact.mjs');
const PROJECT = 'https://abcdefghijklmnopqrst.supabase.co';
const PUBLISHABLE = 'sb_publishable_Zm9vYmFyYmF6cXV4';

/** A legacy Supabase key: an (unverified here) JWT whose payload names the role. */
const legacyKey = (role: string) =>
  [{ alg: 'HS256', typ: 'JWT' }, { iss: 'supabase', role }, 'signature']
    .map((part) =>
      typeof part === 'string' ? part : Buffer.from(JSON.stringify(part)).toString('base64url'),
    )
    .join('.');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pm-admin-artifact-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script src="/env.js"></script>');
  writeFileSync(join(dir, 'env.js'), '// placeholder\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function configure(env: Record<string, string>, target = dir) {
  return spawnSync(process.execPath, [script, target], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
}

const snapshot = (at: string) =>
  Object.fromEntries(readdirSync(at).map((name) => [name, readFileSync(join(at, name), 'utf8')]));

/** `_headers` read back the way Netlify and Cloudflare Pages read it. */
function parseHeadersFile(text: string): HeaderRule[] {
  const rules: HeaderRule[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    if (!/^\s/.test(line)) rules.push({ path: line.trim(), headers: {} });
    else {
      const at = line.indexOf(':');
      rules.at(-1)!.headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
  }
  return rules;
}

describe('configure-artifact', () => {
  it('writes env.js and the headers for the project, the two header files saying the same', () => {
    const result = configure({
      VITE_SUPABASE_URL: `${PROJECT}/`,
      VITE_SUPABASE_ANON_KEY: PUBLISHABLE,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(dir, 'env.js'), 'utf8')).toBe(
      `window.__PM_ENV__ = {"VITE_SUPABASE_URL":"${PROJECT}","VITE_SUPABASE_ANON_KEY":"${PUBLISHABLE}"};\n`,
    );
    const json = JSON.parse(readFileSync(join(dir, 'headers.json'), 'utf8')) as {
      rules: HeaderRule[];
    };
    expect(json.rules).toEqual(headerRules(PROJECT));
    expect(parseHeadersFile(readFileSync(join(dir, '_headers'), 'utf8'))).toEqual(json.rules);
  });

  it('accepts a legacy anon JWT and plain http on this machine (the local stack)', () => {
    const result = configure({
      VITE_SUPABASE_URL: 'http://127.0.0.1:54321',
      VITE_SUPABASE_ANON_KEY: legacyKey('anon'),
    });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(dir, '_headers'), 'utf8')).toContain(
      'connect-src http://127.0.0.1:54321;',
    );
  });

  it.each([
    [{}, ['VITE_SUPABASE_URL is missing', 'VITE_SUPABASE_ANON_KEY is missing']],
    [{ VITE_SUPABASE_URL: 'not a url', VITE_SUPABASE_ANON_KEY: PUBLISHABLE }, ['is not a URL']],
    [
      { VITE_SUPABASE_URL: 'http://example.supabase.co', VITE_SUPABASE_ANON_KEY: PUBLISHABLE },
      ['must be https'],
    ],
    [
      { VITE_SUPABASE_URL: `${PROJECT}/rest/v1`, VITE_SUPABASE_ANON_KEY: PUBLISHABLE },
      ["must be the project's origin"],
    ],
    [
      { VITE_SUPABASE_URL: PROJECT, VITE_SUPABASE_ANON_KEY: 'sb_secret_abc' },
      ['is a secret (service-role) key'],
    ],
    [
      { VITE_SUPABASE_URL: PROJECT, VITE_SUPABASE_ANON_KEY: legacyKey('service_role') },
      ['is a secret (service-role) key'],
    ],
    [
      { VITE_SUPABASE_URL: PROJECT, VITE_SUPABASE_ANON_KEY: 'hunter2' },
      ['neither a publishable key'],
    ],
  ])('refuses %j with the reason and changes nothing', (env, reasons) => {
    // A previously configured artifact stays as it was.
    expect(
      configure({ VITE_SUPABASE_URL: PROJECT, VITE_SUPABASE_ANON_KEY: PUBLISHABLE }).status,
    ).toBe(0);
    const before = snapshot(dir);
    const result = configure(env as Record<string, string>);
    expect(result.status).toBe(1);
    for (const reason of reasons) expect(result.stderr).toContain(reason);
    expect(result.stderr).toContain('nothing in');
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses a directory that is not a built console, and a call without one', () => {
    const empty = mkdtempSync(join(tmpdir(), 'pm-admin-empty-'));
    try {
      const result = configure(
        { VITE_SUPABASE_URL: PROJECT, VITE_SUPABASE_ANON_KEY: PUBLISHABLE },
        empty,
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('not a built console');
      expect(readdirSync(empty)).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    const usage = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    expect(usage.status).toBe(64);
    expect(usage.stderr).toContain('usage: configure-artifact');
  });
});

describe('the console headers', () => {
  const rules = headerRules(PROJECT);
  const csp = headersFor(rules, '/')['Content-Security-Policy']!;
  const directive = (name: string) =>
    csp
      .split('; ')
      .find((part) => part.startsWith(`${name} `))
      ?.slice(name.length + 1);

  it('allow scripts only from the console itself and connections only to the project', () => {
    expect(directive('default-src')).toBe("'none'");
    expect(directive('script-src')).toBe("'self'");
    expect(directive('connect-src')).toBe(PROJECT);
    expect(directive('frame-ancestors')).toBe("'none'");
    expect(directive('style-src')).toBe("'self' 'unsafe-inline'");
    expect(directive('style-src-attr')).toBe("'none'");
    expect(csp).not.toContain('unsafe-eval');
  });

  it('cache hashed assets for good and make everything naming them revalidate', () => {
    const cache = (path: string) => headersFor(rules, path)['Cache-Control'];
    expect(cache('/assets/index-CXnSwZah.js')).toBe('public, max-age=31536000, immutable');
    for (const path of ['/', '/index.html', '/env.js', '/version.json']) {
      expect(cache(path)).toBe('no-cache');
    }
  });

  it('never set one header in two rules that match one path (hosts differ in how they merge)', () => {
    for (const path of ['/', '/index.html', '/env.js', '/assets/a-1.js', '/chapters/x']) {
      const names = rules
        .filter((rule) =>
          rule.path.endsWith('*') ? path.startsWith(rule.path.slice(0, -1)) : path === rule.path,
        )
        .flatMap((rule) => Object.keys(rule.headers));
      expect(new Set(names).size, path).toBe(names.length);
      expect(headersFor(rules, path)['Strict-Transport-Security']).toBe(
        'max-age=63072000; includeSubDomains',
      );
    }
  });

  it('are generated from the normalized project URL', () => {
    expect(
      parseConsoleEnv({ VITE_SUPABASE_URL: ` ${PROJECT}/ `, VITE_SUPABASE_ANON_KEY: PUBLISHABLE }),
    ).toEqual({
      supabaseUrl: PROJECT,
      anonKey: PUBLISHABLE,
    });
  });
});
