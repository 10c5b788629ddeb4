// What a static host needs to serve the console's build: the runtime configuration (`env.js`)
// and the response headers, both derived from the Supabase URL and key the deploy supplies.
// One module for every server of the build: `configure-artifact.mjs` writes them into the
// artifact (`_headers` as Netlify and Cloudflare Pages read it, and `headers.json`), the main
// job's console server (apps/local-stack) sends the same headers per request.

/** Files a browser must fetch again on every visit: they name the hashed assets, the project or the release. */
export const REVALIDATED_PATHS = ['/', '/index.html', '/env.js', '/version.json'];
/** Vite's content-hashed output: a changed file gets a new name, so it may be cached for good. */
export const HASHED_ASSETS = '/assets/*';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class ConsoleEnvError extends Error {
  /** @param {string[]} problems */
  constructor(problems) {
    super(
      `the console's environment is not usable:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConsoleEnvError';
    this.problems = problems;
  }
}

/** The `role` claim of a JWT-shaped key, or undefined when the key is not a readable JWT. */
function jwtRole(key) {
  const parts = key.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof payload?.role === 'string' ? payload.role : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks `VITE_SUPABASE_URL` and `VITE_SUPABASE_ANON_KEY` as a browser will use them and returns
 * the normalized pair, or throws a ConsoleEnvError naming every problem. The key must be one a
 * browser may hold: a publishable key (`sb_publishable_…`) or a legacy JWT whose role is `anon`;
 * a secret or service-role key is refused, it would hand every visitor the whole database.
 * @param {Record<string, string | undefined>} env
 * @returns {{ supabaseUrl: string, anonKey: string }}
 */
export function parseConsoleEnv(env) {
  const problems = [];
  const rawUrl = env.VITE_SUPABASE_URL?.trim() ?? '';
  const anonKey = env.VITE_SUPABASE_ANON_KEY?.trim() ?? '';
  let supabaseUrl = '';
  if (rawUrl === '') {
    problems.push('VITE_SUPABASE_URL is missing (the project URL, https://<ref>.supabase.co)');
  } else if (!URL.canParse(rawUrl)) {
    problems.push(`VITE_SUPABASE_URL is not a URL: ${JSON.stringify(rawUrl)}`);
  } else {
    const url = new URL(rawUrl);
    const loopback = LOOPBACK_HOSTS.has(url.hostname);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
      problems.push(
        `VITE_SUPABASE_URL must be https (plain http only on this machine): ${JSON.stringify(rawUrl)}`,
      );
    } else if (url.username || url.password || url.search || url.hash || url.pathname !== '/') {
      problems.push(
        `VITE_SUPABASE_URL must be the project's origin, with no path, query or credentials: ${JSON.stringify(rawUrl)}`,
      );
    } else {
      supabaseUrl = url.origin;
    }
  }
  if (anonKey === '') {
    problems.push('VITE_SUPABASE_ANON_KEY is missing (the publishable or legacy anon key)');
  } else if (anonKey.startsWith('sb_secret_') || jwtRole(anonKey) === 'service_role') {
    problems.push(
      'VITE_SUPABASE_ANON_KEY is a secret (service-role) key: the console is public, give it the publishable or anon key',
    );
  } else if (!/^sb_publishable_[A-Za-z0-9_-]+$/.test(anonKey) && jwtRole(anonKey) !== 'anon') {
    problems.push(
      'VITE_SUPABASE_ANON_KEY is neither a publishable key (sb_publishable_…) nor a JWT with role "anon"',
    );
  }
  if (problems.length > 0) throw new ConsoleEnvError(problems);
  return { supabaseUrl, anonKey };
}

/** The body of `/env.js`: the two values the prebuilt bundle reads at start-up. */
export function envScript({ supabaseUrl, anonKey }) {
  return `window.__PM_ENV__ = ${JSON.stringify({
    VITE_SUPABASE_URL: supabaseUrl,
    VITE_SUPABASE_ANON_KEY: anonKey,
  })};\n`;
}

/**
 * The Content-Security-Policy for the console talking to `supabaseUrl` (an origin). Scripts only
 * from the console's own origin, never inline (index.html loads `/env.js` and the bundle as
 * files). Styles: Mantine writes `<style>` elements at run time (its CSS variables, the
 * responsive classes, AppShell's and Grid's media queries, the colour-scheme switch), whose
 * content depends on props, so no hash list can be fixed at build time and a static host cannot
 * hand out a per-response nonce: `style-src` allows 'unsafe-inline' for style ELEMENTS, while
 * inline style ATTRIBUTES stay refused (`style-src-attr 'none'`; React sets the `style` prop
 * through the CSSOM, which CSP does not govern). The Chromium test of the artifact records no
 * violation of either, axe-core's checks included.
 */
export function contentSecurityPolicy(supabaseUrl) {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "style-src-attr 'none'",
    "img-src 'self'",
    "font-src 'self'",
    `connect-src ${supabaseUrl}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The response headers of the built console, as rules of a path pattern (`*` matches the rest of
 * the path, as in Netlify's and Cloudflare Pages' `_headers`) and the headers it adds. No header
 * name appears in two rules that match one path, so hosts that join repeated headers with a
 * comma and hosts that keep the most specific one send the same thing.
 * @returns {{ path: string, headers: Record<string, string> }[]}
 */
export function headerRules(supabaseUrl) {
  return [
    {
      path: '/*',
      headers: {
        'Content-Security-Policy': contentSecurityPolicy(supabaseUrl),
        'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'X-Frame-Options': 'DENY',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
      },
    },
    { path: HASHED_ASSETS, headers: { 'Cache-Control': 'public, max-age=31536000, immutable' } },
    ...REVALIDATED_PATHS.map((path) => ({ path, headers: { 'Cache-Control': 'no-cache' } })),
  ];
}

function matches(pattern, pathname) {
  return pattern.endsWith('*') ? pathname.startsWith(pattern.slice(0, -1)) : pathname === pattern;
}

/** The headers a host following `rules` sends for `pathname`: every matching rule's headers. */
export function headersFor(rules, pathname) {
  const headers = {};
  for (const rule of rules) {
    if (!matches(rule.path, pathname)) continue;
    for (const [name, value] of Object.entries(rule.headers)) {
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
  }
  return headers;
}

/** The rules as a `_headers` file (Netlify, Cloudflare Pages and hosts that copy them). */
export function headersFile(rules) {
  const blocks = rules.map(
    (rule) =>
      `${rule.path}\n${Object.entries(rule.headers)
        .map(([name, value]) => `  ${name}: ${value}`)
        .join('\n')}`,
  );
  return `# Generated by apps/admin/scripts/configure-artifact.mjs; see DEPLOYING.md.\n${blocks.join('\n\n')}\n`;
}
