import {
  type ActivePauseRow,
  ActivePauseRows,
  type PauseReasonCode,
  type PauseStatus,
} from '@peer-mentor/contracts';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { supabase } from '../../lib/supabase';
import type { Caller } from '../auth';

export const ROSTER_PAGE_SIZE = 25;

/** The roster's search params (validated by the route; see app/router.tsx). */
export interface RosterSearch {
  q?: string | undefined;
  status?: 'active' | 'paused' | undefined;
  reason?: PauseReasonCode | undefined;
  sort?: 'name' | 'since' | 'certification' | undefined;
  page?: number | undefined;
}

export interface ChapterOverview {
  chapter_id: string;
  name: string;
  active_pauses: number;
  certifications_expiring: number;
}

export interface RosterRow {
  peer_mentor_id: string;
  display_name: string;
  status: PauseStatus;
  reason_code: PauseReasonCode | null;
  paused_at: string | null;
  expected_end: string | null;
  paused_by_role: string | null;
  certification_valid_until: string | null;
}

export const chapterKeys = {
  all: ['chapters'] as const,
  overview: (caller: Caller) =>
    [...chapterKeys.all, 'overview', caller.organizationId, caller.userId] as const,
  roster: (chapterId: string, search: RosterSearch) =>
    [...chapterKeys.all, 'roster', chapterId, search] as const,
  activePauses: (chapterId: string) => [...chapterKeys.all, 'active-pauses', chapterId] as const,
};

/** A coordinator's own chapters; an org admin's every chapter; each with its counts. */
export const chapterOverviewQuery = (caller: Caller) =>
  queryOptions({
    queryKey: chapterKeys.overview(caller),
    queryFn: async () => {
      let query = supabase
        .from('chapter_overview')
        .select('chapter_id, name, active_pauses, certifications_expiring')
        .eq('organization_id', caller.organizationId)
        .order('name');
      if (caller.role === 'coordinator') {
        const assigned = await supabase
          .from('coordinator_chapters')
          .select('chapter_id')
          .eq('user_id', caller.userId);
        if (assigned.error) throw assigned.error;
        query = query.in(
          'chapter_id',
          assigned.data.map((row) => row.chapter_id as string),
        );
      }
      const { data, error } = await query;
      if (error) throw error;
      return data as ChapterOverview[];
    },
  });

const rosterOrder = {
  name: { column: 'display_name', ascending: true },
  since: { column: 'paused_at', ascending: false },
  certification: { column: 'certification_valid_until', ascending: true },
} as const;

/** One page of a chapter's roster, filtered, sorted and counted by the server. */
export const rosterQuery = (chapterId: string, search: RosterSearch) =>
  queryOptions({
    queryKey: chapterKeys.roster(chapterId, search),
    placeholderData: keepPreviousData,
    queryFn: async () => {
      const page = search.page ?? 1;
      const order = rosterOrder[search.sort ?? 'name'];
      let query = supabase
        .from('chapter_roster')
        .select(
          'peer_mentor_id, display_name, status, reason_code, paused_at, expected_end, paused_by_role, certification_valid_until',
          { count: 'exact' },
        )
        .eq('chapter_id', chapterId);
      if (search.q) query = query.ilike('display_name', `%${search.q}%`);
      if (search.status) query = query.eq('status', search.status);
      if (search.reason) query = query.eq('reason_code', search.reason);
      const from = (page - 1) * ROSTER_PAGE_SIZE;
      const { data, count, error } = await query
        .order(order.column, { ascending: order.ascending, nullsFirst: false })
        .order('peer_mentor_id')
        .range(from, from + ROSTER_PAGE_SIZE - 1);
      if (error) throw error;
      return { rows: data as RosterRow[], total: count ?? 0 };
    },
  });

export const chapterNameQuery = (chapterId: string) =>
  queryOptions({
    queryKey: [...chapterKeys.all, 'name', chapterId],
    queryFn: async () => {
      const { data, error } = await supabase
        .from('chapters')
        .select('name')
        .eq('id', chapterId)
        .single();
      if (error) throw error;
      return data.name as string;
    },
  });

export const activePausesQuery = (caller: Caller, chapterId: string) =>
  queryOptions({
    queryKey: chapterKeys.activePauses(chapterId),
    queryFn: async (): Promise<ActivePauseRow[]> => {
      const { data, error } = await supabase.rpc('get_active_pauses_for_chapter', {
        p_organization_id: caller.organizationId,
        p_chapter_id: chapterId,
      });
      if (error) throw error;
      return ActivePauseRows.parse(data);
    },
  });
