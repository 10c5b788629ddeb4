import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The local JWT secret: the configured one, or one generated on the first start and kept in
 * `<stateDir>/jwt-secret` (mode 0600), so tokens printed once stay valid on the next start.
 */
export function localJwtSecret(
  stateDir: string,
  configured?: string,
): { secret: string; origin: string } {
  if (configured) return { secret: configured, origin: 'LOCAL_JWT_SECRET' };
  const file = path.join(stateDir, 'jwt-secret');
  if (existsSync(file)) return { secret: readFileSync(file, 'utf8').trim(), origin: file };
  mkdirSync(stateDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, origin: `${file} (new)` };
}
