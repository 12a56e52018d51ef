import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Tenant } from '../../shared/tenant.js';
import type { NewPostRow, PostRow, PostStatus } from './posts.table.js';

/** Sort keys as the indexes declare them (see migration 0002). */
export const SCHEDULED_FOR = 'coalesce(scheduled_for, -1)';
export const PUBLISHED_AT = 'coalesce(published_at, -1)';

export async function insertPost(db: Kysely<Database>, row: NewPostRow): Promise<void> {
  await db.insertInto('posts').values(row).execute();
}

/**
 * Multi-row insert, in slices: 23 columns × 400 rows stays under both databases' limits on bound
 * parameters (SQLite 32,766, PostgreSQL 65,535).
 */
export async function insertPosts(db: Kysely<Database>, rows: NewPostRow[], slice = 400): Promise<void> {
  for (let i = 0; i < rows.length; i += slice) {
    await db
      .insertInto('posts')
      .values(rows.slice(i, i + slice))
      .execute();
  }
}

export async function findPost(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<PostRow | undefined> {
  return db
    .selectFrom('posts')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
}

export interface PostFilters {
  status?: PostStatus;
  platform?: string;
  campaignId?: string;
  brandId?: string;
  /** Inclusive lower bound on scheduled_for (epoch ms). */
  startDate?: number;
  /** Exclusive upper bound on scheduled_for (epoch ms). */
  endDate?: number;
}

export function postsQuery(db: Kysely<Database>, tenant: Tenant, filters: PostFilters) {
  let query = db
    .selectFrom('posts')
    .selectAll()
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment);
  if (filters.status !== undefined) query = query.where('status', '=', filters.status);
  if (filters.platform !== undefined) query = query.where('platform', '=', filters.platform);
  if (filters.campaignId !== undefined) query = query.where('campaign_id', '=', filters.campaignId);
  if (filters.brandId !== undefined) query = query.where('brand_id', '=', filters.brandId);
  // The range is written on the indexed expression; it excludes unscheduled posts (-1) by itself.
  if (filters.startDate !== undefined) query = query.where(sql.raw(SCHEDULED_FOR), '>=', filters.startDate);
  if (filters.endDate !== undefined) query = query.where(sql.raw(SCHEDULED_FOR), '<', filters.endDate);
  return query;
}

/** Updates a post only if it is still in `expectedStatus` (optimistic check); answers rows changed. */
export async function updatePost(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  expectedStatus: PostStatus,
  changes: Partial<Omit<PostRow, 'id' | 'organization_id' | 'environment' | 'created_at'>>,
): Promise<number> {
  const result = await db
    .updateTable('posts')
    .set(changes)
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .where('status', '=', expectedStatus)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function deletePost(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  notIn: PostStatus[],
): Promise<number> {
  const result = await db
    .deleteFrom('posts')
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .where('status', 'not in', notIn)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Ids of the posts matching `filters`, oldest first (at most `limit`). */
export async function matchingIds(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: PostFilters,
  limit: number,
): Promise<string[]> {
  const rows = await postsQuery(db, tenant, filters)
    .clearSelect()
    .select('id')
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function countMatching(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: PostFilters,
): Promise<number> {
  const row = await postsQuery(db, tenant, filters)
    .clearSelect()
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The next `limit` matching posts after `after` in (created_at, id) order: keyset, stable under inserts. */
export async function postsAfter(
  db: Kysely<Database>,
  tenant: Tenant,
  filters: PostFilters,
  after: { createdAt: number; id: string } | undefined,
  limit: number,
): Promise<PostRow[]> {
  let query = postsQuery(db, tenant, filters);
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '>', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)]),
      ]),
    );
  }
  return query.orderBy('created_at').orderBy('id').limit(limit).execute();
}

/**
 * The times a brand's posts on `platforms` occupy in [from, to): SCHEDULED posts and drafts carrying a
 * planned time (content plans avoid both). Served by `posts_t_brand_scheduled`.
 */
export async function plannedTimes(
  db: Kysely<Database>,
  tenant: Tenant,
  brandId: string,
  platforms: string[],
  from: number,
  to: number,
): Promise<{ platform: string; scheduled_for: number }[]> {
  const rows = await db
    .selectFrom('posts')
    .select(['platform', 'scheduled_for'])
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .where('brand_id', '=', brandId)
    .where(sql.raw(SCHEDULED_FOR), '>=', from)
    .where(sql.raw(SCHEDULED_FOR), '<', to)
    .where('status', 'in', ['SCHEDULED', 'DRAFT'])
    .where('platform', 'in', platforms)
    .execute();
  return rows.map((r) => ({ platform: r.platform, scheduled_for: Number(r.scheduled_for) }));
}
