import { findDomainError } from '@peer-mentor/contracts';
import type { TFunction } from 'i18next';

/**
 * The words a person reads for a failed call: the contracts' catalog names the error by its
 * `PM…` code, and the i18n file words that name; raw PostgREST text is never shown.
 */
export function errorMessage(t: TFunction, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const entry = typeof code === 'string' ? findDomainError(code) : undefined;
  return entry ? t(`errors.${entry.name}`) : t('errors.unknown');
}

/** Whether an error means "someone else acted first" (PM409/PM410): the fresh state is shown. */
export function isConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'PM409' || code === 'PM410';
}
