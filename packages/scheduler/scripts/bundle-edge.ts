/**
 * The nightly Edge Function's deploy artifact (`pnpm --filter @peer-mentor/scheduler bundle:edge`):
 *
 *   bundle-edge/supabase/config.toml                 [functions.nightly], entrypoint index.js
 *   bundle-edge/supabase/functions/nightly/index.js  the function and everything it imports
 *                                                    (the handler, the jobs, pg), one module
 *
 * Built with esbuild from node_modules, offline (tooling/release/src/bundle.ts). Deploy with
 *   supabase functions deploy nightly --workdir bundle-edge --project-ref <ref> --use-api
 * The bundle's first line names the scheduler release it came from.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundlePackage } from '../../../tooling/release/src/bundle.js';
import { nightlyFunctionDir } from '../src/hosts/edge-function/serve-locally.js';

const packageRoot = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const outDir = path.resolve(packageRoot, values.out ?? 'bundle-edge');
const functionDir = path.join(outDir, 'supabase', 'functions', 'nightly');
const { version } = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {
  version: string;
};

rmSync(outDir, { recursive: true, force: true });
mkdirSync(functionDir, { recursive: true });
// esbuild (the same bundler as the Node services), offline: pg comes from node_modules and is
// inlined; Deno runs the result, resolving Node built-ins through node:module's createRequire.
await bundlePackage({
  packageDir: packageRoot,
  entry: path.relative(packageRoot, path.join(nightlyFunctionDir, 'index.ts')),
  outDir: functionDir,
  name: 'index.js',
  manifest: false,
});
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
