import { postgrestError } from '../../errors.js';
import { EXPOSED_SCHEMA } from '../../schema-cache.js';
import {
  type Condition,
  notEmbedded,
  type OrderTerm,
  parseError,
  parseFilterKey,
  parseFilterValue,
  parseLogicTree,
  parseOrder,
  parseSelect,
  type SelectItem,
} from './grammar.js';

/** Everything about the shape of a read's result, from the query string and the headers. */
export interface ReadShape {
  select: SelectItem[];
  /** Filters and logic trees, all of which must hold (PostgREST ANDs them). */
  where: Condition[];
  order: OrderTerm[];
  /** First row (0-based) and how many rows at most (undefined: all). */
  offset: number;
  limit: number | undefined;
  /** Prefer: count=…: Content-Range then carries the total, and 206/416 follow from it. */
  count: 'exact' | 'planned' | 'estimated' | undefined;
  /** Accept: application/vnd.pgrst.object+json. */
  singleObject: boolean;
  /** Accept: …;nulls=stripped. */
  stripNulls: boolean;
  /** Prefer: timezone=…, when the database knows the zone. */
  timeZone: string | undefined;
  /** The Preference-Applied header value, if any preference applied. */
  preferenceApplied: string | undefined;
  /** The query string, canonical (sorted), for Content-Location. */
  canonicalQuery: string;
}

/** One `key=value` pair of the raw query string, in order (`value` null for `?key` alone). */
export interface QueryPair {
  key: string;
  value: string | null;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    throw parseError('query string', text, 0, 'malformed percent-encoding');
  }
}

/** Splits a raw query string as PostgREST does (`+` is a space); `apikey` is the gateway's. */
export function queryPairs(search: string): QueryPair[] {
  const raw = search.startsWith('?') ? search.slice(1) : search;
  if (raw === '') return [];
  const pairs: QueryPair[] = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const key = decode(equals < 0 ? part : part.slice(0, equals));
    if (key === 'apikey') continue;
    pairs.push({ key, value: equals < 0 ? null : decode(part.slice(equals + 1)) });
  }
  return pairs;
}

const OBJECT_MEDIA_TYPE = 'application/vnd.pgrst.object+json';
const ARRAY_MEDIA_TYPES = ['application/json', 'application/vnd.pgrst.array+json'];
const ANY_MEDIA_TYPES = ['application/*', '*/*'];

/** Content negotiation over what a read can produce: a JSON array, or one object. */
export function negotiateMediaType(accept: string | undefined): {
  singleObject: boolean;
  stripNulls: boolean;
} {
  if (!accept) return { singleObject: false, stripNulls: false };
  for (const range of accept.split(',')) {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const nulls = parameters.find((parameter) => parameter.startsWith('nulls='));
    // nulls=stripped exists only for PostgREST's own vnd types.
    const vnd = type.startsWith('application/vnd.pgrst.');
    if (nulls !== undefined && (nulls !== 'nulls=stripped' || !vnd)) continue;
    const stripNulls = nulls !== undefined;
    if (type === OBJECT_MEDIA_TYPE) return { singleObject: true, stripNulls };
    if (ARRAY_MEDIA_TYPES.includes(type) || ANY_MEDIA_TYPES.includes(type)) {
      return { singleObject: false, stripNulls };
    }
  }
  throw postgrestError(406, 'PGRST107', `None of these media types are available: ${accept}`);
}

interface Preferences {
  count: ReadShape['count'];
  timeZone: string | undefined;
  applied: string | undefined;
}

/**
 * `Prefer`: count, handling and timezone apply to reads. Like PostgREST, unknown preferences
 * are ignored unless `handling=strict` (then 400 PGRST122); here strict also refuses the ones
 * PostgREST knows but a read does not apply (return=, tx=, …), so strict never lets one pass.
 */
export function readPreferences(
  header: string | undefined,
  timeZones: ReadonlySet<string>,
): Preferences {
  const values = (header ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
  let count: ReadShape['count'];
  let handling: 'strict' | 'lenient' | undefined;
  let timeZone: string | undefined;
  const invalid: string[] = [];
  for (const value of values) {
    const countMatch = /^count=(exact|planned|estimated)$/.exec(value);
    if (countMatch) {
      count ??= countMatch[1] as ReadShape['count'];
    } else if (value === 'handling=strict' || value === 'handling=lenient') {
      handling ??= value === 'handling=strict' ? 'strict' : 'lenient';
    } else if (value.startsWith('timezone=') && timeZones.has(value.slice('timezone='.length))) {
      timeZone ??= value.slice('timezone='.length);
    } else {
      invalid.push(value);
    }
  }
  if (handling === 'strict' && invalid.length > 0) {
    throw postgrestError(400, 'PGRST122', 'Invalid preferences given with handling=strict', {
      details: `Invalid preferences: ${invalid.join(', ')}`,
    });
  }
  const applied = [
    count && `count=${count}`,
    handling && `handling=${handling}`,
    timeZone && `timezone=${timeZone}`,
  ].filter(Boolean);
  return { count, timeZone, applied: applied.length > 0 ? applied.join(', ') : undefined };
}

function rangeNotSatisfiable(details: string) {
  return postgrestError(416, 'PGRST103', 'Requested range not satisfiable', { details });
}

function integerParameter(name: string, value: string): number {
  const number = Number(value.trim());
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) {
    throw parseError(`${name} parameter`, value, 0, 'expecting an integer');
  }
  return number;
}

/** The rows asked for: limit/offset intersected with a `Range: first-last` header. */
function readRange(
  limitText: string | undefined,
  offsetText: string | undefined,
  rangeHeader: string | undefined,
  rangeUnit: string | undefined,
  method: string,
): { offset: number; limit: number | undefined } {
  const limit = limitText === undefined ? undefined : integerParameter('limit', limitText);
  const offset = offsetText === undefined ? 0 : integerParameter('offset', offsetText);
  if (offset < 0)
    throw parseError('offset parameter', String(offsetText), 0, 'expecting a non-negative integer');
  if (limit !== undefined && limit < 0) {
    throw rangeNotSatisfiable('Limit should be greater than or equal to zero.');
  }
  if (rangeUnit !== undefined && rangeUnit.trim().toLowerCase() !== 'items') {
    throw postgrestError(400, 'PGRST100', `"failed to parse Range-Unit header (${rangeUnit})"`, {
      details: 'the only range unit is items',
    });
  }
  // limit=0 wins over everything (PostgREST's limit-zero range).
  if (limit === 0 || rangeHeader === undefined) return { offset, limit };
  if (method === 'POST') {
    throw postgrestError(400, 'PGRST100', '"failed to parse Range header"', {
      details: 'the Range header applies to GET and HEAD; use the limit and offset parameters',
    });
  }
  const match = /^(?:items=)?(\d+)-(\d*)$/.exec(rangeHeader.trim());
  if (!match) {
    throw rangeNotSatisfiable(`The Range header must be <first>-[<last>], got: ${rangeHeader}`);
  }
  const first = Number(match[1]);
  const last = match[2] === '' ? undefined : Number(match[2]);
  if (!Number.isSafeInteger(first) || (last !== undefined && !Number.isSafeInteger(last))) {
    throw rangeNotSatisfiable(`The Range header's boundaries are too large: ${rangeHeader}`);
  }
  if (last !== undefined && first > last) {
    throw rangeNotSatisfiable(
      'The lower boundary must be lower than or equal to the upper boundary in the Range header.',
    );
  }
  const lower = Math.max(first, offset);
  const upperFromLimit = limit === undefined ? undefined : offset + limit - 1;
  const upper =
    last === undefined
      ? upperFromLimit
      : upperFromLimit === undefined
        ? last
        : Math.min(last, upperFromLimit);
  if (upper !== undefined && upper < lower) {
    throw rangeNotSatisfiable(
      'The lower boundary must be lower than or equal to the upper boundary in the Range header.',
    );
  }
  return { offset: lower, limit: upper === undefined ? undefined : upper - lower + 1 };
}

export interface ReadRequestInput {
  method: string;
  /** The query pairs that shape the result (RPC arguments already taken out). */
  pairs: QueryPair[];
  headers: {
    accept?: string | undefined;
    prefer?: string | undefined;
    range?: string | undefined;
    rangeUnit?: string | undefined;
  };
  /** The table or function, for error messages. */
  resource: string;
  timeZones: ReadonlySet<string>;
}

const SINGLE_PARAMETERS = ['select', 'order', 'limit', 'offset'];

/** Parses the read grammar; anything it does not know is a 400, never ignored. */
export function readShape(input: ReadRequestInput): ReadShape {
  const { pairs, resource } = input;
  const single = new Map<string, string>();
  const where: Condition[] = [];
  for (const { key, value } of pairs) {
    if (value === null) {
      throw parseError('filter', '', 0, `the query parameter '${key}' has no value`);
    }
    const last = key.split('.').at(-1) ?? key;
    if (SINGLE_PARAMETERS.includes(key)) {
      if (single.has(key)) {
        throw parseError(`${key} parameter`, value, 0, `'${key}' may be given only once`);
      }
      single.set(key, value);
    } else if (last === 'and' || last === 'or') {
      where.push(parseLogicTree(key, value));
    } else if (['order', 'limit', 'offset'].includes(last)) {
      throw notEmbedded(key.split('.')[0] as string);
    } else if (key === 'columns' || key === 'on_conflict') {
      throw postgrestError(400, 'PGRST100', `"failed to parse ${key} parameter (${value})"`, {
        details: `'${key}' applies to table writes, which this API does not serve`,
      });
    } else {
      const field = parseFilterKey(key);
      const { negated, operation } = parseFilterValue(value);
      where.push({ kind: 'filter', filter: { field, negated, operation } });
    }
  }
  const select = parseSelect(single.get('select') ?? '*', resource);
  const order = single.has('order') ? parseOrder(single.get('order') as string, resource) : [];
  const { offset, limit } = readRange(
    single.get('limit'),
    single.get('offset'),
    input.headers.range,
    input.headers.rangeUnit,
    input.method,
  );
  const { singleObject, stripNulls } = negotiateMediaType(input.headers.accept);
  const preferences = readPreferences(input.headers.prefer, input.timeZones);
  const canonicalQuery = pairs
    .map(({ key, value }) => `${encodeURIComponent(key)}=${encodeURIComponent(value ?? '')}`)
    .sort()
    .join('&');
  return {
    select,
    where,
    order,
    offset,
    limit,
    count: preferences.count,
    singleObject,
    stripNulls,
    timeZone: preferences.timeZone,
    preferenceApplied: preferences.applied,
    canonicalQuery,
  };
}

/** Whether the request shapes the result at all (scalar results cannot be shaped). */
export function shapesResult(shape: ReadShape): boolean {
  return (
    shape.where.length > 0 ||
    shape.order.length > 0 ||
    shape.limit !== undefined ||
    shape.offset > 0 ||
    !(shape.select.length === 1 && shape.select[0]?.kind === 'star')
  );
}

/** `Accept-Profile` / `Content-Profile`: only the exposed schema (else 406 PGRST106). */
export function checkProfile(header: string | undefined) {
  if (header !== undefined && header !== EXPOSED_SCHEMA) {
    throw postgrestError(406, 'PGRST106', `Invalid schema: ${header}`, {
      hint: `Only the following schemas are exposed: ${EXPOSED_SCHEMA}`,
    });
  }
}

/**
 * Everything the read grammar takes from a request. Each one changes the answer or is refused
 * with a 400-family error; a test probes every entry, so nothing here is silently ignored.
 */
export const READ_GRAMMAR = {
  /** Shape the result. `<column>` is any column filter (`status=eq.paused`). */
  queryParameters: [
    'select',
    'order',
    'limit',
    'offset',
    'and',
    'or',
    'not.and',
    'not.or',
    '<column>',
  ],
  /** Known to PostgREST, refused here. */
  refusedQueryParameters: ['columns', 'on_conflict', '<resource>.<column>', '<resource>.order'],
  headers: ['accept', 'accept-profile', 'content-profile', 'prefer', 'range', 'range-unit'],
  preferences: [
    'count=exact',
    'count=planned',
    'count=estimated',
    'handling=strict',
    'handling=lenient',
    'timezone=<zone>',
  ],
} as const;
