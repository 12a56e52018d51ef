import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { countRows } from '../../db/paginate.js';
import { scoped } from '../../db/tenant.js';
import { tenantRows } from '../../db/tenant-rows.js';
import type { Tenant } from '../../shared/tenant.js';

const brands = tenantRows('brands');

export const insertBrand = brands.insert;
export const findBrand = brands.find;
export const updateBrand = brands.update;
export const deleteBrand = brands.remove;

export function brandsQuery(db: Kysely<Database>, tenant: Tenant, filters: { name?: string }) {
  return brands.where(db, tenant, { name: filters.name });
}

/** How many posts and campaigns still belong to a brand (they must go first). */
export async function countDependents(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<{ posts: number; campaigns: number }> {
  const count = (table: 'posts' | 'campaigns') =>
    countRows(scoped(db, tenant).selectFrom(table).where('brand_id', '=', id));
  return { posts: await count('posts'), campaigns: await count('campaigns') };
}
