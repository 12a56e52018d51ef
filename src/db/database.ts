import type { ApiKeysTable } from '../modules/keys/keys.table.js';
import type { BrandsTable } from '../modules/brands/brands.table.js';
import type { OrganizationsTable } from '../modules/organizations/organizations.table.js';
import type { CampaignsTable } from '../modules/campaigns/campaigns.table.js';
import type { PostsTable } from '../modules/posts/posts.table.js';
import type { IdempotencyKeysTable } from '../http/idempotency.table.js';
import type { OAuthStatesTable, SocialAccountsTable } from '../modules/accounts/accounts.table.js';
import type { JobsTable } from '../worker/queue.table.js';
import type { EventsTable } from '../modules/events/events.table.js';
import type { PlansTable } from '../modules/plans/plans.table.js';
import type { ApiJobsTable, JobItemErrorsTable, JobOutputsTable } from '../modules/jobs/jobs.table.js';
import type {
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookEndpointsTable,
} from '../modules/webhooks/webhooks.table.js';
import type { MediaTable } from '../modules/media/media.table.js';
import type { CommentSyncsTable, CommentsTable } from '../modules/comments/comments.table.js';
import type {
  AccountStatsTable,
  PostMetricsLatestTable,
  PostMetricsTable,
} from '../modules/analytics/analytics.table.js';

/**
 * The whole schema as Kysely sees it. Portable column conventions (one set of migrations for SQLite and
 * PostgreSQL): timestamps are epoch milliseconds (`bigint`), JSON is text, booleans are 0/1 integers.
 */
export interface Database {
  organizations: OrganizationsTable;
  brands: BrandsTable;
  api_keys: ApiKeysTable;
  campaigns: CampaignsTable;
  posts: PostsTable;
  idempotency_keys: IdempotencyKeysTable;
  social_accounts: SocialAccountsTable;
  oauth_states: OAuthStatesTable;
  jobs: JobsTable;
  /** What the `POST /jobs` chunk runner keeps beside an API job's queue row. */
  api_jobs: ApiJobsTable;
  job_item_errors: JobItemErrorsTable;
  job_outputs: JobOutputsTable;
  events: EventsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  media: MediaTable;
  plans: PlansTable;
  post_metrics: PostMetricsTable;
  /** Each post's latest snapshot (upserted with every newer snapshot): what `GET /analytics` reads. */
  post_metrics_latest: PostMetricsLatestTable;
  account_stats: AccountStatsTable;
  comments: CommentsTable;
  comment_syncs: CommentSyncsTable;
}
