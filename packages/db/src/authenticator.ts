import pg from 'pg';

/**
 * The login role the API connects as, like PostgREST's: NOINHERIT, and a member of `anon`,
 * `authenticated` and `service_role` only (the platform layer creates it locally). PostgreSQL
 * checks SET ROLE against the session user, so a session that logged in as this role can
 * become those three and nothing else — never `postgres`, whatever SQL runs in it.
 */
export const AUTHENTICATOR_ROLE = 'authenticator';

/** `url` logging in as the authenticator role, with `password` (none: the server trusts it). */
export function authenticatorUrl(url: string, password?: string): string {
  const parsed = new URL(url);
  parsed.username = AUTHENTICATOR_ROLE;
  parsed.password = password === undefined ? '' : encodeURIComponent(password);
  return parsed.toString();
}

/**
 * Gives the authenticator role `password`, through `adminUrl` (a role that may alter it, e.g.
 * the superuser of a local cluster). For local clusters only: on a hosted Supabase project the
 * platform owns this role, and the API uses a role of its own (see the API's README).
 */
export async function setAuthenticatorPassword(adminUrl: string, password: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(
      `alter role ${AUTHENTICATOR_ROLE} with login password ${client.escapeLiteral(password)}`,
    );
  } finally {
    await client.end();
  }
}
