import { useQuery } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { NoticeView } from '../components/notice';
import { QueryState } from '../components/query-state';
import type { Caller } from '../features/auth';
import { ChapterPage, chapterKeys, HomePage } from '../features/chapters';
import { MentorPage, mentorKeys, ownMentorIdQuery } from '../features/mentors';
import { type Notice, PauseActions, type PauseTarget } from '../features/pauses';
import { queryClient } from '../lib/query-client';
import { useSignedInCaller } from './signed-in';

// The signed-in pages (loaded lazily by the router): the features composed, with the pause
// controls wired to the queries they change.

function usePauseActions(caller: Caller) {
  const [notice, setNotice] = useState<Notice | null>(null);
  const onChanged = (mentorId: string) => () => {
    void queryClient.invalidateQueries({ queryKey: chapterKeys.all });
    void queryClient.invalidateQueries({ queryKey: mentorKeys.detail(mentorId) });
  };
  const render = (mentor: PauseTarget) => (
    <PauseActions
      caller={caller}
      mentor={mentor}
      onChanged={onChanged(mentor.peer_mentor_id)}
      onNotice={setNotice}
    />
  );
  const noticeView = <NoticeView notice={notice} onClose={() => setNotice(null)} />;
  return { render, noticeView };
}

/** A coordinator's or admin's chapters; a mentor's own page. */
export function Home() {
  const caller = useSignedInCaller();
  const { render, noticeView } = usePauseActions(caller);
  const ownId = useQuery({ ...ownMentorIdQuery(caller), enabled: caller.role === 'peer_mentor' });
  if (caller.role !== 'peer_mentor') return <HomePage caller={caller} />;
  return (
    <QueryState query={ownId}>
      {(mentorId) => (
        <MentorPage caller={caller} mentorId={mentorId} actions={render} notice={noticeView} />
      )}
    </QueryState>
  );
}

const chapterApi = getRouteApi('/chapters/$chapterId');

export function Chapter() {
  const caller = useSignedInCaller();
  const { chapterId } = chapterApi.useParams();
  const search = chapterApi.useSearch();
  const navigate = useNavigate({ from: '/chapters/$chapterId' });
  const { render, noticeView } = usePauseActions(caller);
  return (
    <ChapterPage
      caller={caller}
      chapterId={chapterId}
      search={search}
      onSearch={(next) => void navigate({ search: next, replace: true })}
      actions={render}
      notice={noticeView}
    />
  );
}

const mentorApi = getRouteApi('/mentors/$mentorId');

export function Mentor() {
  const caller = useSignedInCaller();
  const { mentorId } = mentorApi.useParams();
  const { render, noticeView } = usePauseActions(caller);
  return <MentorPage caller={caller} mentorId={mentorId} actions={render} notice={noticeView} />;
}
