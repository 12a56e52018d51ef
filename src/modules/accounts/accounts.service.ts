import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { PlatformError, type ConnectedAccount, type OAuthTokens } from '../../platforms/connector.js';
import type { ConnectorRegistry } from '../../platforms/registry.js';
import { sandboxAccount } from '../../platforms/sandbox/sandbox.connector.js';
import { toIso } from '../../shared/clock.js';
import { AppError, invalidInput, notFound } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { clip } from '../../shared/text.js';
import type { SecretBox } from '../../shared/secret-box.js';
import type { Environment, Tenant } from '../../shared/tenant.js';
import { requireBrand } from '../brands/index.js';
import type { ServiceContext } from '../context.js';
import { findByIdOr404 } from '../by-id.js';
import { tenantList, BY_CREATED_AT, BY_UPDATED_AT, BY_NAME } from '../lists.js';
import * as repo from './accounts.repository.js';
import {
  MAX_ACCOUNT_ERROR_LENGTH,
  type AccountStatus,
  type SocialAccountRow,
} from '../../db/tables/accounts.js';

/** What the accounts module needs beyond the database and the clock: connectors and the token box. */
export interface AccountsContext extends ServiceContext {
  connectors: ConnectorRegistry;
  /** Seals platform tokens and PKCE verifiers at rest. */
  tokens: SecretBox;
  /** Externally visible base URL (`AUDENCI_PUBLIC_URL`); the OAuth callback lives under it. */
  publicUrl: string;
  /**
   * Origins besides the public URL's that a connect `redirectUri` may lead to
   * (`AUDENCI_OAUTH_REDIRECT_ORIGINS`, normalised by the config).
   */
  redirectOrigins: readonly string[];
}

export function accountsContext(
  ctx: ServiceContext,
  deps: {
    connectors: ConnectorRegistry;
    tokenBox: SecretBox;
    publicUrl: string;
    redirectOrigins?: readonly string[];
  },
): AccountsContext {
  return {
    ...ctx,
    connectors: deps.connectors,
    tokens: deps.tokenBox,
    publicUrl: deps.publicUrl,
    redirectOrigins: deps.redirectOrigins ?? [],
  };
}

export interface SocialAccount {
  id: string;
  brandId: string;
  platform: string;
  platformAccountId: string;
  name: string;
  username: string | null;
  status: AccountStatus;
  scopes: string[];
  tokenExpiresAt: string | null;
  lastRefreshedAt: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The API view: tokens and connector metadata never leave the server. */
export function toAccount(row: SocialAccountRow): SocialAccount {
  return {
    id: row.id,
    brandId: row.brand_id,
    platform: row.platform,
    platformAccountId: row.platform_account_id,
    name: row.name,
    username: row.username,
    status: row.status,
    scopes: JSON.parse(row.scopes) as string[],
    tokenExpiresAt: toIso(row.token_expires_at),
    lastRefreshedAt: toIso(row.last_refreshed_at),
    lastError: row.last_error,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

export const findAccountRow = findByIdOr404(repo.findAccount, 'social account');

export async function getAccount(ctx: ServiceContext, tenant: Tenant, id: string): Promise<SocialAccount> {
  return toAccount(await findAccountRow(ctx, tenant, id));
}

export const listAccounts = tenantList({
  query: repo.accountsQuery,
  sorts: { createdAt: BY_CREATED_AT, updatedAt: BY_UPDATED_AT, name: BY_NAME },
  show: toAccount,
});

function sealTokens(ctx: AccountsContext, id: string, tokens: OAuthTokens) {
  return {
    access_token_enc: ctx.tokens.seal(tokens.accessToken, id),
    refresh_token_enc: tokens.refreshToken !== null ? ctx.tokens.seal(tokens.refreshToken, id) : null,
    token_expires_at: tokens.expiresAt,
  };
}

function openTokens(ctx: AccountsContext, row: SocialAccountRow): OAuthTokens {
  return {
    accessToken: ctx.tokens.open(row.access_token_enc, row.id),
    refreshToken: row.refresh_token_enc !== null ? ctx.tokens.open(row.refresh_token_enc, row.id) : null,
    expiresAt: row.token_expires_at,
    scopes: JSON.parse(row.scopes) as string[],
  };
}

/**
 * Stores an identity a connector returned as an account of `brandId`: a new row, or, when the brand
 * already has this platform identity (a reconnect), the same row with new tokens and `connected` again.
 * Tokens are sealed with the account id as associated data, so the id is settled before sealing.
 */
export async function saveConnectedAccount(
  ctx: AccountsContext,
  tenant: Tenant,
  target: { brandId: string; platform: string },
  account: ConnectedAccount,
): Promise<SocialAccountRow> {
  const now = ctx.clock.now();
  // The sandbox serves every platform: it names ids and URLs after `metadata.platform`.
  const metadata =
    tenant.environment === 'test' ? { ...account.metadata, platform: target.platform } : account.metadata;
  const identity = { ...target, platformAccountId: account.platformAccountId };
  for (let attempt = 1; ; attempt++) {
    const existing = await repo.findByIdentity(ctx.db, tenant, identity);
    const id = existing?.id ?? newId('account', now);
    const fields = {
      name: account.name,
      username: account.username,
      status: 'connected' as const,
      ...sealTokens(ctx, id, account.tokens),
      scopes: JSON.stringify(account.tokens.scopes),
      metadata: JSON.stringify(metadata),
      last_error: null,
      updated_at: existing ? Math.max(now, existing.updated_at + 1) : now,
    };
    if (existing) {
      await repo.updateAccount(ctx.db, tenant, id, fields);
      return { ...existing, ...fields };
    }
    const row: SocialAccountRow = {
      id,
      organization_id: tenant.organizationId,
      environment: tenant.environment,
      brand_id: target.brandId,
      platform: target.platform,
      platform_account_id: account.platformAccountId,
      ...fields,
      last_refreshed_at: null,
      created_at: now,
    };
    try {
      await repo.insertAccount(ctx.db, tenant, row);
      return row;
    } catch (error) {
      // A concurrent callback inserted the same identity first (unique key): update that row instead.
      if (attempt > 1) throw error;
    }
  }
}

/** The command that makes an admin test key for an organization (printed where a test key is needed). */
export function testKeyCommand(organizationId: string): string {
  return `npm run audenci -- keys create --org ${organizationId} --scope admin --test`;
}

/** Test environment only: a sandbox account at once, without OAuth. */
export async function createSandboxAccount(
  ctx: AccountsContext,
  tenant: Tenant,
  input: { brandId: string; platform: string; name: string },
): Promise<SocialAccount> {
  if (tenant.environment !== 'test') {
    const command = testKeyCommand(tenant.organizationId);
    const reason =
      'Live accounts are connected through OAuth: call POST /api/v1/social-accounts/connect and send the user ' +
      'to its authorizationUrl. Creating an account directly works with test keys (sk_test_…) only. ' +
      'To get one: in the web app, switch to test mode, then Settings → API keys; or on the server run ' +
      `\`${command}\`.`;
    throw invalidInput([{ field: '', reason }], reason, { location: 'body', testKeyCommand: command });
  }
  const name = input.name.trim();
  if (name === '') throw invalidInput([{ field: 'name', reason: 'Must not be blank' }]);
  await requireBrand(ctx, tenant, input.brandId);
  const seed = randomBytes(16).toString('hex');
  const account = sandboxAccount({ seed, name, now: ctx.clock.now() });
  const row = await saveConnectedAccount(ctx, tenant, input, account);
  return toAccount(row);
}

/**
 * Disconnects an account: its row and tokens are deleted. Refused (409) while a SCHEDULED or PUBLISHING
 * post will publish through it. Other posts keep the id as history; a draft must name another account
 * before it can publish.
 */
export async function deleteAccount(
  ctx: ServiceContext,
  tenant: Tenant,
  id: string,
): Promise<{ id: string; deleted: true }> {
  await findAccountRow(ctx, tenant, id);
  const pending = await repo.countPendingPosts(ctx.db, tenant, id);
  if (pending > 0) {
    throw new AppError(
      'CONFLICT',
      `${pending} scheduled or publishing post(s) use this account; give them another account or unschedule them first`,
      { posts: pending },
    );
  }
  if ((await repo.deleteAccount(ctx.db, tenant, id)) === 0) throw notFound('social account', id);
  return { id, deleted: true };
}

/** Statuses a failed refresh leaves; retryable failures leave the status as it was. */
const REFRESH_FAILURE_STATUS: Partial<Record<PlatformError['kind'], AccountStatus>> = {
  auth_expired: 'expired',
  permanent: 'error',
  invalid_content: 'error',
};

/**
 * Refreshes an account's tokens through its connector (for the token-refresh job and the publisher).
 *
 * - Success: new tokens sealed, expiry updated, status `connected`, `lastError` cleared.
 * - `auth_expired`: status `expired` (the user must reconnect); `permanent`: status `error`. Both are
 *   recorded in `lastError` and the account is returned: retrying would not help.
 * - `transient` / `rate_limited`: `lastError` recorded, status unchanged, the `PlatformError` rethrown so
 *   that the caller retries later.
 *
 * Concurrent refreshes of one account are safe: every write is conditional on the access token read
 * before the call, so a failure never overwrites tokens another refresh just stored.
 */
export async function refreshAccount(ctx: AccountsContext, accountId: string): Promise<SocialAccount> {
  const row = await repo.findAccountById(ctx.db, accountId);
  if (!row) throw notFound('social account', accountId);
  const tenant: Tenant = { organizationId: row.organization_id, environment: row.environment };
  if (row.status === 'expired' || row.status === 'revoked') {
    throw new AppError('CONFLICT', `The social account is ${row.status}; connect it again`, {
      problem: 'account_not_connected',
      status: row.status,
    });
  }
  const connector = ctx.connectors.get(row.platform, row.environment);
  if (!connector) {
    throw new AppError('SERVICE_UNAVAILABLE', `No ${row.platform} connector is configured on this server`);
  }
  let fresh: OAuthTokens;
  try {
    fresh = await connector.refresh(openTokens(ctx, row));
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    const status = REFRESH_FAILURE_STATUS[error.kind] ?? row.status;
    const changes = {
      status,
      last_error: clip(`${error.code}: ${error.message}`, MAX_ACCOUNT_ERROR_LENGTH),
      updated_at: Math.max(ctx.clock.now(), row.updated_at + 1),
    };
    const updated = await repo.updateAccount(ctx.db, tenant, row.id, changes, row.access_token_enc);
    if (error.retryable) throw error;
    return toAccount(
      updated > 0 ? { ...row, ...changes } : ((await repo.findAccountById(ctx.db, row.id)) ?? row),
    );
  }
  const now = ctx.clock.now();
  const changes = {
    ...sealTokens(ctx, row.id, fresh),
    // A platform that does not rotate refresh tokens answers none: the old one stays valid.
    ...(fresh.refreshToken === null ? { refresh_token_enc: row.refresh_token_enc } : {}),
    scopes: fresh.scopes.length > 0 ? JSON.stringify(fresh.scopes) : row.scopes,
    status: 'connected' as const,
    last_error: null,
    last_refreshed_at: now,
    updated_at: Math.max(now, row.updated_at + 1),
  };
  if ((await repo.updateAccount(ctx.db, tenant, row.id, changes, row.access_token_enc)) === 0) {
    // Another refresh (or a reconnect) stored newer tokens meanwhile: theirs stand.
    const current = await repo.findAccountById(ctx.db, row.id);
    if (!current) throw notFound('social account', accountId);
    return toAccount(current);
  }
  return toAccount({ ...row, ...changes });
}

export interface DueAccount {
  id: string;
  organizationId: string;
  environment: Environment;
  platform: string;
  tokenExpiresAt: number;
}

/** Connected accounts whose token expires before `before` (epoch ms), soonest first, across tenants. */
export async function accountsDueForRefresh(
  db: Kysely<Database>,
  before: number,
  limit = 100,
): Promise<DueAccount[]> {
  const rows = await repo.dueForRefresh(db, before, limit);
  return rows.map((r) => ({
    id: r.id,
    organizationId: r.organization_id,
    environment: r.environment,
    platform: r.platform,
    tokenExpiresAt: r.token_expires_at,
  }));
}

/** What a connector's `publish` needs to act as the account (`PublishRequest.account`), plus its identity. */
export interface PublishingAccount {
  id: string;
  platform: string;
  platformAccountId: string;
  accessToken: string;
  metadata: Record<string, string>;
}

/**
 * The account a post that names none (`socialAccountId` null) publishes through: its brand's only account
 * of its platform, whatever that account's status (a disconnected one then fails as a named one would).
 * `undefined` when the brand has no account of that platform; an `AppError` (400 naming
 * `socialAccountId`, `details.problem` `account_ambiguous`) when it has several.
 */
export async function soleAccountId(
  ctx: ServiceContext,
  tenant: Tenant,
  post: { brandId: string; platform: string },
): Promise<string | undefined> {
  const rows = await repo
    .accountsQuery(ctx.db, tenant, { brandId: post.brandId, platform: post.platform })
    .clearSelect()
    .select('id')
    .orderBy('id')
    .limit(6)
    .execute();
  if (rows.length <= 1) return rows[0]?.id;
  const listed = rows.slice(0, 5).map((r) => r.id);
  const reason =
    `Brand ${post.brandId} has several ${post.platform} accounts (${listed.join(', ')}` +
    `${rows.length > listed.length ? ', …' : ''}); name the one to publish through`;
  throw invalidInput([{ field: 'socialAccountId', reason }], undefined, {
    problem: 'account_ambiguous',
    accounts: listed,
  });
}

/** A token this close to expiry is refreshed before it is handed to the publisher. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * The decrypted access token and connector metadata of the account a post publishes through. Fails with
 * an `AppError` whose `details.problem` is `account_missing` (404), `account_mismatch` (400 on field
 * `socialAccountId`: another brand or platform than the post's) or `account_not_connected` (409: expired,
 * revoked or in error). A
 * token about to expire is refreshed first; a retryable refresh failure is rethrown as its `PlatformError`.
 */
export async function getPublishingAccount(
  ctx: AccountsContext,
  tenant: Tenant,
  accountId: string,
  post: { brandId: string; platform: string },
): Promise<PublishingAccount> {
  let row = await repo.findAccount(ctx.db, tenant, accountId);
  if (!row) {
    throw new AppError(
      'NOT_FOUND',
      `No social account with id '${accountId}'; it may have been disconnected`,
      { problem: 'account_missing' },
    );
  }
  if (row.brand_id !== post.brandId || row.platform !== post.platform) {
    const reason = `Is a ${row.platform} account of brand ${row.brand_id}, not a ${post.platform} account of brand ${post.brandId}`;
    throw invalidInput([{ field: 'socialAccountId', reason }], undefined, { problem: 'account_mismatch' });
  }
  if (
    row.status === 'connected' &&
    row.token_expires_at !== null &&
    row.token_expires_at <= ctx.clock.now() + REFRESH_MARGIN_MS
  ) {
    await refreshAccount(ctx, row.id);
    row = (await repo.findAccount(ctx.db, tenant, accountId)) ?? row;
  }
  if (row.status !== 'connected') {
    throw new AppError(
      'CONFLICT',
      `The social account ${accountId} is ${row.status}${row.last_error ? ` (${row.last_error})` : ''}; connect it again`,
      { problem: 'account_not_connected', status: row.status },
    );
  }
  return {
    id: row.id,
    platform: row.platform,
    platformAccountId: row.platform_account_id,
    accessToken: ctx.tokens.open(row.access_token_enc, row.id),
    metadata: JSON.parse(row.metadata) as Record<string, string>,
  };
}
