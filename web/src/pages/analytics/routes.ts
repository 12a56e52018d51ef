import { createRoute, lazyRouteComponent, type AnyRoute } from '@tanstack/react-router';
import { strings } from '../../components/search-params';

/** Analytics dashboards and the analytics of one post: children of the signed-in frame, each page loaded on first visit. */
export function analyticsRoutes<Parent extends AnyRoute>(parent: Parent) {
  const analytics = createRoute({
    getParentRoute: () => parent,
    path: '/analytics',
    validateSearch: strings('from', 'to', 'groupBy', 'brand', 'platform', 'campaign'),
    component: lazyRouteComponent(() => import('./analytics'), 'AnalyticsPage'),
  });
  const postAnalytics = createRoute({
    getParentRoute: () => parent,
    path: '/analytics/posts/$postId',
    component: lazyRouteComponent(() => import('./post-analytics'), 'PostAnalyticsPage'),
  });
  return [analytics, postAnalytics] as const;
}
