/**
 * The nightly Edge Function's deploy artifact (`pnpm --filter @peer-mentor/scheduler bundle:edge`):
 *
 *   bundle-edge/supabase/config.toml                 [functions.nightly], entrypoint index.js
 *   bundle-edge/supabase/functions/nightly/index.js  the function and everything it imports
 *                                                    (the handler, the jobs, pg), one module
 *
 * `deno bundle` (the pinned npm package `deno`) resolves pg from node_modules; its bundler
 * (esbuild) is fetched from the npm registry once into node_modules/.cache. Deploy with
 *   supabase functions deploy nightly --workdir bundle-edge --project-ref <ref> --use-api
 * The bundle's first line names the scheduler release it came from.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { denoBinary, nightlyFunctionDir } from '../src/hosts/edge-function/serve-locally.js';

const packageRoot = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const outDir = path.resolve(packageRoot, values.out ?? 'bundle-edge');
const functionDir = path.join(outDir, 'supabase', 'functions', 'nightly');
const { version } = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {
  version: string;
};

rmSync(outDir, { recursive: true, force: true });
mkdirSync(functionDir, { recursive: true });
const bundled = spawnSync(
  denoBinary(),
  [
    'bundle',
    '--node-modules-dir=manual',
    '--platform=deno',
    '--output',
    path.join(functionDir, 'index.js'),
    path.join(nightlyFunctionDir, 'index.ts'),
  ],
  {
    cwd: nightlyFunctionDir,
    encoding: 'utf8',
    env: {
      // The environment as it is: a proxy or extra CA certificates for the registry apply.
      ...process.env,
      DENO_DIR: path.join(packageRoot, 'node_modules', '.cache', 'deno-bundle'),
      DENO_NO_UPDATE_CHECK: '1',
      DENO_NO_PROMPT: '1',
      NO_COLOR: '1',
    },
  },
);
if (bundled.status !== 0) {
  console.error(bundled.stderr || bundled.stdout);
  process.exit(1);
}
const entry = path.join(functionDir, 'index.js');
writeFileSync(
  entry,
  `// @peer-mentor/scheduler@${version}: the nightly Edge Function, bundled.\n${readFileSync(entry, 'utf8')}`,
);
writeFileSync(
  path.join(outDir, 'supabase', 'config.toml'),
  `# The nightly Edge Function as deployed from @peer-mentor/scheduler@${version}.
# The function checks the caller's key itself (the service-role key or a secret key, which is
# not a JWT), so the gateway's JWT check stays off, pinned here as in supabase/config.toml.
project_id = "peer-mentor-pause"

[functions.nightly]
enabled = true
verify_jwt = false
entrypoint = "./functions/nightly/index.js"
`,
);
console.log(`${entry}: @peer-mentor/scheduler@${version}`);
