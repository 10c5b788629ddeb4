import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { postgrestError } from '../errors.js';

/**
 * Bodies larger than `maxBytes` get 413 PGRST102 before anything reads them. A body announced
 * with `Content-Length` (what supabase-js and browsers send) is judged by that header alone,
 * without touching `c.req.raw.body`: asking the request for its body stream would turn the
 * server adaptor's lightweight request into a full web `Request` with a `ReadableStream` on
 * every call. GET and HEAD carry no body. Only a chunked body (no length up front) is counted
 * as it streams in, by Hono's own body limit.
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  const tooLarge = () => {
    throw postgrestError(413, 'PGRST102', 'Request body is too large', {
      details: `the limit is ${maxBytes} bytes`,
    });
  };
  const streamed = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      return Number.parseInt(length, 10) > maxBytes ? tooLarge() : next();
    }
    return streamed(c, next);
  };
}
