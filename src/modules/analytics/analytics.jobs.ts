import { Type, type Static } from '@sinclair/typebox';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { scoped, unscoped } from '../../db/tenant.js';
import {
  PlatformError,
  type AccountStats,
  type MetricsRequest,
  type PostMetrics,
} from '../../platforms/connector.js';
import type { ConnectorRegistry } from '../../platforms/registry.js';
import { AppError } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import {
  defineJob,
  JobError,
  jobType,
  type JobDefinition,
  type PeriodicTask,
} from '../../db/queue/contract.js';
import type { EnqueueOptions } from '../../db/queue/queue.js';
import type { ServiceContext } from '../context.js';
import { MAX_DELAYS } from '../../config/index.js';
import { storeSnapshot } from './analytics.snapshots.js';
import type { NewPostMetricsRow } from '../../db/tables/analytics.js';

export const METRICS_SYNC_JOB = 'analytics.sync';

/** `analytics.sync`: one metrics snapshot of a published post. */
export const METRICS_SYNC = jobType(
  METRICS_SYNC_JOB,
  Type.Object({
    postId: Type.String(),
    /** Which entry of the post's sync delays this run is (0-based; see `metricSyncDelays`). */
    index: Type.Integer({ minimum: 0 }),
  }),
);
export type MetricsSyncPayload = Static<typeof METRICS_SYNC.payload>;

/** The post a sync job reads (what the publish handler hands over, and the table has). */
export interface PublishedPost {
  id: string;
  brand_id: string;
  platform: string;
  social_account_id: string | null;
  published_at: number | null;
}

/** Resolves the account a live post was published as (decrypted token); throws AppError when gone. */
export type SyncAccountResolver = (tenant: Tenant, post: PublishedPost) => Promise<MetricsRequest['account']>;

export interface MetricsSyncDeps {
  ctx: ServiceContext;
  connectors: ConnectorRegistry;
  resolveAccount: SyncAccountResolver;
  /** Seconds before each retry of a failed sync (default SYNC_RETRY_DELAYS); one attempt more than delays. */
  retryDelays?: number[];
  /**
   * AUDENCI_METRICS_SYNC_DELAYS (seconds after publishing): each run enqueues the next sync of its post's
   * schedule ({@link metricSyncDelays}).
   */
  delaysSeconds: readonly number[];
}

/**
 * Rate limits and outages can last a while: a sync is retried often enough that a platform's
 * `Retry-After` (which overrides these when longer) is honoured instead of failing the sync.
 */
export const SYNC_RETRY_DELAYS = [60, 300, 900, 3600, 3600, 3600, 3600, 3600, 3600];
const SYNC_MAX_ATTEMPTS = SYNC_RETRY_DELAYS.length + 1;

/** One sync job per post and delay, ever: re-publishing or a retried publish cannot schedule twice. */
export function syncDedupeKey(postId: string, index: number): string {
  return `${METRICS_SYNC_JOB}:${postId}:${index}`;
}

/**
 * The snapshot of run `index` of a post has a fixed id, so a repeated run (a lost lease, a retry after
 * the commit) cannot store a second snapshot for the same delay.
 */
export function snapshotId(postId: string, index: number): string {
  return `pmet_${postId.replace(/^post_/, '')}_${String(index).padStart(2, '0')}`;
}

/**
 * How soon after publishing the test environment's first metrics sync comes (seconds): someone trying
 * the sandbox sees metrics within a minute, not after the live schedule's first hour.
 */
export const TEST_FIRST_SYNC_SECONDS = 15;

/**
 * The sync delays of a tenant's posts: AUDENCI_METRICS_SYNC_DELAYS, and in the test environment a first
 * sync {@link TEST_FIRST_SYNC_SECONDS} after publishing unless one comes that soon already (the list
 * stays within MAX_DELAYS: the last delay gives way).
 */
export function metricSyncDelays(
  environment: Tenant['environment'],
  delaysSeconds: readonly number[],
): readonly number[] {
  if (environment !== 'test' || delaysSeconds.some((s) => s <= TEST_FIRST_SYNC_SECONDS)) return delaysSeconds;
  return [TEST_FIRST_SYNC_SECONDS, ...delaysSeconds].slice(0, MAX_DELAYS);
}

/**
 * Sync `index` of a post's schedule ({@link metricSyncDelays}) as the queue takes it, or undefined past
 * the schedule's end. Its time is measured from the post's `publishedAt`, whenever it is enqueued; its
 * dedupe key makes a second enqueue of it a no-op.
 */
function syncJob(
  tenant: Tenant,
  postId: string,
  publishedAt: number,
  index: number,
  delaysSeconds: readonly number[],
): EnqueueOptions | undefined {
  const seconds = metricSyncDelays(tenant.environment, delaysSeconds)[index];
  if (seconds === undefined) return undefined;
  return {
    ...METRICS_SYNC.job({ postId, index }),
    tenant,
    runAt: publishedAt + Math.round(seconds * 1000),
    maxAttempts: SYNC_MAX_ATTEMPTS,
    dedupeKey: syncDedupeKey(postId, index),
  };
}

/**
 * Schedules just-published posts' FIRST metric sync (one job per post, `metricSyncDelays(...)[0]` after
 * its `publishedAt`) in the caller's transaction (the publish handler's, so it exists exactly when the
 * posts are PUBLISHED): one statement for all of them, as this runs in every publish's transaction.
 * Each sync, when it runs, enqueues the next one of the schedule (`metricsSyncHandler`).
 */
export async function scheduleMetricSyncs(
  ctx: ServiceContext,
  trx: Kysely<Database>,
  tenant: Tenant,
  posts: readonly { id: string; published_at: number | null }[],
  delaysSeconds: readonly number[],
): Promise<void> {
  const now = ctx.clock.now();
  await ctx.queue.enqueueMany(
    trx,
    posts.flatMap((post) => syncJob(tenant, post.id, post.published_at ?? now, 0, delaysSeconds) ?? []),
  );
}

function toColumns(metrics: PostMetrics) {
  const count = (value: number | null) =>
    value === null || !Number.isFinite(value) ? null : Math.max(0, Math.round(value));
  return {
    impressions: count(metrics.impressions),
    reach: count(metrics.reach),
    likes: count(metrics.likes),
    comments: count(metrics.comments),
    shares: count(metrics.shares),
    saves: count(metrics.saves),
    clicks: count(metrics.clicks),
    video_views: count(metrics.videoViews),
  };
}

/** A platform failure as a job outcome: rate limits and outages are retried, the rest fail the sync. */
export function syncFailure(error: unknown): JobError {
  if (error instanceof PlatformError) {
    const retryAfterMs =
      error.options.retryAfterSeconds !== undefined ? error.options.retryAfterSeconds * 1000 : undefined;
    return new JobError(error.message, error.retryable, retryAfterMs, { code: error.code });
  }
  if (error instanceof AppError) return new JobError(error.message, false, undefined, { code: error.code });
  return new JobError(error instanceof Error ? error.message : String(error), true);
}

/** The sandbox identity of a test post published without an account (as the publish handler uses). */
function sandboxAccount(post: PublishedPost): MetricsRequest['account'] {
  return {
    platformAccountId: `sandbox-${post.brand_id}`,
    accessToken: 'sandbox',
    metadata: { platform: post.platform },
  };
}

/**
 * `analytics.sync`: pulls a published post's metrics from its connector and stores a snapshot (with
 * the job's completion, in one transaction). A deleted or unpublished post, or a connector without
 * insights, ends the job without a snapshot.
 *
 * The schedule is a chain: publishing enqueues a post's first sync, and each sync enqueues the next
 * (at the post's `publishedAt` plus the next delay, so the times are those of the whole schedule):
 * - a snapshot stored, or no connector with insights: in the transaction that completes the job;
 * - a platform failure: before the failure is recorded, so that the next sync keeps its time while this
 *   one is retried (and a sync that fails for good does not end the schedule);
 * - a sync that fails for good, also after its worker died (the lease expired): again in the transaction
 *   that marks it failed (`onDeadLetter`);
 * - the post deleted or no longer PUBLISHED: nothing, the schedule ends (a later sync would find the same).
 * The next job's dedupe key (`syncDedupeKey`) makes every enqueue after the first a no-op, so a repeated
 * run (a lost lease, a retry, a crash after the enqueue) cannot double the chain, and a crash before it
 * leaves this job to be run again, which enqueues it then.
 */
export function metricsSyncHandler(deps: MetricsSyncDeps): JobDefinition {
  const { ctx } = deps;
  return defineJob(METRICS_SYNC, {
    retryDelays: deps.retryDelays ?? SYNC_RETRY_DELAYS,
    async onDeadLetter(trx, job, _error, { postId, index }) {
      if (!job.organization_id || !job.environment) return;
      const tenant: Tenant = { organizationId: job.organization_id, environment: job.environment };
      const post = await scoped(trx, tenant)
        .selectFrom('posts')
        .select(['status', 'published_at'])
        .where('id', '=', postId)
        .executeTakeFirst();
      if (post?.status !== 'PUBLISHED' || post.published_at === null) return;
      const next = syncJob(tenant, postId, post.published_at, index + 1, deps.delaysSeconds);
      if (next) await ctx.queue.enqueueMany(trx, [next]);
    },
    async run({ postId, index }, job) {
      const tenant: Tenant = { organizationId: job.job.organization_id!, environment: job.job.environment! };
      const post = await scoped(ctx.db, tenant)
        .selectFrom('posts')
        .select(['id', 'brand_id', 'campaign_id', 'platform', 'social_account_id', 'published_at', 'status'])
        .select('platform_post_id')
        .where('id', '=', postId)
        .executeTakeFirst();
      if (!post) return { skipped: 'the post was deleted' };
      if (post.status !== 'PUBLISHED' || !post.platform_post_id || post.published_at === null)
        return { skipped: `the post is ${post.status}` };
      const next = syncJob(tenant, post.id, post.published_at, index + 1, deps.delaysSeconds);
      const enqueueNext = async (db: Kysely<Database>) => {
        if (next) await ctx.queue.enqueueMany(db, [next]);
      };
      const connector = deps.connectors.get(post.platform, tenant.environment);
      if (!connector?.fetchMetrics) {
        // The server may have insights by the next sync's time (a connector configured since).
        const skipped = { skipped: `no metrics from ${post.platform} on this server` };
        await ctx.db.transaction().execute(async (trx) => {
          await enqueueNext(trx);
          await job.complete(trx, skipped);
        });
        return skipped;
      }

      let metrics: PostMetrics;
      try {
        const account =
          tenant.environment === 'test' && !post.social_account_id
            ? sandboxAccount(post)
            : await deps.resolveAccount(tenant, post);
        metrics = await connector.fetchMetrics({
          platformPostId: post.platform_post_id,
          postId: post.id,
          publishedAt: post.published_at,
          account,
        });
      } catch (error) {
        // The next sync keeps its time whatever becomes of this one (retried, or failed for good).
        await enqueueNext(ctx.db);
        throw syncFailure(error);
      }
      const row: NewPostMetricsRow = {
        id: snapshotId(post.id, index),
        organization_id: tenant.organizationId,
        environment: tenant.environment,
        post_id: post.id,
        brand_id: post.brand_id,
        campaign_id: post.campaign_id,
        platform: post.platform,
        published_at: post.published_at,
        captured_at: ctx.clock.now(),
        ...toColumns(metrics),
      };
      // The snapshot, its post's latest row (when newer), the next sync and the job's completion commit
      // together.
      const stored = await ctx.db.transaction().execute(async (trx) => {
        const isNew = await storeSnapshot(trx, row);
        await enqueueNext(trx);
        await job.complete(trx, { snapshotId: row.id, index });
        return isNew;
      });
      return { snapshotId: row.id, index, stored };
    },
  });
}

/** The account-stats row id of an account on the UTC day of `at`: one row per account per day. */
export function accountStatsId(accountId: string, at: number): string {
  const day = new Date(at).toISOString().slice(0, 10).replaceAll('-', '');
  return `acst_${accountId.replace(/^acct_/, '')}_${day}`;
}

export interface AccountStatsDeps {
  ctx: ServiceContext;
  connectors: ConnectorRegistry;
  /** The account's identity and decrypted token; throws when it cannot be used. */
  resolveAccount: (tenant: Tenant, account: AccountToSync) => Promise<MetricsRequest['account']>;
  everyMs?: number;
  onError?: (error: unknown, what: string) => void;
}

export interface AccountToSync {
  id: string;
  organization_id: string;
  environment: Tenant['environment'];
  brand_id: string;
  platform: string;
}

/** Accounts handled per periodic run at most (the next run picks up the rest). */
const ACCOUNTS_PER_RUN = 200;

/**
 * Daily follower counts: each run stores today's row for connected accounts that have none yet. A
 * failure (rate limit, expired token) leaves the account for the next run.
 */
export function accountStatsTask(deps: AccountStatsDeps): PeriodicTask {
  const { ctx } = deps;
  return {
    name: 'account stats',
    everyMs: deps.everyMs ?? 15 * 60_000,
    async run() {
      const now = ctx.clock.now();
      const dayStart = now - (now % 86_400_000);
      const accounts = await unscoped(ctx.db, "the daily stats visit every tenant's connected accounts")
        .selectFrom('social_accounts as a')
        .select(['a.id', 'a.organization_id', 'a.environment', 'a.brand_id', 'a.platform'])
        .where('a.status', '=', 'connected')
        .where(({ not, exists }) =>
          not(
            exists(
              unscoped(ctx.db, 'correlated with the account of the outer query')
                .selectFrom('account_stats as s')
                .select('s.id')
                .where('s.social_account_id', '=', sql.ref<string>('a.id'))
                .where('s.captured_at', '>=', dayStart),
            ),
          ),
        )
        .orderBy('a.id')
        .limit(ACCOUNTS_PER_RUN)
        .execute();
      for (const account of accounts) {
        const tenant: Tenant = { organizationId: account.organization_id, environment: account.environment };
        const connector = deps.connectors.get(account.platform, account.environment);
        if (!connector?.fetchAccountStats) continue;
        let stats: AccountStats;
        try {
          stats = await connector.fetchAccountStats({ account: await deps.resolveAccount(tenant, account) });
        } catch (error) {
          deps.onError?.(error, `account stats of ${account.id}`);
          continue;
        }
        const row = {
          id: accountStatsId(account.id, now),
          organization_id: account.organization_id,
          environment: account.environment,
          social_account_id: account.id,
          brand_id: account.brand_id,
          platform: account.platform,
          captured_at: now,
          followers: stats.followers,
          following: stats.following,
          posts: stats.posts,
        };
        await scoped(ctx.db, tenant)
          .insertInto('account_stats', row)
          .onConflict((oc) =>
            oc.column('id').doUpdateSet({
              captured_at: now,
              followers: stats.followers,
              following: stats.following,
              posts: stats.posts,
            }),
          )
          .execute();
      }
    },
  };
}
