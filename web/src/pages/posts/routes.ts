import { createRoute, lazyRouteComponent, type AnyRoute } from '@tanstack/react-router';
import { strings } from '../../components/search-params';

/** Composer and the page of one post: children of the signed-in frame, each page loaded on first visit. */
export function postRoutes<Parent extends AnyRoute>(parent: Parent) {
  const compose = createRoute({
    getParentRoute: () => parent,
    path: '/compose',
    validateSearch: strings('brand', 'platform', 'at', 'campaign', 'post'),
    component: lazyRouteComponent(() => import('./compose'), 'ComposePage'),
  });
  const post = createRoute({
    getParentRoute: () => parent,
    path: '/posts/$postId',
    component: lazyRouteComponent(() => import('./post'), 'PostPage'),
  });
  return [compose, post] as const;
}
