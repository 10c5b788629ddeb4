/**
 * `pnpm --filter @peer-mentor/db migrations:check [--db-url URL] [--dir DIR]`: the pre-deploy
 * guard of `supabase db push` (src/migration-guard.ts). Exits 1, naming each file, when an
 * applied migration was edited or removed; 0 otherwise, listing what the push would apply.
 * The database URL defaults to DATABASE_URL.
 */
import { parseArgs } from 'node:util';
import { readEnv } from '../src/env.js';
import { checkMigrations, describeProblem } from '../src/migration-guard.js';
import { migrationsDir } from '../src/paths.js';

const { values } = parseArgs({
  options: { 'db-url': { type: 'string' }, dir: { type: 'string' } },
});
const databaseUrl = values['db-url'] ?? readEnv().DATABASE_URL;
if (!databaseUrl) {
  console.error('migrations:check: pass --db-url or set DATABASE_URL');
  process.exit(64);
}
const check = await checkMigrations(databaseUrl, values.dir ?? migrationsDir);
for (const problem of check.problems) console.error(`refused: ${describeProblem(problem)}`);
console.log(
  `migrations: ${check.applied.length} applied and unchanged, ${check.pending.length} pending${
    check.pending.length ? ` (${check.pending.join(', ')})` : ''
  }, ${check.problems.length} problem(s)`,
);
process.exit(check.ok ? 0 : 1);
