import type { Context } from 'hono';
import { postgrestError } from '../../errors.js';
import { assertJsonShape } from '../../limits/json-shape.js';
import { EXPOSED_SCHEMA } from './arguments.js';

/** An RPC request as PostgREST reads it, before the function is looked up. */
export interface RpcRequest {
  name: string;
  method: 'GET' | 'HEAD' | 'POST';
  /** Named arguments: the JSON body's members (POST) or the query parameters (GET/HEAD). */
  args: Record<string, unknown>;
  /** Whether the arguments came as a JSON body (PGRST202's details mention it). */
  jsonBody: boolean;
  /** `Accept: application/vnd.pgrst.object+json`: one object instead of an array. */
  singleObject: boolean;
  /** `Prefer: count=exact|planned|estimated`: the total goes in Content-Range. */
  countRequested: boolean;
}

/** Query parameters PostgREST reserves for shaping results; not reproduced here. */
const RESERVED_QUERY_PARAMETERS = ['select', 'order', 'limit', 'offset', 'columns', 'on_conflict'];

const OBJECT_MEDIA_TYPE = 'application/vnd.pgrst.object+json';
const JSON_MEDIA_TYPES = [
  'application/json',
  'application/*',
  '*/*',
  'application/vnd.pgrst.array+json',
];

/** Content negotiation over the media types this endpoint can produce. */
function wantsSingleObject(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = accept.split(',').map((range) => {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    return { type, parameters };
  });
  for (const { type, parameters } of ranges) {
    // `nulls=stripped` asks for a rendering this service does not produce.
    const plain = !parameters.some((parameter) => parameter.startsWith('nulls='));
    if (type === OBJECT_MEDIA_TYPE && plain) return true;
    if (JSON_MEDIA_TYPES.includes(type) && plain) return false;
  }
  throw postgrestError(406, 'PGRST107', `None of these media types are available: ${accept}`);
}

function checkProfile(header: string | undefined) {
  if (header !== undefined && header !== EXPOSED_SCHEMA) {
    throw postgrestError(406, 'PGRST106', `Invalid schema: ${header}`, {
      hint: `Only the following schemas are exposed: ${EXPOSED_SCHEMA}`,
    });
  }
}

async function bodyArguments(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  // PostgREST calls a function without arguments for an empty body.
  if (text.trim() === '') return {};
  const contentType = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== undefined && contentType !== 'application/json') {
    throw postgrestError(415, 'PGRST107', `The Content-Type ${contentType} is not supported`, {
      hint: 'Send the named arguments as a JSON object (Content-Type: application/json)',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw postgrestError(400, 'PGRST102', 'Empty or invalid json');
  }
  assertJsonShape(parsed);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw postgrestError(400, 'PGRST102', 'Empty or invalid json', {
      details: 'the body must be a JSON object of named arguments',
    });
  }
  return parsed as Record<string, unknown>;
}

function queryArguments(c: Context): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [key, values] of Object.entries(c.req.queries())) {
    // The gateway consumes `apikey`; it is never an argument.
    if (key === 'apikey') continue;
    if (RESERVED_QUERY_PARAMETERS.includes(key)) {
      throw postgrestError(400, 'PGRST127', 'Feature not implemented', {
        details: `the '${key}' query parameter on RPC results is not supported by this service`,
      });
    }
    args[key] = values[0];
  }
  return args;
}

/** Reads and checks everything about an RPC request that does not need the database. */
export async function readRpcRequest(c: Context, name: string): Promise<RpcRequest> {
  // The routes only send GET, HEAD and POST here; other methods are 405 PGRST101 there.
  const method = c.req.method.toUpperCase() as RpcRequest['method'];
  const isPost = method === 'POST';
  checkProfile(c.req.header(isPost ? 'content-profile' : 'accept-profile'));
  const singleObject = wantsSingleObject(c.req.header('accept'));
  const countRequested = /\bcount=(exact|planned|estimated)\b/.test(c.req.header('prefer') ?? '');
  return {
    name,
    method,
    args: isPost ? await bodyArguments(c) : queryArguments(c),
    jsonBody: isPost,
    singleObject,
    countRequested,
  };
}
