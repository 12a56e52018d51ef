import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Tenant } from '../../shared/tenant.js';
import type {
  AccountStatus,
  NewSocialAccountRow,
  OAuthStateRow,
  SocialAccountRow,
  SocialAccountsTable,
} from '../../db/tables/accounts.js';

export type AccountChanges = Partial<
  Omit<SocialAccountsTable, 'id' | 'organization_id' | 'environment' | 'created_at'>
>;

export async function insertAccount(db: Kysely<Database>, row: NewSocialAccountRow): Promise<void> {
  await db.insertInto('social_accounts').values(row).execute();
}

export async function findAccount(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
): Promise<SocialAccountRow | undefined> {
  return db
    .selectFrom('social_accounts')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
}

/** By id alone: for the worker, which acts on an account found by a sweep, not for a request. */
export async function findAccountById(
  db: Kysely<Database>,
  id: string,
): Promise<SocialAccountRow | undefined> {
  return db.selectFrom('social_accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The account a platform identity is connected as, for one brand (the unique key of the table). */
export async function findByIdentity(
  db: Kysely<Database>,
  tenant: Tenant,
  identity: { brandId: string; platform: string; platformAccountId: string },
): Promise<SocialAccountRow | undefined> {
  return db
    .selectFrom('social_accounts')
    .selectAll()
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .where('platform', '=', identity.platform)
    .where('platform_account_id', '=', identity.platformAccountId)
    .where('brand_id', '=', identity.brandId)
    .executeTakeFirst();
}

export interface AccountFilters {
  brandId?: string;
  platform?: string;
  status?: AccountStatus;
}

export function accountsQuery(db: Kysely<Database>, tenant: Tenant, filters: AccountFilters) {
  let query = db
    .selectFrom('social_accounts')
    .selectAll()
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment);
  if (filters.brandId !== undefined) query = query.where('brand_id', '=', filters.brandId);
  if (filters.platform !== undefined) query = query.where('platform', '=', filters.platform);
  if (filters.status !== undefined) query = query.where('status', '=', filters.status);
  return query;
}

export async function updateAccount(
  db: Kysely<Database>,
  id: string,
  changes: AccountChanges,
  /** Compare-and-set: only if the stored access token is still this one (nobody refreshed meanwhile). */
  expectedAccessToken?: string,
): Promise<number> {
  let query = db.updateTable('social_accounts').set(changes).where('id', '=', id);
  if (expectedAccessToken !== undefined) query = query.where('access_token_enc', '=', expectedAccessToken);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function deleteAccount(db: Kysely<Database>, tenant: Tenant, id: string): Promise<number> {
  const result = await db
    .deleteFrom('social_accounts')
    .where('id', '=', id)
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Posts that will publish through the account soon or right now: they block a disconnect. */
export async function countPendingPosts(
  db: Kysely<Database>,
  tenant: Tenant,
  accountId: string,
): Promise<number> {
  const row = await db
    .selectFrom('posts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', tenant.organizationId)
    .where('environment', '=', tenant.environment)
    .where('social_account_id', '=', accountId)
    .where('status', 'in', ['SCHEDULED', 'PUBLISHING'])
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export interface DueAccount {
  id: string;
  organization_id: string;
  environment: SocialAccountRow['environment'];
  platform: string;
  token_expires_at: number;
}

/** Connected accounts whose token expires before `before`, soonest first, across tenants. */
export async function dueForRefresh(
  db: Kysely<Database>,
  before: number,
  limit: number,
): Promise<DueAccount[]> {
  const rows = await db
    .selectFrom('social_accounts')
    .select(['id', 'organization_id', 'environment', 'platform', 'token_expires_at'])
    .where('status', '=', 'connected')
    .where('token_expires_at', 'is not', null)
    .where('token_expires_at', '<', before)
    .orderBy('token_expires_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows as DueAccount[];
}

export async function insertState(db: Kysely<Database>, row: OAuthStateRow): Promise<void> {
  await db.insertInto('oauth_states').values(row).execute();
}

/** Reads and deletes a state in one statement: of two concurrent callbacks, one gets the row. */
export async function consumeState(db: Kysely<Database>, state: string): Promise<OAuthStateRow | undefined> {
  return db.deleteFrom('oauth_states').where('state', '=', state).returningAll().executeTakeFirst();
}

/** Housekeeping: states that expired before `before` will never be used. */
export async function purgeStates(db: Kysely<Database>, before: number): Promise<void> {
  await db.deleteFrom('oauth_states').where('expires_at', '<', before).execute();
}
