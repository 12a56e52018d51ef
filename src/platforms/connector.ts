import type { MediaType, Platform } from './rules.js';

/**
 * The one interface every social network sits behind (STYLE 7). A connector speaks its platform's real
 * HTTP API at a configurable base URL; it knows nothing of the database, Fastify or the queue. Rules and
 * capabilities are data (`rules.ts`); failures are classified into `PlatformErrorKind` from HTTP status
 * and the platform's error codes — never from message text.
 */

/**
 * - `auth_expired`: the token is expired or revoked; refresh it or ask the user to reconnect.
 * - `rate_limited`: the platform asked us to slow down; retry after `retryAfterSeconds`.
 * - `invalid_content`: the platform refused this content (length, media, duplicate): do not retry.
 * - `transient`: network error, timeout or 5xx: retry with backoff.
 * - `permanent`: anything else that will not succeed by retrying (permissions, deleted account).
 */
export type PlatformErrorKind =
  'auth_expired' | 'rate_limited' | 'invalid_content' | 'transient' | 'permanent';

export class PlatformError extends Error {
  constructor(
    readonly kind: PlatformErrorKind,
    message: string,
    /** The platform's own error code when it gave one (e.g. Graph `190`, X `403`), else our own. */
    readonly code: string,
    readonly options: { status?: number; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'PlatformError';
  }

  get retryable(): boolean {
    return this.kind === 'transient' || this.kind === 'rate_limited';
  }
}

export interface ConnectorEnvironment {
  /** Platform API base URL (e.g. `https://api.x.com`); tests point it at a local server. */
  apiBaseUrl: string;
  /** Where the user is sent to authorize (e.g. `https://x.com`). */
  authBaseUrl: string;
  clientId: string | undefined;
  clientSecret: string | undefined;
  fetch: typeof fetch;
  /** Milliseconds since the epoch. */
  now(): number;
  /** Per-request timeout. */
  timeoutMs: number;
}

export interface OAuthTokens {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms; null when the token does not expire (or the platform does not say). */
  expiresAt: number | null;
  scopes: string[];
}

/** One publishable identity the user authorized (an X user, a Facebook Page, an Instagram business account). */
export interface ConnectedAccount {
  platformAccountId: string;
  name: string;
  username: string | null;
  /** Tokens to publish as this account (a Page has its own token, distinct from the user's). */
  tokens: OAuthTokens;
  /** Connector-specific data it needs later (e.g. the Page id behind an Instagram account). */
  metadata: Record<string, string>;
}

export interface AuthorizationRequest {
  state: string;
  redirectUri: string;
  /** PKCE S256 challenge, for connectors with `usesPkce`. */
  codeChallenge?: string;
}

export interface CodeExchange {
  code: string;
  redirectUri: string;
  /** PKCE verifier, for connectors with `usesPkce`. */
  codeVerifier?: string;
}

export interface PublishMedia {
  id: string;
  type: MediaType;
  mimeType: string;
  /** A public URL the platform can fetch (Graph API pulls media by URL). */
  url: string;
  /** The bytes, for platforms that take uploads (X). */
  read(): Promise<Buffer>;
}

export interface PublishRequest {
  /**
   * Stable for every attempt at publishing one post. Connectors pass it to the platform where it
   * supports idempotent creation, and use it to look for an earlier attempt's result where it does not.
   */
  idempotencyKey: string;
  /** Which attempt this is (1-based). */
  attempt: number;
  /** When the first attempt began (epoch ms): a retry looks for that attempt's post from then on. */
  firstAttemptAt?: number;
  caption: string;
  link: string | null;
  firstComment: string | null;
  media: PublishMedia[];
  account: { platformAccountId: string; accessToken: string; metadata: Record<string, string> };
  /** Test environment only: steers the sandbox (CONTRACT §7). Real connectors ignore it. */
  sandbox?: { outcome?: 'success' | 'fail' | 'transient'; failures?: number };
}

export interface PublishResult {
  platformPostId: string;
  platformUrl: string;
  /** Epoch ms, as the platform reports it (or when it answered). */
  publishedAt: number;
}

/**
 * A social network. Publishing is at-least-once from the platform's point of view: each connector
 * documents on its `publish` what happens if the process dies between the platform's answer and our
 * commit, and what it does to make a retried attempt safe.
 */
export interface PlatformConnector {
  readonly platform: Platform | 'sandbox';
  readonly usesPkce: boolean;
  /** The URL to send the user to. */
  authorizationUrl(request: AuthorizationRequest): string;
  /** Trades an authorization code for tokens and the accounts they can publish as. */
  exchangeCode(exchange: CodeExchange): Promise<ConnectedAccount[]>;
  /** New tokens from a refresh token (or a long-lived token exchange). */
  refresh(tokens: OAuthTokens): Promise<OAuthTokens>;
  publish(request: PublishRequest): Promise<PublishResult>;
}
