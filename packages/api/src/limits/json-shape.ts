import { postgrestError } from '../errors.js';

/**
 * The largest JSON shape a request body may have. The RPC arguments are flat (a handful of
 * scalars), so these leave ample room; what they stop is a body such as 45,000 nested arrays,
 * which fits the body limit but overflows the stack of every recursive JSON walker after the
 * parser (JSON.stringify, pg's serializer), and costs a pooled connection on the way.
 */
export const JSON_LIMITS = {
  /** Nesting levels, the body object itself being level 1. */
  maxDepth: 32,
  /** Members of one object or elements of one array. */
  maxWidth: 1_000,
} as const;

/**
 * Throws 400 PGRST102 (PostgREST's code for a body it cannot take) when `value`, a freshly
 * parsed body, nests deeper or spreads wider than JSON_LIMITS. Walks with its own stack, so
 * the check itself cannot overflow.
 */
export function assertJsonShape(value: unknown, limits = JSON_LIMITS): void {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limits.maxDepth) {
      throw postgrestError(400, 'PGRST102', 'The JSON body is nested too deeply', {
        details: `more than ${limits.maxDepth} levels of objects and arrays`,
        hint: 'Send the named arguments as a flat JSON object',
      });
    }
    const members = Array.isArray(node) ? node : Object.values(node);
    if (members.length > limits.maxWidth) {
      throw postgrestError(400, 'PGRST102', 'The JSON body has too many members', {
        details: `an object or array has ${members.length} members; the limit is ${limits.maxWidth}`,
      });
    }
    for (const member of members) pending.push([member, depth + 1]);
  }
}
