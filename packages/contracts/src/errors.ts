import { z } from 'zod';

/** The HTTP status PostgREST answers with for any SQLSTATE it does not map itself. */
export const DOMAIN_ERROR_HTTP_STATUS = 400;

/**
 * Domain errors raised by the database functions. Each has a SQLSTATE of our own class `PM`;
 * PostgREST passes it through as the error body's `code` with HTTP status 400 (a class it does
 * not map). The digits echo an HTTP status only as a mnemonic. None is `retryable`: the same
 * call fails the same way until something else changes (a pause ends, a grant is made).
 */
export const domainErrorCatalog = [
  {
    code: 'PM401',
    name: 'not_authenticated',
    dartName: 'notAuthenticated',
    message: 'not authenticated',
    httpStatus: DOMAIN_ERROR_HTTP_STATUS,
    retryable: false,
    when: 'the request carries no user id (`sub`) and is not the service role',
  },
  {
    code: 'PM403',
    name: 'forbidden',
    dartName: 'forbidden',
    message: 'not allowed to act on this peer mentor or chapter',
    httpStatus: DOMAIN_ERROR_HTTP_STATUS,
    retryable: false,
    when: 'the caller is authenticated, but their role or assignment does not cover this mentor, chapter or reason code',
  },
  {
    code: 'PM404',
    name: 'not_found',
    dartName: 'notFound',
    message: 'peer mentor or chapter not found',
    httpStatus: DOMAIN_ERROR_HTTP_STATUS,
    retryable: false,
    when: 'the mentor or chapter does not exist, or is not visible to the caller (no existence leak across organizations)',
  },
  {
    code: 'PM409',
    name: 'already_paused',
    dartName: 'alreadyPaused',
    message: 'peer mentor is already paused',
    httpStatus: DOMAIN_ERROR_HTTP_STATUS,
    retryable: false,
    when: '`activate_pause` on a paused mentor',
  },
  {
    code: 'PM410',
    name: 'not_paused',
    dartName: 'notPaused',
    message: 'peer mentor is not paused',
    httpStatus: DOMAIN_ERROR_HTTP_STATUS,
    retryable: false,
    when: '`deactivate_pause` on an active mentor',
  },
  {
    code: 'PM412',
    name: 'organization_mismatch',
    dartName: 'organizationMismatch',
    message: 'organization does not match the caller',
    httpStatus: DOMAIN_ERROR_HTTP_STATUS,
    retryable: false,
    when: 'the organization argument differs from the claimed organization, or the caller has no current membership in it',
  },
  {
    code: 'PM422',
    name: 'invalid_argument',
    dartName: 'invalidArgument',
    message: 'invalid argument',
    httpStatus: DOMAIN_ERROR_HTTP_STATUS,
    retryable: false,
    when: 'a null id, an unknown reason code, a note that is too long, or an expected end in the past',
  },
  {
    code: 'PM423',
    name: 'pause_locked',
    dartName: 'pauseLocked',
    message: 'this pause can only be ended by a coordinator or an organization admin',
    httpStatus: DOMAIN_ERROR_HTTP_STATUS,
    retryable: false,
    when: 'a mentor (or a coordinator or org admin acting on herself as a mentor) tries to end a pause imposed by someone else: a coordinator, an org admin or the system',
  },
  {
    code: 'PM429',
    name: 'too_many_changes',
    dartName: 'tooManyChanges',
    message: 'too many status changes for this peer mentor; try again later',
    httpStatus: DOMAIN_ERROR_HTTP_STATUS,
    retryable: false,
    when: 'the mentor already had the per-mentor limit of status transitions (20 in any 60 minutes by default) within its window; the system is exempt. Details say when the next change is allowed',
  },
] as const;

export type DomainErrorEntry = (typeof domainErrorCatalog)[number];
export type DomainErrorCode = DomainErrorEntry['code'];
export type DomainErrorName = DomainErrorEntry['name'];

export const domainErrorCodes = domainErrorCatalog.map((entry) => entry.code) as [
  DomainErrorCode,
  ...DomainErrorCode[],
];
export const DomainErrorCodeSchema = z.enum(domainErrorCodes);

/**
 * Errors that are not ours but that clients of these RPCs meet, with the status PostgREST
 * answers with. `retryable`: repeating the same request unchanged can succeed. For SQLSTATEs,
 * `name` is PostgreSQL's condition name (what `raise ... using errcode = '<name>'` takes).
 */
export const platformErrorCatalog = [
  {
    code: '42501',
    name: 'insufficient_privilege',
    dartName: 'insufficientPrivilege',
    httpStatus: 403,
    anonymousHttpStatus: 401,
    retryable: false,
    when: 'the role may not execute the function: 401 without a signed-in user (anon may call no RPC), 403 when signed in',
  },
  {
    code: '40001',
    name: 'serialization_failure',
    dartName: 'serializationFailure',
    httpStatus: 500,
    retryable: true,
    when: 'a status transition lost a race with another one; repeat the call',
  },
  {
    code: '40P01',
    name: 'deadlock_detected',
    dartName: 'deadlockDetected',
    httpStatus: 500,
    retryable: true,
    when: 'the transaction was chosen as a deadlock victim; repeat the call',
  },
  {
    code: '57014',
    name: 'query_canceled',
    dartName: 'queryCanceled',
    httpStatus: 500,
    retryable: true,
    when: 'the statement timeout cancelled the call',
  },
  {
    code: '22P02',
    name: 'invalid_text_representation',
    dartName: 'invalidTextRepresentation',
    httpStatus: 400,
    retryable: false,
    when: 'an argument is not in its type’s format, e.g. an id that is not a uuid',
  },
  {
    code: '22007',
    name: 'invalid_datetime_format',
    dartName: 'invalidDatetimeFormat',
    httpStatus: 400,
    retryable: false,
    when: 'a date argument is not a date, e.g. `p_expected_end: "soon"`',
  },
  {
    code: '22008',
    name: 'datetime_field_overflow',
    dartName: 'datetimeFieldOverflow',
    httpStatus: 400,
    retryable: false,
    when: 'a date argument names a day that does not exist, e.g. `2026-02-30`',
  },
  {
    code: 'XX000',
    name: 'internal_error',
    dartName: 'internalError',
    httpStatus: 500,
    retryable: false,
    when: 'a fault in the database functions themselves (e.g. an uncatalogued domain code); report it',
  },
  {
    code: 'PGRST301',
    name: 'jwt_invalid',
    dartName: 'jwtInvalid',
    httpStatus: 401,
    retryable: false,
    when: 'the JWT cannot be decoded or verified (PostgREST 12 also reports an expired JWT so); refresh the session, then call again',
  },
  {
    code: 'PGRST303',
    name: 'jwt_claims_invalid',
    dartName: 'jwtClaimsInvalid',
    httpStatus: 401,
    retryable: false,
    when: 'the JWT claims fail validation, e.g. it has expired (PostgREST 13 and later); refresh the session, then call again',
  },
  {
    code: 'PGRST202',
    name: 'function_not_found',
    dartName: 'functionNotFound',
    httpStatus: 404,
    retryable: false,
    when: 'no function has this name and these argument names: a misspelt RPC or argument name, or an unknown argument',
  },
  {
    code: 'PGRST003',
    name: 'connection_pool_timeout',
    dartName: 'connectionPoolTimeout',
    httpStatus: 504,
    retryable: true,
    when: 'the API timed out waiting for a database connection',
  },
] as const;

export type PlatformErrorEntry = (typeof platformErrorCatalog)[number];
export type PlatformErrorCode = PlatformErrorEntry['code'];
export type PlatformErrorName = PlatformErrorEntry['name'];

const domainByCode = new Map<string, DomainErrorEntry>(
  domainErrorCatalog.map((entry) => [entry.code, entry]),
);
const platformByCode = new Map<string, PlatformErrorEntry>(
  platformErrorCatalog.map((entry) => [entry.code, entry]),
);

/** The catalog entry for a SQLSTATE, or undefined when it is not one of ours. */
export function findDomainError(code: string): DomainErrorEntry | undefined {
  return domainByCode.get(code);
}

export function isDomainErrorCode(code: string): code is DomainErrorCode {
  return domainByCode.has(code);
}

/** The entry of a non-domain code clients meet, or undefined. */
export function findPlatformError(code: string): PlatformErrorEntry | undefined {
  return platformByCode.get(code);
}

// PostgREST's documented SQLSTATE → HTTP status table, most specific first.
const postgrestStatusRules: readonly [prefix: string, status: number][] = [
  ['23503', 409],
  ['23505', 409],
  ['25006', 405],
  ['53400', 500],
  ['42883', 404],
  ['42P01', 404],
  ['42P17', 500],
  ['P0001', 400],
  ['08', 503],
  ['09', 500],
  ['0L', 403],
  ['0P', 403],
  ['25', 500],
  ['28', 403],
  ['2D', 500],
  ['38', 500],
  ['39', 500],
  ['3B', 500],
  ['40', 500],
  ['53', 503],
  ['54', 500],
  ['55', 500],
  ['57', 500],
  ['58', 500],
  ['F0', 500],
  ['HV', 500],
  ['P0', 500],
  ['XX', 500],
];

/**
 * The HTTP status PostgREST answers with for an error code: our catalogs first, then its
 * SQLSTATE table (`42501` is 401 for an anonymous caller, 403 otherwise; anything unlisted
 * is 400). Undefined for a `PGRST…` code neither catalog knows.
 */
export function postgrestHttpStatus(
  code: string,
  caller: { anonymous?: boolean } = {},
): number | undefined {
  const domain = domainByCode.get(code);
  if (domain) return domain.httpStatus;
  const platform = platformByCode.get(code);
  if (platform) {
    return caller.anonymous && 'anonymousHttpStatus' in platform
      ? platform.anonymousHttpStatus
      : platform.httpStatus;
  }
  if (code.startsWith('PGRST')) return undefined;
  return (
    postgrestStatusRules.find(([prefix]) => code.startsWith(prefix))?.[1] ??
    DOMAIN_ERROR_HTTP_STATUS
  );
}

/**
 * SQLSTATE classes where repeating the request can succeed: 40 transaction rollback
 * (serialization failure, deadlock), 08 connection exception, 53 insufficient resources.
 */
export const retryableSqlStateClasses = ['40', '08', '53'] as const;
/** PostgREST's own errors where repeating can succeed: it could not reach the database. */
export const retryablePostgrestCodes = ['PGRST000', 'PGRST001', 'PGRST002', 'PGRST003'] as const;

/**
 * Whether repeating the same request unchanged can succeed: the catalogs' answer, else
 * `retryableSqlStateClasses` and `retryablePostgrestCodes`.
 */
export function isRetryableCode(code: string): boolean {
  const known = domainByCode.get(code) ?? platformByCode.get(code);
  if (known) return known.retryable;
  return (
    retryableSqlStateClasses.some((sqlStateClass) => code.startsWith(sqlStateClass)) ||
    (retryablePostgrestCodes as readonly string[]).includes(code)
  );
}

/** The error body PostgREST (and our API) sends: `{code, message, details, hint}`. */
export const PostgrestErrorBody = z
  .object({
    code: z.string(),
    message: z.string(),
    details: z.string().nullable(),
    hint: z.string().nullable(),
  })
  .meta({
    title: 'PostgrestErrorBody',
    description:
      'The body of every failed call. code is a SQLSTATE (ours are class PM) or a PGRST code.',
  });
export type PostgrestErrorBody = z.infer<typeof PostgrestErrorBody>;

export type RpcErrorKind = 'domain' | 'platform' | 'unknown';

/** `name` of an error whose code neither catalog knows. */
export const UNKNOWN_ERROR_NAME = 'unknown_error';

/**
 * A failed RPC call, from a PostgREST error body. `name` is the catalog name
 * (`already_paused`, `serialization_failure`, …; `unknown_error` for a code we do not know),
 * so `switch (error.name)` reads like the catalog. `JSON.stringify` gives the wire body back.
 */
export class RpcError extends Error {
  override readonly name: DomainErrorName | PlatformErrorName | typeof UNKNOWN_ERROR_NAME;
  /** The SQLSTATE or `PGRST…` code; empty when the body carried none. */
  readonly code: string;
  readonly details: string | null;
  readonly hint: string | null;
  /** The response's status when known, else the status PostgREST answers with for `code`. */
  readonly httpStatus: number | undefined;
  readonly retryable: boolean;
  readonly kind: RpcErrorKind;

  constructor(
    body: PostgrestErrorBody,
    options: {
      name?: RpcError['name'];
      kind?: RpcErrorKind;
      httpStatus?: number | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(body.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = options.name ?? UNKNOWN_ERROR_NAME;
    this.kind = options.kind ?? 'unknown';
    this.code = body.code;
    this.details = body.details;
    this.hint = body.hint;
    this.httpStatus =
      options.httpStatus ?? (body.code ? postgrestHttpStatus(body.code) : undefined);
    this.retryable = isRetryableCode(body.code);
  }

  toJSON(): PostgrestErrorBody {
    return { code: this.code, message: this.message, details: this.details, hint: this.hint };
  }
}

/** One of our `PM…` errors; `entry` is its catalog row. */
export class DomainError extends RpcError {
  declare readonly name: DomainErrorName;
  declare readonly code: DomainErrorCode;
  declare readonly kind: 'domain';
  readonly entry: DomainErrorEntry;

  constructor(
    body: PostgrestErrorBody & { code: DomainErrorCode },
    options: { httpStatus?: number | undefined; cause?: unknown } = {},
  ) {
    const entry = domainByCode.get(body.code)!;
    super(body, { ...options, name: entry.name, kind: 'domain' });
    this.entry = entry;
  }
}

/** Builds the domain error for a code, with the catalog message (for servers and tests). */
export function domainError(code: DomainErrorCode, details: string | null = null): DomainError {
  const entry = domainByCode.get(code)!;
  return new DomainError({ code, message: entry.message, details, hint: null });
}

/** True for a `DomainError`, optionally of one name: `isDomainError(error, 'already_paused')`. */
export function isDomainError<N extends DomainErrorName>(
  error: unknown,
  name?: N,
): error is DomainError & { name: N } {
  return error instanceof DomainError && (name === undefined || error.name === name);
}

const LooseErrorBody = z.object({
  code: z.union([z.string(), z.number()]).optional(),
  message: z.string().optional(),
  details: z.string().nullish(),
  hint: z.string().nullish(),
});

/**
 * Turns a PostgREST error body (`{code, message, details, hint}`, as an object or JSON text)
 * into a typed error: a `DomainError` for our `PM…` codes, an `RpcError` of kind `platform`
 * for the codes in `platformErrorCatalog`, and an `RpcError` of kind `unknown` for anything
 * else, including a body that is not an error body at all. Never throws.
 */
export function parsePostgrestError(
  body: unknown,
  options: { httpStatus?: number } = {},
): RpcError {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      value = { message: value };
    }
  }
  const parsed = LooseErrorBody.safeParse(value);
  if (!parsed.success) {
    return new RpcError(
      {
        code: '',
        message: `not a PostgREST error body: ${truncate(safeJson(value))}`,
        details: null,
        hint: null,
      },
      { httpStatus: options.httpStatus, cause: value },
    );
  }
  const code = parsed.data.code === undefined ? '' : String(parsed.data.code);
  const domain = domainByCode.get(code);
  const platform = platformByCode.get(code);
  const wire: PostgrestErrorBody = {
    code,
    message: parsed.data.message ?? domain?.message ?? (code ? `error ${code}` : 'unknown error'),
    details: parsed.data.details ?? null,
    hint: parsed.data.hint ?? null,
  };
  if (domain) {
    return new DomainError({ ...wire, code: domain.code }, { httpStatus: options.httpStatus });
  }
  if (platform) {
    return new RpcError(wire, {
      name: platform.name,
      kind: 'platform',
      httpStatus: options.httpStatus,
    });
  }
  return new RpcError(wire, { httpStatus: options.httpStatus });
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const truncate = (text: string, max = 200) => (text.length > max ? `${text.slice(0, max)}…` : text);
