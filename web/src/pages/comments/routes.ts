import { createRoute, lazyRouteComponent, type AnyRoute } from '@tanstack/react-router';

/** Comments inbox: children of the signed-in frame, each page loaded on first visit. */
export function commentRoutes<Parent extends AnyRoute>(parent: Parent) {
  const comments = createRoute({
    getParentRoute: () => parent,
    path: '/comments',
    component: lazyRouteComponent(() => import('./comments'), 'CommentsPage'),
  });
  return [comments] as const;
}
