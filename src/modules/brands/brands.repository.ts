import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Tenant } from '../../shared/tenant.js';
import type { BrandRow, NewBrandRow } from '../../db/tables/brands.js';

export async function insertBrand(db: Kysely<Database>, row: NewBrandRow): Promise<void> {
  await db.insertInto('brands').values(row).execute();
}

export async function findBrand(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<BrandRow | undefined> {
  return db
    .selectFrom('brands')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
}

export function brandsQuery(db: Kysely<Database>, tenant: Tenant, filters: { name?: string }) {
  let query = db
    .selectFrom('brands')
    .selectAll()
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment);
  if (filters.name !== undefined) query = query.where('name', '=', filters.name);
  return query;
}

export async function updateBrand(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  changes: Partial<Pick<BrandRow, 'name' | 'timezone' | 'voice' | 'colors' | 'updated_at'>>,
): Promise<number> {
  const result = await db
    .updateTable('brands')
    .set(changes)
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function deleteBrand(db: Kysely<Database>, tenant: Tenant, id: string): Promise<number> {
  const result = await db
    .deleteFrom('brands')
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** How many posts and campaigns still belong to a brand (they must go first). */
export async function countDependents(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<{ posts: number; campaigns: number }> {
  const count = async (table: 'posts' | 'campaigns') => {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('brand_id', '=', id)
      .where('organization_id', '=', tenant.organizationId)
      .where('environment', '=', tenant.environment)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  };
  return { posts: await count('posts'), campaigns: await count('campaigns') };
}
