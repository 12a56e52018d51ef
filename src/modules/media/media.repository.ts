import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Tenant } from '../../shared/tenant.js';
import type { MediaRow, MediaType, NewMediaRow } from '../../db/tables/media.js';

export interface MediaFilters {
  type?: MediaType;
  brandId?: string;
}

export async function insertMedia(db: Kysely<Database>, row: NewMediaRow): Promise<void> {
  await db.insertInto('media').values(row).execute();
}

export async function findMedia(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<MediaRow | undefined> {
  return db
    .selectFrom('media')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
}

/** By id alone: a signed content link carries no tenant, its signature binds it to the id. */
export async function findMediaById(db: Kysely<Database>, id: string): Promise<MediaRow | undefined> {
  return db.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findMediaMany(
  db: Kysely<Database>,
  tenant: Tenant,
  ids: readonly string[],
): Promise<MediaRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('media')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .execute();
}

export function mediaQuery(db: Kysely<Database>, tenant: Tenant, filters: MediaFilters) {
  let query = db
    .selectFrom('media')
    .selectAll()
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment);
  if (filters.type !== undefined) query = query.where('type', '=', filters.type);
  if (filters.brandId !== undefined) query = query.where('brand_id', '=', filters.brandId);
  return query;
}

export async function setBrand(db: Kysely<Database>, id: string, brandId: string): Promise<void> {
  await db.updateTable('media').set({ brand_id: brandId }).where('id', '=', id).execute();
}

export async function deleteMedia(db: Kysely<Database>, tenant: Tenant, id: string): Promise<number> {
  const result = await db
    .deleteFrom('media')
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Whether any media row, of any tenant, still uses the blob (as content or as thumbnail). */
export async function blobInUse(db: Kysely<Database>, key: string): Promise<boolean> {
  const row = await db
    .selectFrom('media')
    .select('id')
    .where((eb) => eb.or([eb('sha256', '=', key), eb('thumbnail_sha256', '=', key)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** A SCHEDULED or PUBLISHING post of the tenant whose `media_ids` (a JSON array) holds the id. */
export async function pendingPostUsing(
  db: Kysely<Database>,
  tenant: Tenant,
  mediaId: string,
): Promise<{ id: string; status: string } | undefined> {
  return db
    .selectFrom('posts')
    .select(['id', 'status'])
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .where('status', 'in', ['SCHEDULED', 'PUBLISHING'])
    .where('media_ids', 'like', `%"${mediaId}"%`)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}
