export { PLAN_STATUSES, type PlanStatus } from '../../db/tables/plans.js';
export { getPlan, type Plan } from './plans.service.js';
export { POSTING_TIMES } from './plans.schedule.js';
export {
  PlanApplicationSchema,
  PlanItemSchema,
  PlanPreviewSchema,
  PlanSchema,
  PlanSummarySchema,
} from './plans.schemas.js';
export { plansRoutes, type PlansRouteDeps } from './plans.routes.js';
export { planApplyJobType, PLANS_APPLY_JOB, type PlanApplyPayload } from './plans.jobs.js';
