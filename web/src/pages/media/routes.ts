import { createRoute, lazyRouteComponent, type AnyRoute } from '@tanstack/react-router';
import { strings } from '../../components/search-params';

/** Media library: children of the signed-in frame, each page loaded on first visit. */
export function mediaRoutes<Parent extends AnyRoute>(parent: Parent) {
  const media = createRoute({
    getParentRoute: () => parent,
    path: '/media',
    validateSearch: strings('type', 'brand'),
    component: lazyRouteComponent(() => import('./media'), 'MediaPage'),
  });
  return [media] as const;
}
