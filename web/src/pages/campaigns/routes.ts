import { createRoute, lazyRouteComponent, type AnyRoute } from '@tanstack/react-router';
import { strings } from '../../components/search-params';

/** Campaigns: the list and one campaign with its posts: children of the signed-in frame, each page loaded on first visit. */
export function campaignRoutes<Parent extends AnyRoute>(parent: Parent) {
  const campaigns = createRoute({
    getParentRoute: () => parent,
    path: '/campaigns',
    validateSearch: strings('status', 'brand'),
    component: lazyRouteComponent(() => import('./campaigns'), 'CampaignsPage'),
  });
  const campaign = createRoute({
    getParentRoute: () => parent,
    path: '/campaigns/$campaignId',
    component: lazyRouteComponent(() => import('./campaign'), 'CampaignPage'),
  });
  return [campaigns, campaign] as const;
}
