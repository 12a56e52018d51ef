import { PlatformError, type PlatformComment } from '../../platforms/connector.js';
import { newId } from '../../shared/ids.js';
import type { Tenant } from '../../shared/tenant.js';
import { recordEvents } from '../events/index.js';
import type { PostRow } from '../../db/tables/posts.js';
import * as repo from './comments.repository.js';
import { accountFor, commentsResource, toComment, type CommentsDeps } from './comments.service.js';
import type { NewCommentRow } from '../../db/tables/comments.js';

/**
 * The periodic comment sync. A published post is visited right after publishing, then every
 * `intervalMs` and also at each metrics-sync delay after publishing (`AUDENCI_METRICS_SYNC_DELAYS`,
 * so shortened delays shorten comment syncs too), until the last delay has passed. At most `batch`
 * posts per run; each is claimed first (its next sync moved one interval ahead, only if still due), so
 * two workers never call the platform for the same post at once. Each new comment (by platform id) is
 * inserted and its `comment.received` recorded in one transaction; a comment already stored inserts
 * nothing and records nothing, so running the sync twice delivers each comment's webhook once. A
 * rate-limited answer pushes the post's next sync out by the platform's `Retry-After` (or the interval)
 * instead of failing.
 */
export interface CommentSyncOptions {
  intervalMs: number;
  /** The metrics-sync delays after publishing, in ms: a visit at each, none after the last. */
  delaysMs: readonly number[];
  batch: number;
  onError?: (error: unknown, context: string) => void;
}

export const DEFAULT_COMMENT_SYNC: CommentSyncOptions = {
  intervalMs: 5 * 60_000,
  delaysMs: [3600, 21600, 86400, 259200, 604800, 2592000].map((s) => s * 1000),
  batch: 50,
};

/** How long after publishing a post's comments are still synced: the last delay (and one interval). */
export function commentSyncWindowMs(options: CommentSyncOptions): number {
  return Math.max(0, ...options.delaysMs) + options.intervalMs;
}

/** The next visit after one at `now`: one interval later, or the next delay point if that comes first. */
export function nextCommentSync(publishedAt: number, now: number, options: CommentSyncOptions): number {
  let next = now + options.intervalMs;
  for (const delay of options.delaysMs) {
    const at = publishedAt + delay;
    if (at > now && at < next) next = at;
  }
  return next;
}

export async function syncDueComments(
  deps: CommentsDeps,
  options: CommentSyncOptions = DEFAULT_COMMENT_SYNC,
): Promise<{ posts: number; inserted: number }> {
  const now = deps.ctx.clock.now();
  const due = await repo.postsDueForSync(deps.ctx.db, now, commentSyncWindowMs(options), options.batch);
  let inserted = 0;
  let visited = 0;
  for (const post of due) {
    // Another worker may have taken it since the query: the claim is the conditional update.
    if (!(await repo.claimSync(deps.ctx.db, post.id, now, now + options.intervalMs))) continue;
    visited++;
    try {
      inserted += await syncPostComments(deps, post, options);
    } catch (error) {
      options.onError?.(error, `syncing comments of post ${post.id}`);
    }
  }
  return { posts: visited, inserted };
}

/** One post: fetch, store the new comments with their events, schedule the next visit. */
export async function syncPostComments(
  deps: CommentsDeps,
  post: PostRow,
  options: CommentSyncOptions = DEFAULT_COMMENT_SYNC,
): Promise<number> {
  const { ctx } = deps;
  const tenant: Tenant = { organizationId: post.organization_id, environment: post.environment };
  const connector = deps.connectors.get(post.platform, tenant.environment);
  const now = ctx.clock.now();
  if (!connector?.fetchComments) {
    await repo.scheduleSync(ctx.db, post.id, {
      nextSyncAt: now + commentSyncWindowMs(options),
      lastError: 'unsupported',
    });
    return 0;
  }
  let comments: PlatformComment[];
  let ownAuthorId: string;
  try {
    const account = await accountFor(deps, tenant, post);
    ownAuthorId = account.platformAccountId;
    comments = await connector.fetchComments({
      platformPostId: post.platform_post_id!,
      publishedAt: post.published_at ?? now,
      account,
    });
  } catch (error) {
    const retryAfterMs =
      error instanceof PlatformError && error.kind === 'rate_limited' && error.options.retryAfterSeconds
        ? error.options.retryAfterSeconds * 1000
        : options.intervalMs;
    const message = error instanceof Error ? error.message : String(error);
    await repo.scheduleSync(ctx.db, post.id, {
      nextSyncAt: now + retryAfterMs,
      lastError: message.slice(0, 500),
    });
    if (!(error instanceof PlatformError && error.kind === 'rate_limited')) throw error;
    return 0;
  }
  // Parents first, so a reply finds its parent's id when both arrive in the same sync.
  const ordered = [...comments].sort((a, b) => a.createdAt - b.createdAt);
  const count = await ctx.db.transaction().execute(async (trx) => {
    const known = await repo.idsByPlatformId(
      trx,
      tenant,
      post.id,
      ordered.map((c) => c.platformCommentId),
    );
    const fresh: NewCommentRow[] = [];
    for (const c of ordered) {
      if (known.has(c.platformCommentId)) continue;
      const id = newId('comment', now);
      known.set(c.platformCommentId, id);
      // Written by the account the post was published as: a reply made on the platform itself, or one
      // made through the API whose process died between the platform's answer and its commit.
      const own = c.authorId !== null && c.authorId === ownAuthorId;
      fresh.push({
        id,
        organization_id: tenant.organizationId,
        environment: tenant.environment,
        brand_id: post.brand_id,
        post_id: post.id,
        platform: post.platform,
        platform_comment_id: c.platformCommentId,
        parent_id: c.parentPlatformCommentId ? (known.get(c.parentPlatformCommentId) ?? null) : null,
        author_id: c.authorId,
        author_name: c.authorName,
        author_handle: c.authorHandle,
        text: c.text,
        is_own: own ? 1 : 0,
        replied_at: null,
        created_at: c.createdAt,
        received_at: now,
      });
    }
    // On conflict (another worker stored it first) nothing is inserted and no event is recorded.
    const rows = await repo.insertNewComments(trx, tenant, fresh);
    // The account's own comments are no news to it: they answer comments, which count as replied to.
    for (const row of rows) {
      if (row.is_own === 1 && row.parent_id !== null)
        await repo.markReplied(trx, tenant, row.parent_id, row.created_at);
    }
    await recordEvents(
      ctx,
      trx,
      tenant,
      rows
        .filter((row) => row.is_own !== 1)
        .map((row) => ({ type: 'comment.received', brandId: row.brand_id, data: toComment(row) })),
    );
    await repo.scheduleSync(trx, post.id, {
      nextSyncAt: nextCommentSync(post.published_at ?? now, now, options),
      lastSyncedAt: now,
      lastError: null,
    });
    return rows.length;
  });
  if (count > 0) ctx.counts.invalidate(commentsResource(tenant));
  return count;
}
