import { Alert, Loader } from '@mantine/core';
import {
  createRootRoute,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
} from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { QueryState } from '../components/query-state';
import { SignInPage, useCaller, useSession } from '../features/auth';
import { Layout } from './layout';
import { RosterSearch } from './roster-search';

/** The signed-in caller, or the sign-in page; every route below renders inside it. */
function Root() {
  const session = useSession();
  if (session === undefined) return <Loader m="xl" />;
  if (session === null) return <SignInPage />;
  return <SignedIn session={session} />;
}

function SignedIn({ session }: { session: NonNullable<ReturnType<typeof useSession>> }) {
  const caller = useCaller(session);
  return (
    <Layout caller={caller.data ?? null}>
      <QueryState query={caller}>{() => <Outlet />}</QueryState>
    </Layout>
  );
}

function NotFound() {
  const { t } = useTranslation();
  return <Alert role="alert">{t('errors.not_found')}</Alert>;
}

export const rootRoute = createRootRoute({ component: Root });

// Signed-in pages load after sign-in, so the first page's bundle stays small.
const homeRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  component: lazyRouteComponent(() => import('./pages'), 'Home'),
});

export const chapterRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/chapters/$chapterId',
  validateSearch: RosterSearch,
  component: lazyRouteComponent(() => import('./pages'), 'Chapter'),
});

export const mentorRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/mentors/$mentorId',
  component: lazyRouteComponent(() => import('./pages'), 'Mentor'),
});

// The org-admin pages (a refusal in plain words for anyone else).
const organizationMembersRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/organization/members',
  component: lazyRouteComponent(() => import('./organization-pages'), 'Members'),
});

const organizationMentorsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/organization/mentors',
  component: lazyRouteComponent(() => import('./organization-pages'), 'MentorChapters'),
});

// Org admins only (the page refuses everyone else); its own chunk, loaded on first visit.
const operationsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/operations',
  component: lazyRouteComponent(() => import('./operations-page'), 'Operations'),
});

export const router = createRouter({
  routeTree: rootRoute.addChildren([
    homeRoute,
    chapterRoute,
    mentorRoute,
    organizationMembersRoute,
    organizationMentorsRoute,
    operationsRoute,
  ]),
  defaultNotFoundComponent: NotFound,
  defaultPendingComponent: () => <Loader m="xl" />,
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
