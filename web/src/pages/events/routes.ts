import { createRoute, lazyRouteComponent, type AnyRoute } from '@tanstack/react-router';
import { strings } from '../../components/search-params';

/** The event log, for developers: children of the signed-in frame, each page loaded on first visit. */
export function eventRoutes<Parent extends AnyRoute>(parent: Parent) {
  const events = createRoute({
    getParentRoute: () => parent,
    path: '/events',
    validateSearch: strings('type'),
    component: lazyRouteComponent(() => import('./events'), 'EventsPage'),
  });
  return [events] as const;
}
