import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (this file sits one level below it, in src/ or dist/). */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The Supabase CLI project directory: config.toml, migrations/, tests/database/. */
export const supabaseDir = path.join(packageRoot, 'supabase');
export const migrationsDir = path.join(supabaseDir, 'migrations');
export const pgTapTestsDir = path.join(supabaseDir, 'tests', 'database');

/** The local Supabase platform layer (never pushed to a real project). */
export const platformLayerFile = path.join(packageRoot, 'platform', 'supabase-platform.sql');
