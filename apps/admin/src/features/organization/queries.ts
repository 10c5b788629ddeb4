import type { MemberRole } from '@peer-mentor/contracts';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { supabase } from '../../lib/supabase';
import type { Caller } from '../auth';

/** One of the signed-in user's organizations (view `my_organizations`). */
export interface MyOrganization {
  organization_id: string;
  organization_name: string;
  role: MemberRole;
  is_current: boolean;
}

/** A member as an org admin sees them (view `member_directory`), with the chapters they cover. */
export interface Member {
  user_id: string;
  role: MemberRole;
  display_name: string | null;
  email: string | null;
  chapterIds: string[];
}

export interface Chapter {
  id: string;
  name: string;
}

export interface MentorChapters {
  id: string;
  display_name: string;
  chapterIds: string[];
}

export const organizationKeys = {
  all: ['organization'] as const,
  mine: (userId: string) => [...organizationKeys.all, 'mine', userId] as const,
  members: (organizationId: string) =>
    [...organizationKeys.all, 'members', organizationId] as const,
  mentors: (organizationId: string) =>
    [...organizationKeys.all, 'mentors', organizationId] as const,
  chapters: (organizationId: string) =>
    [...organizationKeys.all, 'chapters', organizationId] as const,
};

/** Groups link rows (`owner` → `chapter_id`) by their owner. */
function chaptersByOwner<K extends string>(
  rows: ({ chapter_id: string } & Record<K, string>)[],
  owner: K,
): Map<string, string[]> {
  const byOwner = new Map<string, string[]>();
  for (const row of rows)
    byOwner.set(row[owner], [...(byOwner.get(row[owner]) ?? []), row.chapter_id]);
  return byOwner;
}

/** The organizations the caller belongs to, by name (the header's switcher). */
export const myOrganizationsQuery = (caller: Caller) =>
  queryOptions({
    queryKey: organizationKeys.mine(caller.userId),
    queryFn: async () => {
      const { data, error } = await supabase
        .from('my_organizations')
        .select('organization_id, organization_name, role, is_current')
        .order('organization_name');
      if (error) throw error;
      return data as MyOrganization[];
    },
  });

/** The organization's chapters by name. */
export const chaptersQuery = (caller: Caller) =>
  queryOptions({
    queryKey: organizationKeys.chapters(caller.organizationId),
    queryFn: async () => {
      const { data, error } = await supabase
        .from('chapters')
        .select('id, name')
        .eq('organization_id', caller.organizationId)
        .order('name');
      if (error) throw error;
      return data as Chapter[];
    },
  });

/** Every member with role, name, email and the chapters they cover (org admins only). */
export const membersQuery = (caller: Caller) =>
  queryOptions({
    queryKey: organizationKeys.members(caller.organizationId),
    queryFn: async (): Promise<Member[]> => {
      const [members, coverage] = await Promise.all([
        supabase
          .from('member_directory')
          .select('user_id, role, display_name, email')
          .eq('organization_id', caller.organizationId)
          .order('display_name', { nullsFirst: false })
          .order('email'),
        supabase
          .from('coordinator_chapters')
          .select('user_id, chapter_id')
          .eq('organization_id', caller.organizationId),
      ]);
      if (members.error) throw members.error;
      if (coverage.error) throw coverage.error;
      const chapters = chaptersByOwner(
        coverage.data as { user_id: string; chapter_id: string }[],
        'user_id',
      );
      return (members.data as Omit<Member, 'chapterIds'>[]).map((member) => ({
        ...member,
        chapterIds: chapters.get(member.user_id) ?? [],
      }));
    },
  });

export const MENTOR_PAGE_SIZE = 50;

/**
 * The organization's mentors whose name matches the search (server-side, a page at a time, so
 * 5,000 mentors stay fast), each with the chapters they serve in.
 */
export const mentorChaptersQuery = (caller: Caller, search: string) =>
  queryOptions({
    queryKey: [...organizationKeys.mentors(caller.organizationId), search] as const,
    placeholderData: keepPreviousData,
    queryFn: async (): Promise<{ mentors: MentorChapters[]; total: number }> => {
      let query = supabase
        .from('peer_mentors')
        .select('id, display_name', { count: 'exact' })
        .eq('organization_id', caller.organizationId)
        .order('display_name')
        .order('id')
        .range(0, MENTOR_PAGE_SIZE - 1);
      if (search.trim() !== '') query = query.ilike('display_name', `%${search.trim()}%`);
      const mentors = await query;
      if (mentors.error) throw mentors.error;
      const rows = mentors.data as Omit<MentorChapters, 'chapterIds'>[];
      const links = await supabase
        .from('peer_mentor_chapters')
        .select('peer_mentor_id, chapter_id')
        .in(
          'peer_mentor_id',
          rows.map((row) => row.id),
        );
      if (links.error) throw links.error;
      const chapters = chaptersByOwner(
        links.data as { peer_mentor_id: string; chapter_id: string }[],
        'peer_mentor_id',
      );
      return {
        mentors: rows.map((mentor) => ({ ...mentor, chapterIds: chapters.get(mentor.id) ?? [] })),
        total: mentors.count ?? rows.length,
      };
    },
  });
