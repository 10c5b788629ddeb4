/**
 * The organization's calendar. The database reads "today" as
 * `(now() at time zone organizations.time_zone)::date`; a client validating `p_expected_end`
 * must read it the same way, or a pause entered shortly after midnight in Oslo is judged
 * against yesterday's date.
 */

/** `organizations.time_zone` defaults to this; every organization so far uses it. */
export const DEFAULT_TIME_ZONE = 'Europe/Oslo';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        calendar: 'gregory',
        numberingSystem: 'latn',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      });
    } catch (cause) {
      throw new RangeError(`unknown time zone ${JSON.stringify(timeZone)}`, { cause });
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The calendar date (`YYYY-MM-DD`) of `instant` in an IANA time zone.
 * Throws a RangeError for a time zone the runtime does not know.
 */
export function calendarDateIn(timeZone: string, instant: Date = new Date()): string {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((candidate) => candidate.type === type)?.value ?? '';
  return `${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`;
}
