import { createRoute, lazyRouteComponent, type AnyRoute } from '@tanstack/react-router';

/** Jobs: the list and one job: children of the signed-in frame, each page loaded on first visit. */
export function jobRoutes<Parent extends AnyRoute>(parent: Parent) {
  const jobs = createRoute({
    getParentRoute: () => parent,
    path: '/jobs',
    component: lazyRouteComponent(() => import('./jobs'), 'JobsPage'),
  });
  const job = createRoute({
    getParentRoute: () => parent,
    path: '/jobs/$jobId',
    component: lazyRouteComponent(() => import('./job'), 'JobPage'),
  });
  return [jobs, job] as const;
}
