/**
 * Social accounts: the platform identities a brand publishes as, their OAuth connection and their
 * tokens (sealed at rest with the secret box, never shown by the API).
 */
export { ACCOUNT_STATUSES, type AccountStatus } from '../../db/tables/accounts.js';
export {
  /** The accounts module's context: the service context plus the connector registry and the token box. */
  accountsContext,
  /**
   * Connected accounts whose token expires before `before` (epoch ms), soonest first, across tenants
   * (at most `limit`, default 100). The token-refresh job sweeps with it and calls `refreshAccount`.
   */
  accountsDueForRefresh,
  /** The account row of a tenant, or a 404 `AppError` (posts check `socialAccountId` with it). */
  findAccountRow,
  getAccount,
  /**
   * For the publisher: the decrypted access token and connector metadata of a post's account, refreshed
   * first when it is about to expire. Fails with an `AppError` whose `details.problem` is
   * `account_missing` (404), `account_mismatch` (400) or `account_not_connected` (409).
   */
  getPublishingAccount,
  /**
   * Refreshes one account's tokens through its connector. `auth_expired` marks it `expired` and
   * `permanent` marks it `error` (both returned, not thrown: retrying will not help); a retryable
   * `PlatformError` is recorded in `lastError` and rethrown for the job to retry.
   */
  refreshAccount,
  /**
   * The brand's only account of a platform, for a post without `socialAccountId`: undefined when there is
   * none, a 400 `AppError` (`account_ambiguous`) when there are several.
   */
  soleAccountId,
  testKeyCommand,
  toAccount,
  type AccountsContext,
  type DueAccount,
  type PublishingAccount,
  type SocialAccount,
} from './accounts.service.js';
export { tokenRefreshTask, type TokenRefreshOptions } from './accounts.jobs.js';
export { CALLBACK_PATH, callbackUrl } from './accounts.oauth.js';
export { SocialAccountSchema } from './accounts.schemas.js';
export { accountsRoutes, type AccountsRouteDeps } from './accounts.routes.js';
