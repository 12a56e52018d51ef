import type { RequestOptions } from '../core/http.js';
import type { PagePromise } from '../core/pagination.js';
import type {
  Deleted,
  SocialAccount,
  SocialAccountAnalytics,
  SocialAccountAnalyticsParams,
  SocialAccountConnectParams,
  SocialAccountConnection,
  SocialAccountListParams,
  SocialAccountSandboxParams,
} from '../types.js';
import { APIResource, seg } from './resource.js';

/** Connected social-network accounts: `/social-accounts`. Tokens are never shown. */
export class SocialAccounts extends APIResource {
  /** Lists accounts (filters `brandId`, `platform`, `status`). */
  list(params?: SocialAccountListParams, options?: RequestOptions): PagePromise<SocialAccount> {
    return this.page<SocialAccount>('/social-accounts', params, options);
  }

  /** Retrieves an account. */
  retrieve(id: string, options?: RequestOptions): Promise<SocialAccount> {
    return this.data('GET', `/social-accounts/${seg(id)}`, { options });
  }

  /**
   * Starts connecting an account (OAuth): send the user to `authorizationUrl`; the platform redirects
   * back to the server, which stores the account and redirects to `redirectUri`.
   */
  connect(params: SocialAccountConnectParams, options?: RequestOptions): Promise<SocialAccountConnection> {
    return this.data('POST', '/social-accounts/connect', { body: params, options });
  }

  /** Test environment only (`sk_test_…` keys): creates a connected sandbox account at once. */
  createSandbox(params: SocialAccountSandboxParams, options?: RequestOptions): Promise<SocialAccount> {
    return this.data('POST', '/social-accounts', { body: params, options });
  }

  /**
   * An account's follower, following and post counts by UTC day, oldest first, each with
   * `followersChange` from the previous day of the answer (`GET /social-accounts/{id}/analytics`).
   * `startDate` (inclusive) and `endDate` (exclusive) take `YYYY-MM-DD` (midnight UTC) or an ISO 8601
   * date-time; the default is the last 90 days, the most 1,000 days.
   */
  analytics(
    id: string,
    params?: SocialAccountAnalyticsParams,
    options?: RequestOptions,
  ): Promise<SocialAccountAnalytics> {
    return this.data('GET', `/social-accounts/${seg(id)}/analytics`, { query: params, options });
  }

  /** Disconnects an account (409 while a scheduled or publishing post uses it). */
  delete(id: string, options?: RequestOptions): Promise<Deleted> {
    return this.data('DELETE', `/social-accounts/${seg(id)}`, { options });
  }
}
