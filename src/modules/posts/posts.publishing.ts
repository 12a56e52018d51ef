import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { jobType } from '../../db/queue/contract.js';
import type { Database } from '../../db/database.js';
import { scoped, unscoped } from '../../db/tenant.js';
import { validateDraft } from '../../platforms/validation.js';
import { AppError } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ServiceContext } from '../context.js';
import { References } from './posts.references.js';
import { changePosts, findPostRow, postsResource, ruleError, toPost, type Post } from './posts.service.js';

export const PUBLISH_JOB = 'post.publish';

/** `post.publish`: publishes one PUBLISHING post (handler in posts.jobs.ts). */
export const PUBLISH = jobType(PUBLISH_JOB, Type.Object({ postId: Type.String() }));
export type PublishJobPayload = Static<typeof PUBLISH.payload>;

/** One publish job per post, ever: a second request to publish cannot enqueue another. */
export function publishDedupeKey(postId: string): string {
  return `${PUBLISH_JOB}:${postId}`;
}

async function enqueuePublish(
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
 * `POST /posts/{id}/publish`: a DRAFT or SCHEDULED post that obeys its platform's rules moves to
 * PUBLISHING and a publish job is enqueued in the same transaction. Anything else is 409.
 */
export async function publishNow(
  ctx: ServiceContext,
  tenant: Tenant,
  id: string,
  maxAttempts: number,
): Promise<Post> {
  return changePosts(ctx, tenant, (trx) => publishNowIn(ctx, trx, tenant, id, maxAttempts, ctx.clock.now()));
}

/** The core of `publishNow` in the caller's transaction (the caller invalidates the posts count). */
export async function publishNowIn(
  ctx: ServiceContext,
  trx: Kysely<Database>,
  tenant: Tenant,
  id: string,
  maxAttempts: number,
  clockNow: number,
): Promise<Post> {
  const existing = await findPostRow(ctx, tenant, id, trx);
  if (existing.status !== 'DRAFT' && existing.status !== 'SCHEDULED') {
    throw new AppError('CONFLICT', `A ${existing.status} post cannot be published`, {
      status: existing.status,
    });
  }
  const mediaIds = JSON.parse(existing.media_ids) as string[];
  const violations = validateDraft({
    platform: existing.platform,
    caption: existing.caption,
    mediaIds,
    media: await new References(ctx, tenant).media(trx, mediaIds),
    link: existing.link,
    firstComment: existing.first_comment,
  });
  if (violations.length) throw ruleError(existing.platform, violations);
  const now = Math.max(clockNow, existing.updated_at + 1);
  const updated = await scoped(trx, tenant)
    .updateTable('posts')
    .set({ status: 'PUBLISHING', updated_at: now })
    .where('id', '=', id)
    .where('status', '=', existing.status)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) {
    const current = await findPostRow(ctx, tenant, id, trx);
    throw new AppError('CONFLICT', `The post changed to ${current.status} while this request ran`, {
      status: current.status,
    });
  }
  await enqueuePublish(ctx, trx, tenant, id, maxAttempts);
  return toPost({ ...existing, status: 'PUBLISHING', updated_at: now });
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
