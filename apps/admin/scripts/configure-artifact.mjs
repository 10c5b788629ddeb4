// Deploy time: `VITE_SUPABASE_URL=… VITE_SUPABASE_ANON_KEY=… node configure-artifact.mjs <dir>`
// (or `pnpm --filter @peer-mentor/admin configure-artifact <dir>`) points a built console
// artifact at one Supabase project. It writes `env.js` (the URL and key), `_headers` and
// `headers.json` (the response headers, CSP from the same URL) into <dir>. Missing or invalid
// values are refused with the reason and exit 1, and then nothing in <dir> is changed.
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ConsoleEnvError,
  envScript,
  headerRules,
  headersFile,
  parseConsoleEnv,
} from './static-host.mjs';

const [dirArgument, ...extra] = process.argv.slice(2);
if (!dirArgument || extra.length > 0) {
  console.error(
    'usage: configure-artifact <artifact dir>   (reads VITE_SUPABASE_URL, VITE_SUPABASE_ANON_KEY)',
  );
  process.exit(64);
}
const dir = path.resolve(process.env.INIT_CWD ?? process.cwd(), dirArgument);
if (!existsSync(path.join(dir, 'index.html'))) {
  console.error(`${dir} is not a built console (no index.html): run build:artifact first`);
  process.exit(1);
}
let env;
try {
  env = parseConsoleEnv(process.env);
} catch (error) {
  if (!(error instanceof ConsoleEnvError)) throw error;
  console.error(`${error.message}\nnothing in ${dir} was changed`);
  process.exit(1);
}
const rules = headerRules(env.supabaseUrl);
const files = {
  'env.js': envScript(env),
  _headers: headersFile(rules),
  'headers.json': `${JSON.stringify({ rules }, null, 2)}\n`,
};
// Each file appears whole (written aside, then renamed over the old one).
for (const [name, text] of Object.entries(files)) {
  const target = path.join(dir, name);
  writeFileSync(`${target}.tmp`, text);
  renameSync(`${target}.tmp`, target);
}
console.log(
  `console artifact ${dir} now talks to ${env.supabaseUrl}: wrote ${Object.keys(files).join(', ')}`,
);
