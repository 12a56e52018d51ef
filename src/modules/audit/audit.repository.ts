import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { columnsEqual, unscoped } from '../../db/tenant.js';
import { tenantRows } from '../../db/tenant-rows.js';
import type { AuditLogTable } from '../../db/tables/people.js';
import type { Tenant } from '../../shared/tenant.js';

const entries = tenantRows('audit_log');

/**
 * Writes one entry. An entry of an environment goes through the tenant's insert; one of the organization
 * itself (no environment) cannot, since that insert sets the environment.
 */
export async function insertEntry(db: Kysely<Database>, row: Insertable<AuditLogTable>): Promise<void> {
  const { organization_id: organizationId, environment } = row;
  if (environment) {
    await entries.insert(db, { organizationId, environment }, row);
    return;
  }
  await unscoped(db, 'an entry about the organization itself belongs to no environment')
    .insertInto('audit_log')
    .values(row)
    .execute();
}

export interface AuditFilters {
  action?: string;
  actorId?: string;
  targetId?: string;
  /** created_at on or after (epoch ms). */
  createdAfter?: number;
  /** created_at before (epoch ms). */
  createdBefore?: number;
}

/** The entries an environment sees: its own and its organization's entries without environment. */
export function entriesQuery(db: Kysely<Database>, tenant: Tenant, filters: AuditFilters) {
  let query = unscoped(db, "an environment's log also shows its organization's entries without environment")
    .selectFrom('audit_log')
    .selectAll()
    .where('organization_id', '=', tenant.organizationId)
    .where((eb) => eb.or([eb('environment', '=', tenant.environment), eb('environment', 'is', null)]));
  const equal = { action: filters.action, actor_id: filters.actorId, target_id: filters.targetId };
  for (const condition of columnsEqual('audit_log', equal)) query = query.where(condition);
  if (filters.createdAfter !== undefined) query = query.where('created_at', '>=', filters.createdAfter);
  if (filters.createdBefore !== undefined) query = query.where('created_at', '<', filters.createdBefore);
  return query;
}
