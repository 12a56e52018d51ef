import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { scoped } from '../../db/tenant.js';
import { validateDraft } from '../../platforms/validation.js';
import { AppError } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ServiceContext } from '../context.js';
import { References } from './posts.references.js';
import { enqueuePublish } from './posts.jobs.js';
import { changePosts, findPostRow, ruleError, toPost, type Post } from './posts.service.js';

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
