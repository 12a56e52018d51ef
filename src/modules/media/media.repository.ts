import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { holdsMediaId } from '../../db/media-ids.js';
import { scoped, unscoped } from '../../db/tenant.js';
import { tenantRows } from '../../db/tenant-rows.js';
import type { Tenant } from '../../shared/tenant.js';
import type { MediaRow, MediaType } from '../../db/tables/media.js';

export interface MediaFilters {
  type?: MediaType;
  brandId?: string;
}

const media = tenantRows('media');

export const insertMedia = media.insert;
export const findMedia = media.find;
export const deleteMedia = media.remove;

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
  return media.where(db, tenant, { type: filters.type, brand_id: filters.brandId });
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
    .where(holdsMediaId(mediaId))
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}
