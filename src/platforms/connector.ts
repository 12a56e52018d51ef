import type { MediaType } from './media.js';

/**
 * The one interface every social network sits behind. A connector speaks its platform's real
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
  /**
   * Test environment only: steers the sandbox (docs/publishing.md, "The sandbox"). Real connectors ignore it.
   */
  sandbox?: { outcome?: 'success' | 'fail' | 'transient'; failures?: number };
}

export interface PublishResult {
  platformPostId: string;
  platformUrl: string;
  /** Epoch ms, as the platform reports it (or when it answered). */
  publishedAt: number;
}

/** The account a comments call acts as (the same shape publishing uses). */
export interface ConnectorAccount {
  platformAccountId: string;
  accessToken: string;
  metadata: Record<string, string>;
}

export interface FetchCommentsRequest {
  /** The post's id on the platform (`PublishResult.platformPostId`). */
  platformPostId: string;
  /** When the post was published (epoch ms); the sandbox grows its synthetic comments from it. */
  publishedAt: number;
  account: ConnectorAccount;
  /**
   * Comments created before this (epoch ms) are already stored; a connector may skip them. Dedupe is the
   * caller's (by comment id), so returning them again is harmless.
   */
  since?: number;
}

/** A comment (or a reply to one) on a published post, as the platform reports it. */
export interface PlatformComment {
  platformCommentId: string;
  /** The comment it answers; null for a comment on the post itself. */
  parentPlatformCommentId: string | null;
  authorId: string | null;
  authorName: string | null;
  authorHandle: string | null;
  text: string;
  /** Epoch ms, the platform's time. */
  createdAt: number;
}

export interface ReplyToCommentRequest {
  platformPostId: string;
  /** The comment answered. */
  platformCommentId: string;
  text: string;
  account: ConnectorAccount;
}

export interface ReplyToCommentResult {
  /** The reply's own comment id on the platform. */
  platformCommentId: string;
  createdAt: number;
}

/**
 * A social network. Publishing is at-least-once from the platform's point of view: each connector
 * documents on its `publish` what happens if the process dies between the platform's answer and our
 * commit, and what it does to make a retried attempt safe.
 */
export interface PlatformConnector extends InsightsConnector {
  /** The registry's name of the network (`platforms.ts`), or `sandbox`. */
  readonly platform: string;
  readonly usesPkce: boolean;
  /** The URL to send the user to. */
  authorizationUrl(request: AuthorizationRequest): string;
  /** Trades an authorization code for tokens and the accounts they can publish as. */
  exchangeCode(exchange: CodeExchange): Promise<ConnectedAccount[]>;
  /** New tokens from a refresh token (or a long-lived token exchange). */
  refresh(tokens: OAuthTokens): Promise<OAuthTokens>;
  publish(request: PublishRequest): Promise<PublishResult>;
  /**
   * The comments on a published post, newest included; at most a few hundred per call (bounded paging).
   * Failures are `PlatformError`s like any other call (`rate_limited` carries `retryAfterSeconds`).
   */
  fetchComments?(request: FetchCommentsRequest): Promise<PlatformComment[]>;
  /** Posts `text` as a reply to a comment, as the account. Not idempotent on any platform. */
  replyToComment?(request: ReplyToCommentRequest): Promise<ReplyToCommentResult>;
}

/** What a metrics call needs to find a published post on its platform. */
export interface MetricsRequest {
  /** The platform's id of the post (`platformPostId`). */
  platformPostId: string;
  /** Our post id: the sandbox derives its numbers from it. */
  postId: string;
  /** When the post was published (epoch ms). */
  publishedAt: number;
  account: { platformAccountId: string; accessToken: string; metadata: Record<string, string> };
}

/**
 * A post's lifetime metrics as the platform reports them now; `null` where the platform has no such
 * metric (or does not grant it to this token). Counts, never rates.
 */
export interface PostMetrics {
  impressions: number | null;
  reach: number | null;
  likes: number | null;
  comments: number | null;
  shares: number | null;
  saves: number | null;
  clicks: number | null;
  videoViews: number | null;
}

/** An account's audience now. */
export interface AccountStats {
  followers: number;
  following: number | null;
  posts: number | null;
}

/** The account-level request: the identity and its token. */
export interface AccountStatsRequest {
  account: { platformAccountId: string; accessToken: string; metadata: Record<string, string> };
}

/**
 * Optional insights capabilities of a connector (a connector without them is skipped by the metrics
 * sync). Both are read-only and safe to retry; failures are classified like publishing's.
 */
export interface InsightsConnector {
  fetchMetrics?(request: MetricsRequest): Promise<PostMetrics>;
  fetchAccountStats?(request: AccountStatsRequest): Promise<AccountStats>;
}
