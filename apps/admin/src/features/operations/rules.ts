/**
 * How long something has waited, in the largest two units a person reads at a glance
 * ("1 t 30 min", "2 d 3 t"; "45 s" under a minute), in the console's language.
 */
export function formatAge(seconds: number, locale: string): string {
  const whole = Math.max(0, Math.floor(seconds));
  const unit = (value: number, name: 'day' | 'hour' | 'minute' | 'second') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'short' }).format(
      value,
    );
  const days = Math.floor(whole / 86_400);
  const hours = Math.floor((whole % 86_400) / 3_600);
  const minutes = Math.floor((whole % 3_600) / 60);
  if (days > 0)
    return hours > 0 ? `${unit(days, 'day')} ${unit(hours, 'hour')}` : unit(days, 'day');
  if (hours > 0)
    return minutes > 0 ? `${unit(hours, 'hour')} ${unit(minutes, 'minute')}` : unit(hours, 'hour');
  if (minutes > 0) return unit(minutes, 'minute');
  return unit(whole, 'second');
}

/**
 * A requeue that found the event no longer parked (PM422: someone else sent it again, or it was
 * delivered) or no longer there (PM404): the list is stale, not the person's mistake.
 */
export function isStaleRequeue(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'PM404' || code === 'PM422';
}
