import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A secret generated on the first start and kept in `<stateDir>/<name>` (mode 0600), so what
 * was handed out once (printed tokens, a role's password) stays valid on the next start.
 */
function keptSecret(stateDir: string, name: string): { secret: string; origin: string } {
  const file = path.join(stateDir, name);
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), origin: file };
  mkdirSync(stateDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, origin: `${file} (new)` };
}

/** The local JWT secret: the configured one, or one kept in `<stateDir>/jwt-secret`. */
export function localJwtSecret(
  stateDir: string,
  configured?: string,
): { secret: string; origin: string } {
  if (configured) return { secret: configured, origin: 'LOCAL_JWT_SECRET' };
  return keptSecret(stateDir, 'jwt-secret');
}

/** The password the API's `authenticator` login uses locally, kept in `<stateDir>/authenticator-password`. */
export function localAuthenticatorPassword(stateDir: string): string {
  return keptSecret(stateDir, 'authenticator-password').secret;
}
