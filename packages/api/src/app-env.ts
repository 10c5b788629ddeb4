import type { RequestIdVariables } from 'hono/request-id';
import type { AuthVariables } from './auth/middleware.js';
import type { LogVariables } from './logging/request-log.js';

/** What middleware puts in the request context for the handlers after it. */
export interface AppEnv {
  Variables: AuthVariables & LogVariables & RequestIdVariables;
}
