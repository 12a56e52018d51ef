import type { QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
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

const routeTree = rootRoute.addChildren([
  signInRoute,
  setupRoute,
  signedInRoute.addChildren([overviewRoute, ...settingsRoutes(signedInRoute)]),
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
