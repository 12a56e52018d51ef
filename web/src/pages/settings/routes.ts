import { createRoute, lazyRouteComponent, type AnyRoute } from '@tanstack/react-router';

/**
 * Settings → API keys, Integrations → Webhooks (and one endpoint), Organization: children of the
 * signed-in frame, each page loaded on first visit (they stay out of the initial bundle).
 */
export function settingsRoutes<Parent extends AnyRoute>(parent: Parent) {
  const apiKeys = createRoute({
    getParentRoute: () => parent,
    path: '/settings/api-keys',
    component: lazyRouteComponent(() => import('./api-keys'), 'ApiKeysPage'),
  });
  const webhooks = createRoute({
    getParentRoute: () => parent,
    path: '/settings/webhooks',
    component: lazyRouteComponent(() => import('./webhooks'), 'WebhooksPage'),
  });
  const webhook = createRoute({
    getParentRoute: () => parent,
    path: '/settings/webhooks/$webhookId',
    component: lazyRouteComponent(() => import('./webhook-detail'), 'WebhookDetailPage'),
  });
  const organization = createRoute({
    getParentRoute: () => parent,
    path: '/settings/organization',
    component: lazyRouteComponent(() => import('./organization'), 'OrganizationSettingsPage'),
  });
  return [apiKeys, webhooks, webhook, organization] as const;
}
