/**
 * `pnpm db:migrate`: brings the database at DATABASE_URL up to date. Applies the local Supabase
 * platform layer when the database has no `auth.users` (a plain PostgreSQL), then pushes
 * pending migrations with the Supabase CLI (`supabase db push --db-url`), exactly as against
 * a hosted project.
 */
import { readEnv } from '../src/env.js';
import { migrate } from '../src/migrate.js';

const { DATABASE_URL } = readEnv();
if (!DATABASE_URL) {
  console.error(
    'db:migrate needs DATABASE_URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres',
  );
  process.exit(2);
}
migrate(DATABASE_URL, (line) => console.log(line)).then(
  () => console.log('database is up to date'),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
