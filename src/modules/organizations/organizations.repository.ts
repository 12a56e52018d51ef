import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { NewOrganizationRow, OrganizationRow } from '../../db/tables/organizations.js';

export async function insertOrganization(db: Kysely<Database>, row: NewOrganizationRow): Promise<void> {
  await db.insertInto('organizations').values(row).execute();
}

export async function findOrganization(
  db: Kysely<Database>,
  id: string,
): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listOrganizations(db: Kysely<Database>): Promise<OrganizationRow[]> {
  return db.selectFrom('organizations').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function countOrganizations(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('organizations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function updateOrganization(
  db: Kysely<Database>,
  id: string,
  changes: Partial<Pick<OrganizationRow, 'name' | 'plan' | 'rate_limit_override' | 'updated_at'>>,
): Promise<void> {
  await db.updateTable('organizations').set(changes).where('id', '=', id).execute();
}
