import { z } from 'zod';

/**
 * Domain errors raised by the database functions. Each has a SQLSTATE of our own class `PM`;
 * PostgREST passes it through as the error body's `code` with HTTP status 400. The digits echo
 * an HTTP status only as a mnemonic.
 */
export const domainErrorCatalog = [
  {
    code: 'PM401',
    name: 'not_authenticated',
    dartName: 'notAuthenticated',
    message: 'not authenticated',
    when: 'the request carries no user id (`sub`) and is not the service role',
  },
  {
    code: 'PM403',
    name: 'forbidden',
    dartName: 'forbidden',
    message: 'not allowed to act on this peer mentor or chapter',
    when: 'the caller is authenticated, but their role or assignment does not cover this mentor, chapter or reason code',
  },
  {
    code: 'PM404',
    name: 'not_found',
    dartName: 'notFound',
    message: 'peer mentor or chapter not found',
    when: 'the mentor or chapter does not exist, or is not visible to the caller (no existence leak across organizations)',
  },
  {
    code: 'PM409',
    name: 'already_paused',
    dartName: 'alreadyPaused',
    message: 'peer mentor is already paused',
    when: '`activate_pause` on a paused mentor',
  },
  {
    code: 'PM410',
    name: 'not_paused',
    dartName: 'notPaused',
    message: 'peer mentor is not paused',
    when: '`deactivate_pause` on an active mentor',
  },
  {
    code: 'PM412',
    name: 'organization_mismatch',
    dartName: 'organizationMismatch',
    message: 'organization does not match the caller',
    when: 'the organization argument differs from the claimed organization, or the caller has no current membership in it',
  },
  {
    code: 'PM422',
    name: 'invalid_argument',
    dartName: 'invalidArgument',
    message: 'invalid argument',
    when: 'a null id, an unknown reason code, a note that is too long, or an expected end in the past',
  },
  {
    code: 'PM423',
    name: 'pause_locked',
    dartName: 'pauseLocked',
    message: 'this pause can only be ended by a coordinator or an organization admin',
    when: 'a mentor tries to end a pause imposed by a coordinator, an org admin or the system',
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

/** The HTTP status PostgREST answers with for any SQLSTATE it does not map itself. */
export const DOMAIN_ERROR_HTTP_STATUS = 400;

const byCode = new Map<string, DomainErrorEntry>(
  domainErrorCatalog.map((entry) => [entry.code, entry]),
);

/** The catalog entry for a SQLSTATE, or undefined when it is not one of ours. */
export function findDomainError(code: string): DomainErrorEntry | undefined {
  return byCode.get(code);
}

export function isDomainErrorCode(code: string): code is DomainErrorCode {
  return byCode.has(code);
}

/** The error body PostgREST (and our API) sends: `{code, message, details, hint}`. */
export const PostgrestErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  details: z.string().nullable(),
  hint: z.string().nullable(),
});
export type PostgrestErrorBody = z.infer<typeof PostgrestErrorBody>;
