import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { unscoped } from '../../db/tenant.js';
import { tenantRows } from '../../db/tenant-rows.js';
import type { Tenant } from '../../shared/tenant.js';
import type { Scope, ApiKeyRow } from '../../db/tables/keys.js';
import type { OrganizationRow } from '../../db/tables/organizations.js';

export type KeyWithOrganization = ApiKeyRow & Pick<OrganizationRow, 'plan' | 'rate_limit_override'>;

const keys = tenantRows('api_keys');

export const insertKey = keys.insert;
export const findKey = keys.find;

/** The key with the plan of its organization: everything authentication and rate limiting need. */
export async function findKeyByHash(
  db: Kysely<Database>,
  hash: string,
): Promise<KeyWithOrganization | undefined> {
  return unscoped(db, 'authentication finds the key, and so its tenant, by its hash')
    .selectFrom('api_keys')
    .innerJoin('organizations', 'organizations.id', 'api_keys.organization_id')
    .selectAll('api_keys')
    .select(['organizations.plan', 'organizations.rate_limit_override'])
    .where('api_keys.key_hash', '=', hash)
    .executeTakeFirst();
}

/** Any organization's key: for operators (CLI) only, never for a request. */
export async function findKeyById(db: Kysely<Database>, id: string): Promise<ApiKeyRow | undefined> {
  return unscoped(db, "operators (CLI) act on any organization's key")
    .selectFrom('api_keys')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
}

export function keysQuery(db: Kysely<Database>, tenant: Tenant, filters: { scope?: Scope }) {
  return keys.where(db, tenant, { scope: filters.scope });
}

export async function listAllKeys(db: Kysely<Database>, organizationId?: string): Promise<ApiKeyRow[]> {
  let query = unscoped(db, 'operators (CLI) list the keys of any or every organization')
    .selectFrom('api_keys')
    .selectAll()
    .orderBy('created_at')
    .orderBy('id');
  if (organizationId) query = query.where('organization_id', '=', organizationId);
  return query.execute();
}

export async function updateKey(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  changes: Partial<Pick<ApiKeyRow, 'revoked_at' | 'expires_at' | 'rotated_at' | 'replaced_by'>>,
): Promise<void> {
  await keys.update(db, tenant, id, changes);
}

export async function recordUsage(db: Kysely<Database>, usage: Map<string, number>): Promise<void> {
  if (usage.size === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const [id, at] of usage) {
      await unscoped(trx, 'one flush records the use of keys of every tenant')
        .updateTable('api_keys')
        .set({ last_used_at: at })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
        .execute();
    }
  });
}
