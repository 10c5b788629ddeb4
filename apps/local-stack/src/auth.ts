import { randomBytes } from 'node:crypto';
import {
  type AuthRoutesConfig,
  authRoutesConfig,
  createAuthPool,
  type Logger,
} from '@peer-mentor/api';
import pg from 'pg';

/**
 * The local Auth routes' database login: Supabase Auth's own role, supabase_auth_admin, with
 * a password made fresh at every start (set through the owner's connection), so the routes
 * never use the owner's rights. Where the owner may not set it (DATABASE_URL naming a hosted
 * Supabase database, whose Auth owns that role), the routes stay off: that project has Auth.
 */
export async function localAuthRoutes(
  databaseUrl: string,
  jwtSecret: string,
  logger: Logger,
): Promise<{ pool: pg.Pool; config: AuthRoutesConfig } | { off: string }> {
  const password = randomBytes(24).toString('base64url');
  const owner = new pg.Client({ connectionString: databaseUrl });
  await owner.connect();
  try {
    await owner.query(`alter role supabase_auth_admin with login password '${password}'`);
  } catch (error) {
    return { off: `cannot set supabase_auth_admin's password (${(error as Error).message})` };
  } finally {
    await owner.end();
  }
  const url = new URL(databaseUrl);
  url.username = 'supabase_auth_admin';
  url.password = password;
  return { pool: createAuthPool(url.toString(), logger), config: authRoutesConfig(jwtSecret) };
}
