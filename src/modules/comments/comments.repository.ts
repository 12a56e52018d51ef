import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { scoped, unscoped } from '../../db/tenant.js';
import { tenantRows } from '../../db/tenant-rows.js';
import type { Tenant } from '../../shared/tenant.js';
import type { CommentRow, NewCommentRow } from '../../db/tables/comments.js';

const comments = tenantRows('comments');

export const findComment = comments.find;

/** Inserts the rows no earlier sync stored; returns only those it inserted (the new comments). */
export async function insertNewComments(
  db: Kysely<Database>,
  tenant: Tenant,
  rows: NewCommentRow[],
): Promise<CommentRow[]> {
  const inserted: CommentRow[] = [];
  for (const row of rows) {
    const created = await scoped(db, tenant)
      .insertInto('comments', row)
      .onConflict((oc) =>
        oc.columns(['organization_id', 'environment', 'platform', 'platform_comment_id']).doNothing(),
      )
      .returningAll()
      .executeTakeFirst();
    if (created) inserted.push(created);
  }
  return inserted;
}

/** Our ids of the comments with these platform ids on one post (to link replies to their parents). */
export async function idsByPlatformId(
  db: Kysely<Database>,
  tenant: Tenant,
  postId: string,
  platformIds: string[],
): Promise<Map<string, string>> {
  if (platformIds.length === 0) return new Map();
  const rows = await scoped(db, tenant)
    .selectFrom('comments')
    .select(['id', 'platform_comment_id'])
    .where('post_id', '=', postId)
    .where('platform_comment_id', 'in', platformIds)
    .execute();
  return new Map(rows.map((r) => [r.platform_comment_id, r.id]));
}

export interface CommentFilters {
  brandId?: string;
  platform?: string;
  postId?: string;
  /** created_at on or after (epoch ms). */
  since?: number;
}

export function commentsQuery(db: Kysely<Database>, tenant: Tenant, filters: CommentFilters) {
  const { brandId, platform, postId, since } = filters;
  const query = comments.where(db, tenant, { brand_id: brandId, platform, post_id: postId });
  return since === undefined ? query : query.where('created_at', '>=', since);
}

/** Published posts within the window whose comments are due (never synced first), across tenants. */
export async function postsDueForSync(db: Kysely<Database>, now: number, windowMs: number, limit: number) {
  return (
    unscoped(db, 'the comments sync picks due posts of every tenant')
      .selectFrom('posts')
      .leftJoin('comment_syncs', 'comment_syncs.post_id', 'posts.id')
      .selectAll('posts')
      .where('posts.status', '=', 'PUBLISHED')
      .where('posts.platform_post_id', 'is not', null)
      .where('posts.published_at', '>=', now - windowMs)
      .where((eb) =>
        eb.or([eb('comment_syncs.next_sync_at', 'is', null), eb('comment_syncs.next_sync_at', '<=', now)]),
      )
      // Never-synced posts first on both dialects (NULLs sort first on SQLite, last on PostgreSQL).
      .orderBy(sql`coalesce(comment_syncs.next_sync_at, 0)`)
      .orderBy('posts.published_at')
      .limit(limit)
      .execute()
  );
}

/**
 * Takes a due post for one sync: moves its next sync to `until` only if it is still due (or was never
 * synced). False when another worker claimed it first.
 */
export async function claimSync(
  db: Kysely<Database>,
  postId: string,
  now: number,
  until: number,
): Promise<boolean> {
  const claimed = await db
    .insertInto('comment_syncs')
    .values({ post_id: postId, next_sync_at: until, last_synced_at: null, last_error: null })
    .onConflict((oc) =>
      oc
        .column('post_id')
        .doUpdateSet({ next_sync_at: until })
        .where('comment_syncs.next_sync_at', '<=', now),
    )
    .returning('post_id')
    .executeTakeFirst();
  return claimed !== undefined;
}

export async function scheduleSync(
  db: Kysely<Database>,
  postId: string,
  values: { nextSyncAt: number; lastSyncedAt?: number; lastError: string | null },
): Promise<void> {
  const row = {
    next_sync_at: values.nextSyncAt,
    last_error: values.lastError,
    ...(values.lastSyncedAt !== undefined ? { last_synced_at: values.lastSyncedAt } : {}),
  };
  await db
    .insertInto('comment_syncs')
    .values({ post_id: postId, last_synced_at: null, ...row })
    .onConflict((oc) => oc.column('post_id').doUpdateSet(row))
    .execute();
}

/** Records a reply to a comment at `at`, unless a later one is already recorded. */
export async function markReplied(
  db: Kysely<Database>,
  tenant: Tenant,
  commentId: string,
  at: number,
): Promise<void> {
  await scoped(db, tenant)
    .updateTable('comments')
    .set({ replied_at: at })
    .where('id', '=', commentId)
    .where((eb) => eb.or([eb('replied_at', 'is', null), eb('replied_at', '<', at)]))
    .execute();
}
