/**
 * Where the caller's identity lives in a Supabase access token.
 *
 * The organization claim is `app_metadata.organization_id`, not `user_metadata`: in Supabase
 * an end user can rewrite their own `user_metadata` (`auth.updateUser({ data })`), while
 * `app_metadata` is writable only with the service role. The database reads the same path in
 * exactly one place, `private.claimed_organization_id()`.
 *
 * The claim only selects which organization the caller is acting in. Authority always comes
 * from a current row in `organization_members`; a claim without one grants nothing.
 */
export const ORGANIZATION_ID_CLAIM = {
  /** Dotted form, for documentation and logs. */
  key: 'app_metadata.organization_id',
  /** The object the claim lives in, and its property. */
  container: 'app_metadata',
  property: 'organization_id',
} as const;

/** The JWT claim holding the user id (`auth.uid()` in SQL). */
export const SUBJECT_CLAIM = 'sub' as const;

/** The JWT claim holding the database role PostgREST switches to. */
export const ROLE_CLAIM = 'role' as const;

/** Database roles a Supabase token can name. */
export const databaseRoles = ['anon', 'authenticated', 'service_role'] as const;
export type DatabaseRole = (typeof databaseRoles)[number];
