import type { MiddlewareHandler } from 'hono';

export interface CorsOptions {
  /** Allowed origins; `*` among them allows any. */
  origins: readonly string[];
  allowMethods: readonly string[];
  exposeHeaders: readonly string[];
  maxAgeSeconds: number;
}

/**
 * CORS, answering as Hono's `cors()` did with these options (preflights allow the headers they
 * ask for), but without touching `c.res` before the handler runs: Hono's middleware set its
 * headers on a response made up front, and Hono then rebuilt the handler's response around
 * that one's body as a web stream on every request. Here the headers go onto the response the
 * handler (or the error handler) produced.
 */
export function corsHeaders(options: CorsOptions): MiddlewareHandler {
  const anyOrigin = options.origins.includes('*');
  const allowMethods = options.allowMethods.join(',');
  const exposeHeaders = options.exposeHeaders.join(',');
  const maxAge = String(options.maxAgeSeconds);
  const allowedOrigin = (origin: string | undefined) =>
    anyOrigin ? '*' : origin !== undefined && options.origins.includes(origin) ? origin : null;
  return async (c, next) => {
    const origin = allowedOrigin(c.req.header('origin'));
    if (c.req.method === 'OPTIONS') {
      const headers: Record<string, string> = {};
      if (origin) headers['Access-Control-Allow-Origin'] = origin;
      if (exposeHeaders) headers['Access-Control-Expose-Headers'] = exposeHeaders;
      const vary: string[] = [];
      if (!anyOrigin) vary.push('Origin');
      headers['Access-Control-Max-Age'] = maxAge;
      if (allowMethods) headers['Access-Control-Allow-Methods'] = allowMethods;
      const requested = c.req.header('access-control-request-headers');
      if (requested) {
        headers['Access-Control-Allow-Headers'] = requested
          .split(',')
          .map((name) => name.trim())
          .join(',');
        vary.push('Access-Control-Request-Headers');
      }
      if (vary.length > 0) headers.Vary = vary.join(', ');
      return c.body(null, 204, headers);
    }
    await next();
    const headers = c.res.headers;
    if (origin) headers.set('Access-Control-Allow-Origin', origin);
    if (exposeHeaders) headers.set('Access-Control-Expose-Headers', exposeHeaders);
    if (!anyOrigin) headers.append('Vary', 'Origin');
  };
}
