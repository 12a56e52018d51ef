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
export { organizationsRoutes } from './organizations.routes.js';
