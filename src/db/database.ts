import type { ApiKeysTable } from './tables/keys.js';
import type { BrandsTable } from './tables/brands.js';
import type { OrganizationsTable } from './tables/organizations.js';
import type { CampaignsTable } from './tables/campaigns.js';
import type { PostsTable } from './tables/posts.js';
import type { IdempotencyKeysTable } from './tables/idempotency.js';
import type { OAuthStatesTable, SocialAccountsTable } from './tables/accounts.js';
import type { JobsTable } from './tables/queue.js';
import type { EventsTable } from './tables/events.js';
import type { PlansTable } from './tables/plans.js';
import type { ApiJobsTable, JobItemErrorsTable, JobOutputsTable } from './tables/jobs.js';
import type {
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookEndpointsTable,
} from './tables/webhooks.js';
import type { MediaTable } from './tables/media.js';
import type { CommentSyncsTable, CommentsTable } from './tables/comments.js';
import type {
  AuditLogTable,
  InvitationsTable,
  MembershipsTable,
  PasswordResetsTable,
  RecoveryCodesTable,
  SessionsTable,
  UsersTable,
} from './tables/people.js';
import type {
  AccountStatsTable,
  PostMetricsDailyTable,
  PostMetricsSlotsTable,
  PostMetricsLatestTable,
  PostMetricsTable,
} from './tables/analytics.js';

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
  /** Sums of `post_metrics_latest` per tenant, UTC day, brand, campaign and platform (0018, triggers). */
  post_metrics_daily: PostMetricsDailyTable;
  /** The same sums per 15-minute slot of `published_at`. */
  post_metrics_slots: PostMetricsSlotsTable;
  account_stats: AccountStatsTable;
  comments: CommentsTable;
  comment_syncs: CommentSyncsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  invitations: InvitationsTable;
  password_resets: PasswordResetsTable;
  recovery_codes: RecoveryCodesTable;
  audit_log: AuditLogTable;
}
