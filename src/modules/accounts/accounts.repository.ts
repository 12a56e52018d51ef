import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { countRows } from '../../db/paginate.js';
import { scoped, unscoped } from '../../db/tenant.js';
import { tenantRows, type RowChanges } from '../../db/tenant-rows.js';
import type { Tenant } from '../../shared/tenant.js';
import type { AccountStatus, OAuthStateRow, SocialAccountRow } from '../../db/tables/accounts.js';

export type AccountChanges = RowChanges<'social_accounts'>;

const accounts = tenantRows('social_accounts');

export const insertAccount = accounts.insert;
export const findAccount = accounts.find;
export const deleteAccount = accounts.remove;

/** By id alone: for the worker, which acts on an account found by a sweep, not for a request. */
export async function findAccountById(
  db: Kysely<Database>,
  id: string,
): Promise<SocialAccountRow | undefined> {
  return unscoped(db, 'the worker acts on an account a sweep across tenants found')
    .selectFrom('social_accounts')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The account a platform identity is connected as, for one brand (the unique key of the table). */
export async function findByIdentity(
  db: Kysely<Database>,
  tenant: Tenant,
  identity: { brandId: string; platform: string; platformAccountId: string },
): Promise<SocialAccountRow | undefined> {
  return scoped(db, tenant)
    .selectFrom('social_accounts')
    .selectAll()
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
  const { brandId, platform, status } = filters;
  return accounts.where(db, tenant, { brand_id: brandId, platform, status });
}

export async function updateAccount(
  db: Kysely<Database>,
  tenant: Tenant,
  id: string,
  changes: AccountChanges,
  /** Compare-and-set: only if the stored access token is still this one (nobody refreshed meanwhile). */
  expectedAccessToken?: string,
): Promise<number> {
  return accounts.update(db, tenant, id, changes, { access_token_enc: expectedAccessToken });
}

/** Posts that will publish through the account soon or right now: they block a disconnect. */
export async function countPendingPosts(
  db: Kysely<Database>,
  tenant: Tenant,
  accountId: string,
): Promise<number> {
  return countRows(
    scoped(db, tenant)
      .selectFrom('posts')
      .where('social_account_id', '=', accountId)
      .where('status', 'in', ['SCHEDULED', 'PUBLISHING']),
  );
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
  const rows = await unscoped(db, 'the token refresh sweep spans tenants')
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

export async function insertState(db: Kysely<Database>, tenant: Tenant, row: OAuthStateRow): Promise<void> {
  await scoped(db, tenant).insertInto('oauth_states', row).execute();
}

/** Reads and deletes a state in one statement: of two concurrent callbacks, one gets the row. */
export async function consumeState(db: Kysely<Database>, state: string): Promise<OAuthStateRow | undefined> {
  return unscoped(db, 'the OAuth callback knows its state alone; the state names the tenant')
    .deleteFrom('oauth_states')
    .where('state', '=', state)
    .returningAll()
    .executeTakeFirst();
}

/** Housekeeping: states that expired before `before` will never be used. */
export async function purgeStates(db: Kysely<Database>, before: number): Promise<void> {
  await unscoped(db, 'housekeeping of every tenant')
    .deleteFrom('oauth_states')
    .where('expires_at', '<', before)
    .execute();
}
