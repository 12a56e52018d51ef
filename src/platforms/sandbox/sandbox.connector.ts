import { randomBytes } from 'node:crypto';
import {
  PlatformError,
  type AccountStats,
  type AccountStatsRequest,
  type AuthorizationRequest,
  type CodeExchange,
  type ConnectedAccount,
  type OAuthTokens,
  type MetricsRequest,
  type PlatformConnector,
  type PostMetrics,
  type PublishRequest,
  type PublishResult,
} from '../connector.js';
import { platformDefinition } from '../platforms.js';
import { sandboxComments, sandboxReply } from './sandbox.comments.js';
import { digitsFrom, sha256 } from './sandbox.ids.js';

/**
 * The built-in sandbox (docs/publishing.md, "The sandbox"): every test-environment key connects and publishes
 * through it, whatever the platform, and it never touches a network. It behaves like a platform where a
 * client can see it: OAuth with PKCE (the "consent screen" approves at once by sending the browser straight
 * back to our callback with a code), expiring tokens that refresh, platform-like post ids and URLs, and
 * failures injected on request (`metadata.sandbox` of a post becomes `PublishRequest.sandbox`).
 *
 * The sandbox serves every platform, so it shapes ids and URLs after `account.metadata.platform`, which
 * the accounts module stores on test-environment accounts.
 */

export interface SandboxOptions {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Our externally visible base URL: like a real platform, the sandbox only redirects to registered URIs. */
  publicUrl: string;
}

export const SANDBOX_HOST = 'https://sandbox.audenci.dev';
/** Sandbox tokens live two hours, as X's do, so the refresh path is exercised in the test environment. */
export const SANDBOX_TOKEN_TTL_MS = 2 * 3600_000;
export const SANDBOX_SCOPES = ['read', 'publish'];

const CODE_PREFIX = 'sbx_code_';
const ACCESS_PREFIX = 'sbx_at_';
const REFRESH_PREFIX = 'sbx_rt_';

/** Fresh sandbox tokens (random, so a stolen test token says nothing about the next one). */
export function sandboxTokens(now: number): OAuthTokens {
  return {
    accessToken: `${ACCESS_PREFIX}${randomBytes(24).toString('base64url')}`,
    refreshToken: `${REFRESH_PREFIX}${randomBytes(24).toString('base64url')}`,
    expiresAt: now + SANDBOX_TOKEN_TTL_MS,
    scopes: [...SANDBOX_SCOPES],
  };
}

/** A sandbox identity; the same `seed` gives the same platform account id (a reconnect finds it again). */
export function sandboxAccount(options: { seed: string; name: string; now: number }): ConnectedAccount {
  const digits = digitsFrom(`account:${options.seed}`, 16);
  const slug = options.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 24);
  return {
    platformAccountId: `sbx_${digits}`,
    name: options.name,
    username: `${slug || 'sandbox'}_${digits.slice(-4)}`,
    tokens: sandboxTokens(options.now),
    metadata: {},
  };
}

interface CodeContent {
  /** The redirect URI the code was issued for; the exchange must repeat it (RFC 6749 §4.1.3). */
  r: string;
  /** The PKCE S256 challenge, when one was sent. */
  c?: string;
}

function encodeCode(content: CodeContent): string {
  return `${CODE_PREFIX}${Buffer.from(JSON.stringify(content)).toString('base64url')}`;
}

function decodeCode(code: string): CodeContent | undefined {
  if (!code.startsWith(CODE_PREFIX)) return undefined;
  try {
    const content = JSON.parse(Buffer.from(code.slice(CODE_PREFIX.length), 'base64url').toString('utf8'));
    return typeof content?.r === 'string' ? (content as CodeContent) : undefined;
  } catch {
    return undefined;
  }
}

function invalidGrant(message: string): PlatformError {
  return new PlatformError('permanent', `Sandbox: ${message}`, 'invalid_grant', { status: 400 });
}

/** A number in [0, 1) derived from `seed` (deterministic). */
function unit(seed: string): number {
  return sha256(seed).readUInt32BE(0) / 2 ** 32;
}

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The share of a post's lifetime audience reached `ageMs` after publishing: a small first burst, then
 * saturating growth (most of it within a day or two, as on real networks). Non-decreasing in age.
 */
export function sandboxGrowth(ageMs: number): number {
  const hours = Math.max(0, ageMs) / HOUR_MS;
  return 0.02 + 0.98 * (1 - Math.exp(-hours / 10));
}

/**
 * Deterministic, plausible metrics for a post `ageMs` after it was published: each post (seeded by its
 * id) has a lifetime reach and rates, scaled by {@link sandboxGrowth}, so every metric is monotone
 * non-decreasing in age. Metrics the platform does not have are null, as the real connectors report.
 */
export function sandboxMetrics(postId: string, platform: string, ageMs: number): PostMetrics {
  const reach = 300 + Math.floor(unit(`reach:${postId}`) * 9700);
  const g = sandboxGrowth(ageMs);
  const count = (rate: number) => Math.floor(reach * rate * g);
  const rate = (name: string, low: number, high: number) => low + unit(`${name}:${postId}`) * (high - low);
  const metrics: PostMetrics = {
    impressions: count(rate('impressions', 1.1, 1.8)),
    reach: count(1),
    likes: count(rate('likes', 0.01, 0.08)),
    comments: count(rate('comments', 0.001, 0.01)),
    shares: count(rate('shares', 0.001, 0.02)),
    saves: count(rate('saves', 0.001, 0.015)),
    clicks: count(rate('clicks', 0.005, 0.04)),
    videoViews: count(rate('views', 0.2, 0.6)),
  };
  // Shaped after what each network reports (its definition's `sandbox.missingMetrics`).
  for (const metric of platformDefinition(platform)?.sandbox.missingMetrics ?? []) metrics[metric] = null;
  return metrics;
}

/** A sandbox account's audience on a day: a base from its id, growing by a few followers a day. */
export function sandboxAccountStats(platformAccountId: string, now: number): AccountStats {
  const base = 100 + Math.floor(unit(`followers:${platformAccountId}`) * 20_000);
  const perDay = 1 + Math.floor(unit(`growth:${platformAccountId}`) * 40);
  const days = Math.floor(now / DAY_MS) - 19_000; // days since mid-2022
  return {
    followers: base + Math.max(0, days) * perDay,
    following: 50 + Math.floor(unit(`following:${platformAccountId}`) * 500),
    posts: 10 + Math.floor(Math.max(0, days) / 3),
  };
}

export function createSandboxConnector(options: SandboxOptions): PlatformConnector {
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  return {
    platform: 'sandbox',
    usesPkce: true,

    /** No consent screen: the browser goes straight back to `redirectUri` with a code, as if approved. */
    authorizationUrl(request: AuthorizationRequest): string {
      if (!request.redirectUri.startsWith(`${publicUrl}/`)) {
        throw invalidGrant(`redirect_uri must be under ${publicUrl}`);
      }
      const url = new URL(request.redirectUri);
      const content: CodeContent = { r: request.redirectUri };
      if (request.codeChallenge !== undefined) content.c = request.codeChallenge;
      url.searchParams.set('code', encodeCode(content));
      url.searchParams.set('state', request.state);
      return url.toString();
    },

    async exchangeCode(exchange: CodeExchange): Promise<ConnectedAccount[]> {
      const content = decodeCode(exchange.code);
      if (!content) throw invalidGrant('the authorization code is not one the sandbox issued');
      if (content.r !== exchange.redirectUri)
        throw invalidGrant('redirect_uri does not match the authorization');
      if (content.c !== undefined) {
        const verifier = exchange.codeVerifier ?? '';
        if (sha256(verifier).toString('base64url') !== content.c) {
          throw invalidGrant('the PKCE code_verifier does not match the code_challenge');
        }
      }
      return [sandboxAccount({ seed: 'sandbox-user', name: 'Sandbox User', now: options.now() })];
    },

    async refresh(tokens: OAuthTokens): Promise<OAuthTokens> {
      if (!tokens.refreshToken?.startsWith(REFRESH_PREFIX)) {
        throw new PlatformError('auth_expired', 'Sandbox: the refresh token is not valid', 'invalid_grant', {
          status: 400,
        });
      }
      return sandboxTokens(options.now());
    },

    /**
     * Deterministic: the same idempotency key always gives the same post id, so a retried attempt after a
     * crash "finds" its earlier result, as a connector should on a platform with idempotent creation.
     */
    async publish(request: PublishRequest): Promise<PublishResult> {
      const steer = request.sandbox;
      if (steer?.outcome === 'fail') {
        throw new PlatformError(
          'invalid_content',
          'Sandbox: publishing failed because metadata.sandbox.outcome is "fail"',
          'sandbox_failure',
          { status: 400 },
        );
      }
      if (steer?.outcome === 'transient') {
        const failures = typeof steer.failures === 'number' ? steer.failures : 1;
        if (request.attempt <= failures) {
          throw new PlatformError(
            'transient',
            `Sandbox: injected transient failure ${request.attempt} of ${failures}`,
            'sandbox_transient',
            { status: 503 },
          );
        }
      }
      const platform = request.account.metadata.platform ?? 'sandbox';
      const id = `sbx_${digitsFrom(
        `post:${request.idempotencyKey}`,
        platformDefinition(platform)?.sandbox.postIdDigits ?? 18,
      )}`;
      return {
        platformPostId: id,
        platformUrl: `${SANDBOX_HOST}/${encodeURIComponent(platform)}/${id}`,
        publishedAt: options.now(),
      };
    },

    /** {@link sandboxMetrics} of the post at its age now. */
    async fetchMetrics(request: MetricsRequest): Promise<PostMetrics> {
      const platform = request.account.metadata.platform ?? 'sandbox';
      return sandboxMetrics(request.postId, platform, options.now() - request.publishedAt);
    },

    async fetchAccountStats(request: AccountStatsRequest): Promise<AccountStats> {
      return sandboxAccountStats(request.account.platformAccountId, options.now());
    },

    /** Synthetic comments that grow with the post's age (`sandbox.comments.ts`). */
    async fetchComments(request) {
      return sandboxComments(request, options.now());
    },

    async replyToComment(request) {
      return sandboxReply(request, options.now());
    },
  };
}
