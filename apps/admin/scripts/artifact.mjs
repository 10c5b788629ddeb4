// `pnpm --filter @peer-mentor/admin build:artifact [--out <dir>]` (after `vite build` and the
// bundle budget): the deployable console, a static directory for any static host. It is the
// build without the budget report, with a placeholder `env.js`: the Supabase URL and key, and
// the response headers derived from them, are written at deploy time by configure-artifact.mjs.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const appDir = path.resolve(import.meta.dirname, '..');
const dist = path.join(appDir, 'dist');
const { values } = parseArgs({ options: { out: { type: 'string' } } });
// A given --out is relative to where the command was typed (pnpm runs scripts in apps/admin).
const out = values.out
  ? path.resolve(process.env.INIT_CWD ?? process.cwd(), values.out)
  : path.join(appDir, 'artifact');

if (!existsSync(path.join(dist, 'index.html'))) {
  console.error('no dist/index.html: run `vite build` first');
  process.exit(1);
}
if (existsSync(out) && readdirSync(out).length > 0) rmSync(out, { recursive: true });
mkdirSync(out, { recursive: true });
cpSync(dist, out, {
  recursive: true,
  filter: (source) => path.relative(dist, source) !== 'bundle-budget.json',
});
// Which release a host serves: `curl <console>/version.json`; the deploy waits for it.
const { version } = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8'));
writeFileSync(path.join(out, 'version.json'), `${JSON.stringify({ version })}\n`);
console.log(`console artifact: ${out} (configure it at deploy time: configure-artifact)`);
