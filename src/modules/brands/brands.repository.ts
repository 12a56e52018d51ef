import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { deleteById, findById, scoped, updateById } from '../../db/tenant.js';
import type { Tenant } from '../../shared/tenant.js';
import type { BrandRow, NewBrandRow } from '../../db/tables/brands.js';

export async function insertBrand(db: Kysely<Database>, tenant: Tenant, row: NewBrandRow): Promise<void> {
  await scoped(db, tenant).insertInto('brands', row).execute();
}

export async function findBrand(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<BrandRow | undefined> {
  return findById(db, tenant, 'brands', id);
}

export function brandsQuery(db: Kysely<Database>, tenant: Tenant, filters: { name?: string }) {
  let query = scoped(db, tenant).selectFrom('brands').selectAll();
  if (filters.name !== undefined) query = query.where('name', '=', filters.name);
  return query;
}

export async function updateBrand(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  changes: Partial<Pick<BrandRow, 'name' | 'timezone' | 'voice' | 'colors' | 'updated_at'>>,
): Promise<number> {
  return updateById(db, tenant, 'brands', id, changes);
}

export async function deleteBrand(db: Kysely<Database>, tenant: Tenant, id: string): Promise<number> {
  return deleteById(db, tenant, 'brands', id);
}

/** How many posts and campaigns still belong to a brand (they must go first). */
export async function countDependents(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<{ posts: number; campaigns: number }> {
  const count = async (table: 'posts' | 'campaigns') => {
    const row = await scoped(db, tenant)
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('brand_id', '=', id)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  };
  return { posts: await count('posts'), campaigns: await count('campaigns') };
}
