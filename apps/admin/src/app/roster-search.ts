import { PauseReasonCode } from '@peer-mentor/contracts';
import { z } from 'zod';

/**
 * The roster's search params: a filtered, sorted, paged roster is a link to share. Declared
 * here (not in the lazily loaded chapters feature) so the route validates before it loads.
 */
export const RosterSearch = z.object({
  q: z.string().optional().catch(undefined),
  status: z.enum(['active', 'paused']).optional().catch(undefined),
  reason: PauseReasonCode.optional().catch(undefined),
  sort: z.enum(['name', 'since', 'certification']).optional().catch(undefined),
  page: z.number().int().min(1).optional().catch(undefined),
});
export type RosterSearch = z.infer<typeof RosterSearch>;
