import { i18next } from './i18n';

const locale = () => (i18next.language === 'en' ? 'en-GB' : 'nb-NO');

/** A timestamp as a person in the organization's time zone reads it. */
export function formatInstant(value: string | null, timeZone: string): string {
  if (!value) return '–';
  return new Intl.DateTimeFormat(locale(), {
    timeZone,
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(value));
}

/** A calendar date (`YYYY-MM-DD`, no time zone of its own). */
export function formatDate(value: string | null): string {
  if (!value) return '–';
  return new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', dateStyle: 'medium' }).format(
    new Date(`${value}T00:00:00Z`),
  );
}
