import { createRoute, lazyRouteComponent, type AnyRoute } from '@tanstack/react-router';
import { strings } from '../../components/search-params';

/** Calendar: month, week, day and list views of the posts: children of the signed-in frame, each page loaded on first visit. */
export function calendarRoutes<Parent extends AnyRoute>(parent: Parent) {
  const calendar = createRoute({
    getParentRoute: () => parent,
    path: '/calendar',
    validateSearch: strings('view', 'date', 'brand', 'platform', 'campaign', 'status'),
    component: lazyRouteComponent(() => import('./calendar'), 'CalendarPage'),
  });
  return [calendar] as const;
}
