import type { Context, MiddlewareHandler } from 'hono';
import type { ApiConfig } from '../config.js';
import { ApiError } from '../errors.js';
import { anonymousCaller, type Caller } from './claims.js';
import type { TokenVerifier } from './verifier.js';

export interface AuthVariables {
  caller: Caller;
}

// Supabase's API gateway answers these before PostgREST sees the request (HTTP 401, no `code`).
const noApiKey = () =>
  new ApiError(401, {
    message: 'No API key found in request',
    hint: 'No `apikey` request header or url param was found.',
  });
const invalidApiKey = () =>
  new ApiError(401, {
    message: 'Invalid API key',
    hint: 'Double check your Supabase `anon` or `service_role` API key.',
  });

/**
 * The gateway's API-key check: an `apikey` header (or `?apikey=` parameter) must carry one of
 * the project's keys. Here that is a configured opaque key, or a JWT this service verifies whose
 * role is `anon` or `service_role` (Supabase's legacy anon and service keys are such JWTs).
 */
async function checkApiKey(key: string, config: ApiConfig, verifier: TokenVerifier) {
  if (config.apiKeys.includes(key)) return;
  let caller: Caller;
  try {
    caller = await verifier.verify(key);
  } catch {
    throw invalidApiKey();
  }
  if (caller.role === 'authenticated') throw invalidApiKey();
}

async function requireApiKeyOf(c: Context, config: ApiConfig, verifier: TokenVerifier) {
  const apiKey = c.req.header('apikey') ?? c.req.query('apikey');
  if (apiKey === undefined) throw noApiKey();
  await checkApiKey(apiKey, config, verifier);
}

/** The gateway's API-key check alone, for routes that identify the user themselves (Auth). */
export function requireApiKey(config: ApiConfig, verifier: TokenVerifier): MiddlewareHandler {
  return async (c, next) => {
    await requireApiKeyOf(c, config, verifier);
    await next();
  };
}

/**
 * Decides who the request runs as: the verified `Authorization: Bearer` token, or `anon` when
 * there is none (or it is one of the opaque API keys, which supabase-js sends as its bearer
 * until a user signs in). A token that fails verification is a 401, never a fallback to anon.
 */
export function authenticate(
  config: ApiConfig,
  verifier: TokenVerifier,
): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    await requireApiKeyOf(c, config, verifier);

    const authorization = c.req.header('authorization');
    const match = authorization?.match(/^bearer(?:\s+(.*))?$/i);
    let caller = anonymousCaller;
    if (match) {
      const token = (match[1] ?? '').trim();
      if (!config.apiKeys.includes(token)) caller = await verifier.verify(token);
    }
    c.set('caller', caller);
    await next();
  };
}
