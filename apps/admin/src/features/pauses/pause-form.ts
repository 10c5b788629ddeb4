import {
  type ActorRole,
  calendarDateIn,
  NOTE_MAX_LENGTH,
  type PauseReasonCode,
  pauseReasonCodes,
  reasonCodeUsableBy,
} from '@peer-mentor/contracts';
import { z } from 'zod';

/** The reason codes a role may choose, in the contracts' order (the database checks the same). */
export function reasonCodesFor(role: ActorRole): PauseReasonCode[] {
  return pauseReasonCodes.filter((code) => reasonCodeUsableBy[code].includes(role));
}

/**
 * The pause form's rules: a reason the role may use, a note within the limit, an expected end
 * not before today in the organization's time zone. Messages are i18n keys.
 */
export function pauseFormSchema(role: ActorRole, timeZone: string, now = new Date()) {
  const today = calendarDateIn(timeZone, now);
  const allowed = reasonCodesFor(role) as [PauseReasonCode, ...PauseReasonCode[]];
  return {
    today,
    schema: z.object({
      reason: z.enum(allowed, { error: 'pause.reason' }),
      note: z.string().max(NOTE_MAX_LENGTH, { error: 'pause.tooLong' }),
      expectedEnd: z
        .string()
        .refine((value) => value === '' || value >= today, { error: 'pause.notBeforeToday' }),
    }),
  };
}
export type PauseFormValues = z.infer<ReturnType<typeof pauseFormSchema>['schema']>;
