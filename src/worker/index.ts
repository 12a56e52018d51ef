import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import type { Database } from '../db/database.js';
import type { ServiceContext } from '../modules/context.js';
import {
  accountsContext,
  getPublishingAccount,
  soleAccountId,
  tokenRefreshTask,
} from '../modules/accounts/index.js';
import { campaignStartsTask } from '../modules/campaigns/index.js';
import { commentSyncTask } from '../modules/comments/index.js';
import { eventRetentionTask } from '../modules/events/index.js';
import {
  accountStatsTask,
  metricsSyncHandler,
  scheduleMetricSyncs,
} from '../modules/analytics/analytics.jobs.js';
import { jobsWorkerParts, type JobTypeRegistry } from '../modules/jobs/index.js';
import { mediaTemporaryTask, publishingMedia, type MediaContext } from '../modules/media/index.js';
import { postsWorkerParts } from '../modules/posts/posts.jobs.js';
import { webhooksWorkerParts, type DeliveryObservation } from '../modules/webhooks/index.js';
import type { ConnectorRegistry } from '../platforms/registry.js';
import { AppError } from '../shared/errors.js';
import type { SecretBox } from '../shared/secret-box.js';
import { createJobTypeRegistry } from './job-types.js';
import { Worker, type WorkerOptions } from './worker.js';
import { appMetrics } from '../shared/app-metrics.js';
import { currentTrace } from '../shared/trace.js';
import { jobHandlers } from '../db/queue/contract.js';

export { Worker } from './worker.js';
export { JobError, type JobHandler, type JobContext } from '../db/queue/contract.js';
export { Queue, QUEUE_CHANNEL } from '../db/queue/queue.js';

export interface WorkerDeps {
  config: Config;
  ctx: ServiceContext;
  db: Kysely<Database>;
  connectors: ConnectorRegistry;
  tokenBox: SecretBox;
  /** Opens webhook endpoint secrets to sign deliveries. */
  webhookBox: SecretBox;
  /** Media storage and signed links: what publishing hands the connectors. */
  media: MediaContext;
  /**
   * The `POST /jobs` types (pass the runtime's `jobTypes`, which the API shares); when left out, the
   * worker builds the same catalogue itself.
   */
  jobTypes?: JobTypeRegistry;
}

export interface CreateWorkerOptions extends Pick<
  WorkerOptions,
  'concurrency' | 'leaseMs' | 'pollMs' | 'workerId' | 'onError' | 'logger' | 'metrics'
> {
  /** How often the scheduler looks for due posts. */
  sweepEveryMs?: number;
  /** How often campaigns whose start date arrived are started (`campaign.started`). */
  campaignsEveryMs?: number;
  /** How often tokens about to expire are refreshed, and how far ahead. */
  refreshEveryMs?: number;
  refreshAheadMs?: number;
  /**
   * How often the comment sync looks for posts due (default: every 30 s, or the interval if shorter),
   * and how often each post is synced (default AUDENCI_COMMENT_SYNC_INTERVAL).
   */
  commentsEveryMs?: number;
  commentsIntervalMs?: number;
  /** Seconds before retrying a failed metrics sync (a platform's longer `Retry-After` wins). */
  metricsRetryDelays?: number[];
  /**
   * How often finished jobs past AUDENCI_JOB_RETENTION_DAYS, and events and finished webhook deliveries
   * past AUDENCI_EVENT_RETENTION_DAYS, are deleted.
   */
  retentionEveryMs?: number;
  /** How often accounts without today's follower count are synced. */
  accountStatsEveryMs?: number;
}

/**
 * A delivery attempt, counted (`audenci_webhook_deliveries_total`, `…_duration_seconds`) and logged:
 * info when it succeeded, warn when it failed, with the endpoint id, the URL's host, the status and the
 * attempt — never the secret, the signature or the body.
 */
function deliveryObserver(options: CreateWorkerOptions) {
  const metrics = options.metrics ? appMetrics(options.metrics) : undefined;
  return (a: DeliveryObservation) => {
    metrics?.webhookDeliveries.inc({ outcome: a.outcome });
    metrics?.webhookDuration.observe({ outcome: a.outcome }, a.durationMs / 1000);
    // Delivered inside its job's trace: the traceparent the receiver got carries this trace id.
    const fields = { ...a, traceId: currentTrace()?.traceId };
    if (a.outcome === 'succeeded') options.logger?.info(fields, 'webhook delivered');
    else options.logger?.warn(fields, 'webhook delivery failed');
  };
}

/** The worker with every module's job handlers and periodic tasks. */
export function createWorker(deps: WorkerDeps, options: CreateWorkerOptions = {}): Worker {
  const metrics = options.metrics ? appMetrics(options.metrics) : undefined;
  const accounts = accountsContext(deps.ctx, {
    connectors: deps.connectors,
    tokenBox: deps.tokenBox,
    publicUrl: deps.config.publicUrl,
  });
  const syncAccount = (
    tenant: Parameters<typeof getPublishingAccount>[1],
    account: { id: string; brand_id: string; platform: string },
  ) =>
    getPublishingAccount(accounts, tenant, account.id, {
      brandId: account.brand_id,
      platform: account.platform,
    });
  /**
   * A post's account (publishing, metrics, comments): the one it names, of its brand and platform; for a
   * post that names none, its brand's only account of that platform (several: 400 `account_ambiguous`).
   * With none at all a live post cannot publish (`account_missing`); a test post publishes through the
   * brand's built-in sandbox identity (`id` null).
   */
  const postAccount = async (
    tenant: Parameters<typeof getPublishingAccount>[1],
    post: { social_account_id: string | null; brand_id: string; platform: string },
  ) => {
    const id =
      post.social_account_id ??
      (await soleAccountId(deps.ctx, tenant, { brandId: post.brand_id, platform: post.platform }));
    if (id !== undefined) return syncAccount(tenant, { ...post, id });
    if (tenant.environment === 'test') {
      return {
        id: null,
        platformAccountId: `sandbox-${post.brand_id}`,
        accessToken: 'sandbox',
        metadata: { platform: post.platform },
      };
    }
    throw new AppError(
      'NOT_FOUND',
      `The post names no socialAccountId and brand ${post.brand_id} has no ${post.platform} account; ` +
        'connect one (POST /api/v1/social-accounts/connect) or name the account to publish through',
      { problem: 'account_missing' },
    );
  };
  const posts = postsWorkerParts(
    {
      ctx: deps.ctx,
      connectors: deps.connectors,
      resolveAccount: postAccount,
      loadMedia: (tenant, ids) => publishingMedia(deps.media, tenant, ids),
      retryDelays: deps.config.publishRetryDelays,
      onPublished: (trx, tenant, posts) =>
        scheduleMetricSyncs(deps.ctx, trx, tenant, posts, deps.config.metricsSyncDelays),
      onOutcome: (platform, outcome) => metrics?.publishes.inc({ platform, outcome }),
    },
    options.sweepEveryMs,
  );
  const metricsSync = metricsSyncHandler({
    ctx: deps.ctx,
    connectors: deps.connectors,
    retryDelays: options.metricsRetryDelays,
    resolveAccount: postAccount,
    delaysSeconds: deps.config.metricsSyncDelays,
  });
  const accountStats = accountStatsTask({
    ctx: deps.ctx,
    connectors: deps.connectors,
    resolveAccount: syncAccount,
    everyMs: options.accountStatsEveryMs,
    onError: options.onError,
  });
  const refreshTokens = tokenRefreshTask(accounts, {
    everyMs: options.refreshEveryMs,
    aheadMs: options.refreshAheadMs,
    onError: options.onError,
  });
  const startCampaigns = campaignStartsTask(deps.ctx, options.campaignsEveryMs);
  const eventRetention = eventRetentionTask(deps.db, deps.ctx.clock, {
    retentionDays: deps.config.eventRetentionDays,
    everyMs: options.retentionEveryMs,
  });
  const mediaTemporary = mediaTemporaryTask(deps.media);
  const syncComments = commentSyncTask(
    {
      ctx: deps.ctx,
      connectors: deps.connectors,
      resolveAccount: postAccount,
    },
    {
      intervalMs: options.commentsIntervalMs ?? deps.config.commentSyncInterval * 1000,
      everyMs: options.commentsEveryMs,
      delaysMs: deps.config.metricsSyncDelays.map((seconds) => Math.round(seconds * 1000)),
      onError: options.onError,
    },
  );
  const webhooks = webhooksWorkerParts({
    ctx: deps.ctx,
    secrets: deps.webhookBox,
    allowPrivateUrls: deps.config.allowPrivateUrls,
    timeoutMs: deps.config.webhookTimeoutMs,
    retryDelays: deps.config.webhookRetryDelays,
    disableAfterMs: deps.config.webhookDisableAfterHours * 3_600_000,
    observe: deliveryObserver(options),
  });
  const jobs = jobsWorkerParts({
    ctx: {
      ...deps.ctx,
      registry: deps.jobTypes ?? createJobTypeRegistry(deps.config),
      publicUrl: deps.config.publicUrl,
    },
    retentionDays: deps.config.jobRetentionDays,
    retentionEveryMs: options.retentionEveryMs,
    onError: options.onError,
  });
  return new Worker({
    queue: deps.ctx.queue,
    db: deps.db,
    clock: deps.ctx.clock,
    handlers: jobHandlers([...posts.jobs, metricsSync, ...webhooks.jobs, ...jobs.jobs]),
    periodic: [
      ...posts.periodic,
      accountStats,
      startCampaigns,
      refreshTokens,
      syncComments,
      eventRetention,
      mediaTemporary,
      ...jobs.periodic,
    ],
    concurrency: options.concurrency ?? 8,
    leaseMs: options.leaseMs,
    pollMs: options.pollMs ?? (deps.ctx.capabilities.supportsNotify ? 5_000 : 1_000),
    workerId: options.workerId,
    onError: options.onError,
    logger: options.logger,
    metrics: options.metrics,
  });
}
