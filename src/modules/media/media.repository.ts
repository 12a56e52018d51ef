import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { deleteById, findById, scoped, unscoped } from '../../db/tenant.js';
import type { Tenant } from '../../shared/tenant.js';
import type { MediaRow, MediaType, NewMediaRow } from '../../db/tables/media.js';

export interface MediaFilters {
  type?: MediaType;
  brandId?: string;
}

export async function insertMedia(db: Kysely<Database>, tenant: Tenant, row: NewMediaRow): Promise<void> {
  await scoped(db, tenant).insertInto('media', row).execute();
}

export async function findMedia(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<MediaRow | undefined> {
  return findById(db, tenant, 'media', id);
}

/** By id alone: a signed content link carries no tenant, its signature binds it to the id. */
export async function findMediaById(db: Kysely<Database>, id: string): Promise<MediaRow | undefined> {
  return unscoped(db, 'a signed content link names the media item alone')
    .selectFrom('media')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function findMediaMany(
  db: Kysely<Database>,
  tenant: Tenant,
  ids: readonly string[],
): Promise<MediaRow[]> {
  if (ids.length === 0) return [];
  return scoped(db, tenant)
    .selectFrom('media')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .execute();
}

export function mediaQuery(db: Kysely<Database>, tenant: Tenant, filters: MediaFilters) {
  let query = scoped(db, tenant).selectFrom('media').selectAll();
  if (filters.type !== undefined) query = query.where('type', '=', filters.type);
  if (filters.brandId !== undefined) query = query.where('brand_id', '=', filters.brandId);
  return query;
}

export async function deleteMedia(db: Kysely<Database>, tenant: Tenant, id: string): Promise<number> {
  return deleteById(db, tenant, 'media', id);
}

/** Whether any media row, of any tenant, still uses the blob (as content or as thumbnail). */
export async function blobInUse(db: Kysely<Database>, key: string): Promise<boolean> {
  const row = await unscoped(db, 'a stored blob may be shared by the media of several tenants')
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
  return scoped(db, tenant)
    .selectFrom('posts')
    .select(['id', 'status'])
    .where('status', 'in', ['SCHEDULED', 'PUBLISHING'])
    .where('media_ids', 'like', `%"${mediaId}"%`)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}
