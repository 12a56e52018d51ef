import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { findById, scoped, unscoped } from '../../db/tenant.js';
import { PlatformError, type PublishMedia, type PublishRequest } from '../../platforms/connector.js';
import type { ConnectorRegistry } from '../../platforms/registry.js';
import { AppError } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import {
  defineJob,
  jobType,
  JobError,
  type JobDefinition,
  type TypedJobContext,
} from '../../db/queue/contract.js';
import type { ServiceContext } from '../context.js';
import { recordEvent } from '../events/index.js';
import { markPublished } from './posts.repository.js';
import { postsResource, toPost } from './posts.service.js';
import type { PostRow } from '../../db/tables/posts.js';

/** The account a post publishes as, with its decrypted token (from the accounts module). */
export interface PublishingAccount {
  /** Its id, stored on a post that named none; null for a test post's built-in sandbox identity. */
  id: string | null;
  platformAccountId: string;
  accessToken: string;
  metadata: Record<string, string>;
}

export type AccountResolver = (tenant: Tenant, post: PostRow) => Promise<PublishingAccount>;

/**
 * The media of a post as connectors take it (a link the platform can fetch, and the bytes), in order;
 * throws AppError when an item no longer exists (from the media module).
 */
export type MediaLoader = (tenant: Tenant, ids: string[]) => Promise<PublishMedia[]>;

export interface PublishDeps {
  ctx: ServiceContext;
  connectors: ConnectorRegistry;
  /**
   * Resolves a post's social account: the one it names, else its brand's only one of the platform (a test
   * post without any: the sandbox identity); throws AppError when it cannot publish.
   */
  resolveAccount: AccountResolver;
  loadMedia: MediaLoader;
  /** Seconds between attempts after transient failures (AUDENCI_PUBLISH_RETRY_DELAYS). */
  retryDelays: number[];
  /**
   * Runs in the transaction that marks a post PUBLISHED (e.g. schedules its metric syncs), so what it
   * enqueues exists exactly when the post is published.
   */
  onPublished?: (trx: Kysely<Database>, tenant: Tenant, post: PostRow) => Promise<void>;
  /**
   * Told how each attempt at a post ended, by platform: `published`, `retrying` (a transient failure
   * with attempts left) or `failed` (the post ends FAILED). For `audenci_publish_total`.
   */
  onOutcome?: (platform: string, outcome: PublishOutcome) => void;
}

export type PublishOutcome = 'published' | 'retrying' | 'failed';

export const PUBLISH_JOB = 'post.publish';

/** `post.publish`: publishes one PUBLISHING post (the handler is `publishHandler` below). */
export const PUBLISH = jobType(PUBLISH_JOB, Type.Object({ postId: Type.String() }));
export type PublishJobPayload = Static<typeof PUBLISH.payload>;

/** One publish job per post, ever: a second request to publish cannot enqueue another. */
export function publishDedupeKey(postId: string): string {
  return `${PUBLISH_JOB}:${postId}`;
}

export async function enqueuePublish(
  ctx: ServiceContext,
  trx: Kysely<Database>,
  tenant: Tenant,
  postId: string,
  maxAttempts: number,
) {
  await ctx.queue.enqueue(trx, {
    ...PUBLISH.job({ postId }),
    tenant,
    maxAttempts,
    dedupeKey: publishDedupeKey(postId),
  });
}

/**
 * The scheduler: SCHEDULED posts whose time has come move to PUBLISHING, each with its publish job, in
 * one transaction. The status check in the UPDATE (and `SKIP LOCKED` where available) lets any number
 * of workers sweep at once without handing a post over twice.
 */
export async function sweepDuePosts(ctx: ServiceContext, maxAttempts: number, limit = 200): Promise<number> {
  const now = ctx.clock.now();
  const due = await ctx.db.transaction().execute(async (trx) => {
    let candidates = unscoped(trx, 'the scheduler hands over the due posts of every tenant')
      .selectFrom('posts')
      .select('id')
      .where('status', '=', 'SCHEDULED')
      .where('scheduled_for', '<=', now)
      .orderBy('scheduled_for')
      .limit(limit);
    if (ctx.capabilities.supportsSkipLocked) candidates = candidates.forUpdate().skipLocked();
    const rows = await unscoped(trx, 'the due posts just selected, of every tenant')
      .updateTable('posts')
      .set({ status: 'PUBLISHING', updated_at: now })
      .where('id', 'in', candidates)
      .where('status', '=', 'SCHEDULED')
      .returning(['id', 'organization_id', 'environment'])
      .execute();
    for (const row of rows) {
      await enqueuePublish(
        ctx,
        trx,
        { organizationId: row.organization_id, environment: row.environment },
        row.id,
        maxAttempts,
      );
    }
    return rows;
  });
  for (const tenant of new Set(
    due.map((r) => postsResource({ organizationId: r.organization_id, environment: r.environment })),
  )) {
    ctx.counts.invalidate(tenant);
  }
  return due.length;
}

/** A failure that ends the post FAILED with this code and message. */
function failure(code: string, message: string, retryable = false, retryAfterMs?: number): JobError {
  return new JobError(message, retryable, retryAfterMs, { code, message });
}

/** Ends a PUBLISHING post FAILED and records `post.failed`, in the caller's transaction. */
async function markFailed(
  ctx: ServiceContext,
  db: Kysely<Database>,
  postId: string,
  code: string,
  message: string,
) {
  const row = await unscoped(db, "the dead-letter hook knows the post by its job's payload alone")
    .updateTable('posts')
    .set({
      status: 'FAILED',
      error_code: code,
      error_message: message.slice(0, 1000),
      updated_at: ctx.clock.now(),
    })
    .where('id', '=', postId)
    .where('status', '=', 'PUBLISHING')
    .returningAll()
    .executeTakeFirst();
  if (row) {
    const tenant: Tenant = { organizationId: row.organization_id, environment: row.environment };
    await recordEvent(ctx, db, tenant, { type: 'post.failed', brandId: row.brand_id, data: toPost(row) });
  }
}

function sandboxSteering(post: PostRow): PublishRequest['sandbox'] {
  const metadata = JSON.parse(post.metadata) as { sandbox?: { outcome?: unknown; failures?: unknown } };
  const steer = metadata.sandbox;
  if (!steer || typeof steer !== 'object') return undefined;
  const outcome = steer.outcome === 'fail' || steer.outcome === 'transient' ? steer.outcome : undefined;
  const failures =
    typeof steer.failures === 'number' && steer.failures >= 0 ? Math.floor(steer.failures) : undefined;
  return { outcome, failures };
}

/**
 * Publishes one post. The attempt is recorded on the post before the platform is called, and the
 * connector gets a stable idempotency key (the post id) with the attempt number, so a retry after a
 * crash lets the connector find the first attempt's post rather than publish twice where the platform
 * allows it. Success and the job's completion commit together.
 */
export function publishHandler(deps: PublishDeps): JobDefinition {
  const { ctx } = deps;
  return defineJob(PUBLISH, {
    retryDelays: deps.retryDelays,
    async run(payload, job) {
      const tenant: Tenant = { organizationId: job.job.organization_id!, environment: job.job.environment! };
      const post = await findById(ctx.db, tenant, 'posts', payload.postId);
      if (!post) return { skipped: 'the post was deleted' };
      if (post.status !== 'PUBLISHING') return { skipped: `the post is ${post.status}` };
      try {
        const result = await publishPost(deps, tenant, post, job);
        deps.onOutcome?.(post.platform, 'published');
        return result;
      } catch (error) {
        const retrying =
          (!(error instanceof JobError) || error.retryable) && job.job.attempts < job.job.max_attempts;
        deps.onOutcome?.(post.platform, retrying ? 'retrying' : 'failed');
        throw error;
      }
    },
    async onDeadLetter(trx, job, error, { postId }) {
      const detail = error instanceof JobError ? (error.result as { code?: string } | undefined) : undefined;
      await markFailed(ctx, trx, postId, detail?.code ?? 'publish_failed', error.message);
      if (job.organization_id && job.environment) {
        ctx.counts.invalidate(
          postsResource({ organizationId: job.organization_id, environment: job.environment }),
        );
      }
    },
  });
}

/** One attempt at a PUBLISHING post: the account, the media, the platform call, then PUBLISHED. */
async function publishPost(
  deps: PublishDeps,
  tenant: Tenant,
  post: PostRow,
  job: TypedJobContext<{ postId: string }>,
) {
  const { ctx } = deps;
  const postId = post.id;
  const connector = deps.connectors.get(post.platform, tenant.environment);
  if (!connector)
    throw failure('platform_unavailable', `Publishing to ${post.platform} is not configured on this server`);
  let account: PublishingAccount;
  try {
    account = await deps.resolveAccount(tenant, post);
  } catch (error) {
    if (error instanceof AppError) throw failure('account_unavailable', error.message);
    throw error;
  }
  const mediaIds = JSON.parse(post.media_ids) as string[];
  let media: PublishMedia[] = [];
  try {
    media = await deps.loadMedia(tenant, mediaIds);
  } catch (error) {
    if (error instanceof AppError) throw failure('media_unavailable', error.message);
    throw error;
  }

  // Record the attempt before calling the platform; stop if another worker took the job over.
  if (!(await job.holdsLease())) throw new JobError('The lease on this job was lost', true);
  const now = ctx.clock.now();
  await scoped(ctx.db, tenant)
    .updateTable('posts')
    .set((eb) => ({
      publish_attempts: eb('publish_attempts', '+', 1),
      publish_started_at: post.publish_started_at ?? now,
      // A post that named no account shows the one it is published through.
      social_account_id: post.social_account_id ?? account.id,
    }))
    .where('id', '=', postId)
    .execute();
  const attempt = post.publish_attempts + 1;

  let result;
  try {
    result = await connector.publish({
      idempotencyKey: post.id,
      attempt,
      firstAttemptAt: post.publish_started_at ?? now,
      caption: post.caption,
      link: post.link,
      firstComment: post.first_comment,
      media,
      account,
      ...(tenant.environment === 'test' ? { sandbox: sandboxSteering(post) } : {}),
    });
  } catch (error) {
    if (error instanceof PlatformError) {
      const retryAfterMs =
        error.options.retryAfterSeconds !== undefined ? error.options.retryAfterSeconds * 1000 : undefined;
      throw failure(error.code, error.message, error.retryable, retryAfterMs);
    }
    throw failure('publish_error', error instanceof Error ? error.message : String(error), true);
  }

  await ctx.db.transaction().execute(async (trx) => {
    const published = await markPublished(trx, tenant, postId, {
      publishedAt: result.publishedAt,
      platformPostId: result.platformPostId,
      platformUrl: result.platformUrl,
      updatedAt: Math.max(ctx.clock.now(), post.updated_at + 1),
    });
    if (published) {
      await recordEvent(ctx, trx, tenant, {
        type: 'post.published',
        brandId: published.brand_id,
        data: toPost(published),
      });
      await deps.onPublished?.(trx, tenant, published);
    }
    await job.complete(trx, { platformPostId: result.platformPostId, attempt });
  });
  ctx.counts.invalidate(postsResource(tenant));
  return { platformPostId: result.platformPostId, attempt };
}

/** Posts handed to publish jobs per sweep transaction, and transactions per sweep at most. */
const SWEEP_BATCH = 200;
const SWEEP_ROUNDS = 25;

/** Handlers and periodic tasks the posts module contributes to the worker. */
export function postsWorkerParts(deps: PublishDeps, sweepEveryMs = 250) {
  const maxAttempts = deps.retryDelays.length + 1;
  return {
    jobs: [publishHandler(deps)],
    periodic: [
      {
        name: 'scheduled posts',
        everyMs: sweepEveryMs,
        // A burst of due posts is handed over in one tick, a batch (one transaction) at a time.
        run: async () => {
          for (let round = 0; round < SWEEP_ROUNDS; round++) {
            if ((await sweepDuePosts(deps.ctx, maxAttempts, SWEEP_BATCH)) < SWEEP_BATCH) break;
          }
        },
      },
    ],
    maxAttempts,
  };
}
