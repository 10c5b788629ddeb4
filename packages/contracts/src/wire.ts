import { z } from 'zod';

// Scalars as PostgreSQL writes them in JSON, shared by every wire schema.

/**
 * A uuid as PostgreSQL stores it: any 8-4-4-4-12 hexadecimal value. Not `z.uuid()`, which
 * also requires RFC 9562 version and variant bits that PostgreSQL never checks (ids made with
 * `md5(...)::uuid` or imported from elsewhere would fail).
 */
export const WireUuid = z.guid({
  error: (issue) =>
    issue.code === 'invalid_format' ? 'expected a uuid (8-4-4-4-12 hexadecimal digits)' : undefined,
});
/** A calendar date, `YYYY-MM-DD`. */
export const WireDate = z.iso.date({
  error: (issue) =>
    issue.code === 'invalid_format' ? 'expected a calendar date as YYYY-MM-DD' : undefined,
});
/** A timestamptz as PostgreSQL writes it in JSON: fractional seconds optional, offset required. */
export const WireTimestamp = z.iso.datetime({
  offset: true,
  error: (issue) =>
    issue.code === 'invalid_format'
      ? 'expected an ISO 8601 timestamp with a UTC offset'
      : undefined,
});
