/**
 * What other modules may use of organizations. Not the routes: app.ts takes them from
 * organizations.routes.ts, since the keys service uses this index and every route's RouteDeps names the
 * keys service (a cycle otherwise).
 */
export { PLANS, PLAN_RATE_LIMITS, type PlanName } from '../../db/tables/organizations.js';
export {
  createOrganization,
  getOrganization,
  listOrganizations,
  updateOrganization,
  countOrganizations,
  rateLimitOf,
  type Organization,
} from './organizations.service.js';
export { OrganizationSchema } from './organizations.schemas.js';
