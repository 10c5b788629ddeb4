import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * An error as Supabase Auth answers it: an HTTP status, an error code clients switch on
 * (`invalid_credentials`, `refresh_token_already_used`, …) and a message.
 */
export class AuthApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AuthApiError';
  }
}

/** The API version supabase-js asks for; from it on, error bodies are `{code, message}`. */
export const API_VERSION_2024 = '2024-01-01';
const API_VERSION_HEADER = 'X-Supabase-Api-Version';

/**
 * The error response Supabase Auth sends: `{code, message}` to clients that send
 * `X-Supabase-Api-Version: 2024-01-01` or later (supabase-js does), `{code: <status>,
 * error_code, msg}` to older ones; the code also in `x-sb-error-code`.
 */
export function authErrorResponse(c: Context, error: AuthApiError): Response {
  const requested = c.req.header(API_VERSION_HEADER);
  c.header('x-sb-error-code', error.code);
  if (requested !== undefined && requested >= API_VERSION_2024) {
    c.header(API_VERSION_HEADER, API_VERSION_2024);
    return c.json({ code: error.code, message: error.message }, error.status);
  }
  return c.json({ code: error.status, error_code: error.code, msg: error.message }, error.status);
}

export const authErrors = {
  invalidCredentials: () =>
    new AuthApiError(400, 'invalid_credentials', 'Invalid login credentials'),
  unsupportedGrantType: () =>
    new AuthApiError(400, 'invalid_credentials', 'unsupported_grant_type'),
  validationFailed: (message: string) => new AuthApiError(400, 'validation_failed', message),
  emailNotConfirmed: () => new AuthApiError(400, 'email_not_confirmed', 'Email not confirmed'),
  refreshTokenNotFound: () =>
    new AuthApiError(
      400,
      'refresh_token_not_found',
      'Invalid Refresh Token: Refresh Token Not Found',
    ),
  refreshTokenAlreadyUsed: () =>
    new AuthApiError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used'),
  overRequestRateLimit: () =>
    new AuthApiError(429, 'over_request_rate_limit', 'Request rate limit reached'),
  noAuthorization: () =>
    new AuthApiError(401, 'no_authorization', 'This endpoint requires a valid Bearer token'),
  badJwt: (reason: string) =>
    new AuthApiError(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${reason}`),
  sessionNotFound: () =>
    new AuthApiError(
      403,
      'session_not_found',
      'Session from session_id claim in JWT does not exist',
    ),
  userNotFound: () =>
    new AuthApiError(403, 'user_not_found', 'User from sub claim in JWT does not exist'),
  unexpectedFailure: (message = 'Unexpected failure') =>
    new AuthApiError(500, 'unexpected_failure', message),
};
