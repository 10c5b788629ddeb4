import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import type { Clock } from '../auth/verifier.js';
import { postgrestError } from '../errors.js';

/** Request rate limits of `/rest/v1/*`. */
export interface RateLimitConfig {
  /** Off only when configured so (`RATE_LIMITS=off`), e.g. for a benchmark. */
  enabled: boolean;
  /** Requests a minute per user (the token's `sub`), in a bucket that holds as many. */
  perUserPerMinute: number;
  /** Requests a minute per client address (the TCP peer), likewise. */
  perAddressPerMinute: number;
}

/** The documented defaults: ten requests a second for a person, twenty for one address. */
export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  enabled: true,
  perUserPerMinute: 600,
  perAddressPerMinute: 1_200,
};

/** Keys whose bucket is full again are forgotten once this many are remembered. */
const SWEEP_ABOVE_KEYS = 10_000;

/**
 * Token buckets, one per key: each holds up to `perMinute` requests and refills at `perMinute`
 * a minute, so a burst is allowed and a steady rate above the limit is not.
 */
export function createRateLimiter(perMinute: number, clock: Clock) {
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const level = (bucket: { tokens: number; at: number }, now: number) =>
    Math.min(perMinute, bucket.tokens + (now - bucket.at) * perMs);
  return {
    /** Takes one request for `key`: 0 when allowed, else the seconds until one is. */
    take(key: string): number {
      const now = clock.now().getTime();
      if (buckets.size > SWEEP_ABOVE_KEYS) {
        for (const [known, bucket] of buckets) {
          if (level(bucket, now) >= perMinute) buckets.delete(known);
        }
      }
      const bucket = buckets.get(key) ?? { tokens: perMinute, at: now };
      bucket.tokens = level(bucket, now);
      bucket.at = now;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    },
  };
}

/** The TCP peer's address on @hono/node-server; none for an in-process request. */
function clientAddress(c: Context): string | undefined {
  const bindings = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return bindings?.incoming?.socket?.remoteAddress;
}

function tooManyRequests(who: string, perMinute: number, retryAfterSeconds: number) {
  return postgrestError(429, 'PT429', 'Too many requests', {
    details: `more than ${perMinute} requests a minute from this ${who}`,
    hint: `Retry after ${retryAfterSeconds} s`,
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}

/**
 * Two middlewares: `byAddress` goes before authentication (a flood of bad tokens costs no
 * verification), `byUser` after it (it needs the verified caller). Both do nothing when the
 * limits are off; a request without an address (in-process) or a user (anon, service keys)
 * meets only the other limit.
 */
export function rateLimits(config: RateLimitConfig, clock: Clock) {
  const users = createRateLimiter(config.perUserPerMinute, clock);
  const addresses = createRateLimiter(config.perAddressPerMinute, clock);
  const byAddress: MiddlewareHandler<AppEnv> = async (c, next) => {
    const address = clientAddress(c);
    if (config.enabled && address !== undefined) {
      const wait = addresses.take(address);
      if (wait > 0) throw tooManyRequests('address', config.perAddressPerMinute, wait);
    }
    await next();
  };
  const byUser: MiddlewareHandler<AppEnv> = async (c, next) => {
    const user = c.get('caller')?.identity.subject;
    if (config.enabled && user) {
      const wait = users.take(user);
      if (wait > 0) throw tooManyRequests('user', config.perUserPerMinute, wait);
    }
    await next();
  };
  return { byAddress, byUser };
}
