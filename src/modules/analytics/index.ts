export {
  getAnalytics,
  GROUP_BYS,
  METRICS,
  type AnalyticsReport,
  type AnalyticsRow,
  type GroupBy,
  type Metric,
} from './analytics.service.js';
export { AnalyticsReportSchema, AnalyticsRowSchema, AnalyticsTotalsSchema } from './analytics.schemas.js';
export { accountAnalyticsRoutes, analyticsRoutes } from './analytics.routes.js';
export { analyticsExportJobType } from './analytics.export.js';
export {
  ACCOUNT_ANALYTICS_MAX_DAYS,
  AccountStatsDaySchema,
  SocialAccountAnalyticsSchema,
  socialAccountAnalytics,
  type AccountStatsDay,
  type SocialAccountAnalytics,
} from './analytics.accounts.js';
