import type { Insertable, Selectable } from 'kysely';
import type { TenantColumns, TenantRow, Timestamps } from './common-columns.js';

/**
 * - `connected`: tokens work (as far as we know) and posts can be published.
 * - `expired`: the platform refused the token and the refresh; the user must connect again.
 * - `revoked`: the user withdrew our access on the platform.
 * - `error`: the platform refused a refresh for another permanent reason (see `last_error`).
 */
export const ACCOUNT_STATUSES = ['connected', 'expired', 'revoked', 'error'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** Longest `last_error` kept (the platform's error code and message); a longer one is cut. */
export const MAX_ACCOUNT_ERROR_LENGTH = 1000;

export interface SocialAccountsTable extends TenantRow, Timestamps {
  brand_id: string;
  platform: string;
  /** The platform's id of the user, Page or business account. */
  platform_account_id: string;
  name: string;
  username: string | null;
  status: AccountStatus;
  /** Secret-box sealed (AAD = the account id). Never leaves the server. */
  access_token_enc: string;
  /** Secret-box sealed (AAD = the account id); null when the platform gave none. */
  refresh_token_enc: string | null;
  token_expires_at: number | null;
  /** JSON array of the OAuth scopes granted. */
  scopes: string;
  /** JSON object of connector data (e.g. the Page behind an Instagram account); not shown by the API. */
  metadata: string;
  last_refreshed_at: number | null;
  last_error: string | null;
}

export type SocialAccountRow = Selectable<SocialAccountsTable>;
export type NewSocialAccountRow = Insertable<SocialAccountsTable>;

/** A pending OAuth authorization: created by `POST /social-accounts/connect`, consumed once by the callback. */
export interface OAuthStatesTable extends TenantColumns {
  /** 32 random bytes, base64url: the OAuth `state`. */
  state: string;
  brand_id: string;
  platform: string;
  /** Where the browser goes after the callback (the client's page); null → the callback answers JSON. */
  redirect_uri: string | null;
  /** PKCE verifier, secret-box sealed (AAD = `oauth_state:<state>`); null without PKCE. */
  code_verifier_enc: string | null;
  created_at: number;
  expires_at: number;
}

export type OAuthStateRow = Selectable<OAuthStatesTable>;
