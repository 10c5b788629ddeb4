import { z } from 'zod';
import { MemberRole } from './enums.js';
import { WireUuid } from './wire.js';

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

/**
 * The caller's role in the claimed organization, which `custom_access_token_hook` adds beside
 * the organization. Informational only (for display): authority is `organization_members`,
 * so a stale role in an unexpired token grants nothing.
 */
export const ORGANIZATION_ROLE_CLAIM = {
  key: 'app_metadata.organization_role',
  container: 'app_metadata',
  property: 'organization_role',
} as const;

/**
 * `app_metadata` of an access token as `public.custom_access_token_hook` leaves it: the
 * selected organization (while the user is a current member there; otherwise the oldest
 * current membership; absent without one) and the role there. Supabase Auth's own keys
 * (`provider`, `providers`, …) pass through.
 */
export const AccessTokenAppMetadata = z
  .looseObject({
    [ORGANIZATION_ID_CLAIM.property]: WireUuid.optional(),
    [ORGANIZATION_ROLE_CLAIM.property]: MemberRole.optional(),
  })
  .meta({
    title: 'AccessTokenAppMetadata',
    description:
      'app_metadata in an access token, as custom_access_token_hook writes it: organization_id selects the organization (authority stays in organization_members); organization_role is informational. Both are absent without a current membership.',
  });
export type AccessTokenAppMetadata = z.infer<typeof AccessTokenAppMetadata>;

/** The JWT claim holding the user id (`auth.uid()` in SQL). */
export const SUBJECT_CLAIM = 'sub' as const;

/** The JWT claim holding the database role PostgREST switches to. */
export const ROLE_CLAIM = 'role' as const;

/** The JWT claim holding the expiry, in seconds since the epoch. */
export const EXPIRY_CLAIM = 'exp' as const;

/** Database roles a Supabase token can name. */
export const databaseRoles = ['anon', 'authenticated', 'service_role'] as const;
export type DatabaseRole = (typeof databaseRoles)[number];
export const DatabaseRole = z.enum(databaseRoles);

/** Any 8-4-4-4-12 hexadecimal id, as PostgreSQL's `uuid` type accepts and prints it. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who a decoded token says the caller is, read the way the database reads it. */
export interface CallerClaims {
  /** `sub`: the user id; null for the anon and service-role keys, which name no user. */
  subject: string | null;
  /** `role`: the database role the request runs as. */
  role: DatabaseRole;
  /**
   * `app_metadata.organization_id`: the organization the caller acts in, or null when the
   * claim is absent or not a uuid (the database then selects no organization either).
   */
  organizationId: string | null;
}

export type JwtClaimsProblem =
  | 'not_an_object'
  | 'missing_role'
  | 'unknown_role'
  | 'missing_subject'
  | 'invalid_subject'
  | 'expired';

/** A decoded token the database would not accept as a caller. */
export class JwtClaimsError extends Error {
  override readonly name = 'JwtClaimsError';
  constructor(
    readonly reason: JwtClaimsProblem,
    message: string,
  ) {
    super(message);
  }
}

export type ReadJwtClaimsResult =
  | { success: true; data: CallerClaims }
  | { success: false; error: JwtClaimsError };

export interface ReadJwtClaimsOptions {
  /** The clock `exp` is compared with (default: now). */
  now?: Date;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads subject, role and organization from a decoded JWT payload, with the database's
 * rules: `role` must name an API role; `sub`, when present, must be a uuid (`auth.uid()` casts
 * it), and an `authenticated` token must carry one; an `exp` that has passed, or is not a
 * number, identifies nobody (`private.claims_expired()`); the organization comes only from
 * `app_metadata`, never from `user_metadata`.
 *
 * It does not verify the signature: pass it a payload your JWT library has verified.
 */
export function readJwtClaims(
  payload: unknown,
  options: ReadJwtClaimsOptions = {},
): ReadJwtClaimsResult {
  const fail = (reason: JwtClaimsProblem, message: string): ReadJwtClaimsResult => ({
    success: false,
    error: new JwtClaimsError(reason, message),
  });
  if (!isRecord(payload)) return fail('not_an_object', 'the JWT payload is not a JSON object');

  const role = payload[ROLE_CLAIM];
  if (role === undefined || role === null) return fail('missing_role', 'the JWT has no role claim');
  if (typeof role !== 'string' || !DatabaseRole.safeParse(role).success) {
    return fail(
      'unknown_role',
      `the JWT role ${JSON.stringify(role)} is not one of ${databaseRoles.join(', ')}`,
    );
  }

  if (EXPIRY_CLAIM in payload) {
    const exp = payload[EXPIRY_CLAIM];
    const nowSeconds = (options.now ?? new Date()).getTime() / 1000;
    if (typeof exp !== 'number' || exp <= nowSeconds) {
      return fail('expired', 'the JWT has expired (or its exp claim is not a number)');
    }
  }

  const sub = payload[SUBJECT_CLAIM];
  let subject: string | null = null;
  if (sub !== undefined && sub !== null) {
    if (typeof sub !== 'string' || !UUID_PATTERN.test(sub)) {
      return fail('invalid_subject', 'the JWT sub claim is not a uuid');
    }
    subject = sub.toLowerCase();
  }
  if (role === 'authenticated' && subject === null) {
    return fail('missing_subject', 'an authenticated JWT must carry the user id in sub');
  }

  const container = payload[ORGANIZATION_ID_CLAIM.container];
  const claimed = isRecord(container) ? container[ORGANIZATION_ID_CLAIM.property] : undefined;
  const organizationId =
    typeof claimed === 'string' && UUID_PATTERN.test(claimed) ? claimed.toLowerCase() : null;

  return { success: true, data: { subject, role: role as DatabaseRole, organizationId } };
}

/**
 * The same rules as a zod schema, for code that validates with zod: parses a decoded JWT
 * payload into `CallerClaims`; an issue's `params.reason` is the `JwtClaimsProblem`.
 */
export const CallerClaims = z.unknown().transform((payload, context): CallerClaims => {
  const result = readJwtClaims(payload);
  if (result.success) return result.data;
  context.addIssue({
    code: 'custom',
    message: result.error.message,
    params: { reason: result.error.reason },
  });
  return z.NEVER;
});
