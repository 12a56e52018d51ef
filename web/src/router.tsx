import type { QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
  useRouter,
} from '@tanstack/react-router';
import { toProblem } from './api/problem';
import { sessionQuery } from './api/session-query';
import { ErrorState, Loading } from './components/states';
import { AppLayout } from './layout/app-layout';
import { NotFoundPage } from './pages/not-found';
import { OverviewPage } from './pages/overview';
import { SetupPage } from './pages/setup';
import { SignInPage } from './pages/sign-in';
import { strings } from './components/search-params';
import { analyticsRoutes } from './pages/analytics/routes';
import { calendarRoutes } from './pages/calendar/routes';
import { campaignRoutes } from './pages/campaigns/routes';
import { commentRoutes } from './pages/comments/routes';
import { eventRoutes } from './pages/events/routes';
import { jobRoutes } from './pages/jobs/routes';
import { mediaRoutes } from './pages/media/routes';
import { planRoutes } from './pages/plans/routes';
import { postRoutes } from './pages/posts/routes';
import { settingsRoutes } from './pages/settings/routes';

interface RouterContext {
  queryClient: QueryClient;
}

function RouteError({ error }: { error: unknown }) {
  const router = useRouter();
  return (
    <main className="page page--narrow">
      <ErrorState problem={toProblem(error)} onRetry={() => void router.invalidate()} />
    </main>
  );
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: NotFoundPage,
  errorComponent: RouteError,
  pendingComponent: () => <Loading />,
});

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  validateSearch: (search: Record<string, unknown>): { redirect?: string } =>
    typeof search.redirect === 'string' ? { redirect: search.redirect } : {},
  component: SignInPage,
});

const setupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/setup',
  validateSearch: (search: Record<string, unknown>): { token?: string } =>
    typeof search.token === 'string' ? { token: search.token } : {},
  component: SetupPage,
});

/** Every page below needs a session: without one the browser goes to sign-in, and comes back after. */
const signedInRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'signed-in',
  beforeLoad: async ({ context, location }) => {
    const session = await context.queryClient.ensureQueryData(sessionQuery);
    if (!session) throw redirect({ to: '/sign-in', search: { redirect: location.href } });
  },
  component: AppLayout,
});

const overviewRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/',
  component: OverviewPage,
});

const brandsRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/brands',
  component: lazyRouteComponent(() => import('./pages/brands'), 'BrandsPage'),
});

const socialAccountsRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/social-accounts',
  validateSearch: strings('brand', 'status', 'reason', 'accounts', 'state'),
  component: lazyRouteComponent(() => import('./pages/social-accounts'), 'SocialAccountsPage'),
});

const profileRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/profile',
  component: lazyRouteComponent(() => import('./pages/profile'), 'ProfilePage'),
});

const forgotPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/forgot-password',
  component: lazyRouteComponent(() => import('./pages/forgot-password'), 'ForgotPasswordPage'),
});

const resetPasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/reset-password',
  validateSearch: strings('token'),
  component: lazyRouteComponent(() => import('./pages/reset-password'), 'ResetPasswordPage'),
});

const acceptInvitationRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/invitations/accept',
  validateSearch: strings('token'),
  component: lazyRouteComponent(() => import('./pages/accept-invitation'), 'AcceptInvitationPage'),
});

const routeTree = rootRoute.addChildren([
  signInRoute,
  setupRoute,
  forgotPasswordRoute,
  resetPasswordRoute,
  acceptInvitationRoute,
  signedInRoute.addChildren([
    overviewRoute,
    brandsRoute,
    socialAccountsRoute,
    profileRoute,
    ...calendarRoutes(signedInRoute),
    ...postRoutes(signedInRoute),
    ...campaignRoutes(signedInRoute),
    ...planRoutes(signedInRoute),
    ...mediaRoutes(signedInRoute),
    ...analyticsRoutes(signedInRoute),
    ...commentRoutes(signedInRoute),
    ...jobRoutes(signedInRoute),
    ...eventRoutes(signedInRoute),
    ...settingsRoutes(signedInRoute),
  ]),
]);

export function makeRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: 'intent',
    defaultPendingMs: 300,
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof makeRouter>;
  }
}
