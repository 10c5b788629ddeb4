import type { Context } from 'hono';
import { postgrestError } from '../../errors.js';
import { assertJsonShape } from '../../limits/json-shape.js';
import { isOperatorExpression } from '../read/grammar.js';
import { checkProfile, type QueryPair, queryPairs } from '../read/read-request.js';

/** An RPC request as PostgREST reads it, before the function is looked up. */
export interface RpcRequest {
  name: string;
  method: 'GET' | 'HEAD' | 'POST';
  /** Named arguments: the body's members (POST) or the query parameters that name them (GET/HEAD). */
  args: Record<string, unknown>;
  /** Whether the arguments came as a JSON body (PGRST202's details mention it). */
  jsonBody: boolean;
  /** The query parameters that shape the result (select, filters, order, limit, …). */
  shaping: QueryPair[];
}

/** Query parameters of the read grammar itself; never arguments. */
const GRAMMAR_PARAMETERS = ['select', 'order', 'limit', 'offset', 'columns', 'on_conflict'];

function addArgument(args: Record<string, unknown>, key: string, value: string) {
  // A repeated name is an array, as PostgREST passes it (for array and variadic parameters).
  const previous = args[key];
  if (previous === undefined) args[key] = value;
  else args[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
}

async function bodyArguments(
  c: Context,
): Promise<{ args: Record<string, unknown>; json: boolean }> {
  const text = await c.req.text();
  const contentType = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
  // PostgREST calls a function without arguments for an empty body.
  if (text.trim() === '')
    return { args: {}, json: contentType !== 'application/x-www-form-urlencoded' };
  if (contentType === 'application/x-www-form-urlencoded') {
    const args: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(text)) addArgument(args, key, value);
    return { args, json: false };
  }
  if (contentType !== undefined && contentType !== 'application/json') {
    throw postgrestError(415, 'PGRST107', `The Content-Type ${contentType} is not supported`, {
      hint: 'Send the named arguments as a JSON object (Content-Type: application/json) or as application/x-www-form-urlencoded',
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
  return { args: parsed as Record<string, unknown>, json: true };
}

/**
 * On GET/HEAD the query string carries both arguments and shaping. A parameter of the function
 * is an argument; the grammar's own parameters, logic trees and operator expressions
 * (`col=eq.x`) shape the result; anything else is taken as an argument, so a misspelt name
 * is PGRST202 (no such function), as PostgREST answers.
 */
function splitQuery(pairs: QueryPair[], parameterNames: ReadonlySet<string>) {
  const args: Record<string, unknown> = {};
  const shaping: QueryPair[] = [];
  for (const pair of pairs) {
    const last = pair.key.split('.').at(-1) ?? pair.key;
    if (parameterNames.has(pair.key)) {
      addArgument(args, pair.key, pair.value ?? '');
    } else if (
      GRAMMAR_PARAMETERS.includes(last) ||
      last === 'and' ||
      last === 'or' ||
      (pair.value !== null && isOperatorExpression(pair.value))
    ) {
      shaping.push(pair);
    } else {
      addArgument(args, pair.key, pair.value ?? '');
    }
  }
  return { args, shaping };
}

/** Reads an RPC request: its arguments and the query parameters that shape its result. */
export async function readRpcRequest(
  c: Context,
  name: string,
  parameterNames: ReadonlySet<string>,
): Promise<RpcRequest> {
  // The routes only send GET, HEAD and POST here; other methods are 405 PGRST101 there.
  const method = c.req.method.toUpperCase() as RpcRequest['method'];
  const pairs = queryPairs(new URL(c.req.url).search);
  if (method === 'POST') {
    checkProfile(c.req.header('content-profile'));
    const { args, json } = await bodyArguments(c);
    return { name, method, args, jsonBody: json, shaping: pairs };
  }
  checkProfile(c.req.header('accept-profile'));
  const { args, shaping } = splitQuery(pairs, parameterNames);
  return { name, method, args, jsonBody: false, shaping };
}
