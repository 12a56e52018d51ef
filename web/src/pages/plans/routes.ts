import { createRoute, lazyRouteComponent, type AnyRoute } from '@tanstack/react-router';

/** Content plans: the list, the wizard and one plan: children of the signed-in frame, each page loaded on first visit. */
export function planRoutes<Parent extends AnyRoute>(parent: Parent) {
  const plans = createRoute({
    getParentRoute: () => parent,
    path: '/plans',
    component: lazyRouteComponent(() => import('./plans'), 'PlansPage'),
  });
  const wizard = createRoute({
    getParentRoute: () => parent,
    path: '/plans/new',
    component: lazyRouteComponent(() => import('./plan-wizard'), 'PlanWizardPage'),
  });
  const plan = createRoute({
    getParentRoute: () => parent,
    path: '/plans/$planId',
    component: lazyRouteComponent(() => import('./plan'), 'PlanPage'),
  });
  return [plans, wizard, plan] as const;
}
