import {
  PlatformError,
  type AuthorizationRequest,
  type CodeExchange,
  type ConnectedAccount,
  type ConnectorEnvironment,
  type OAuthTokens,
} from '../connector.js';
import { isRecord, malformedResponse } from './twitter.errors.js';
import { createXClient, requestToken } from './twitter.http.js';

/**
 * OAuth 2.0 Authorization Code Flow with PKCE, as docs.x.com/fundamentals/authentication/oauth-2-0/
 * user-access-token describes it: the user is sent to `https://x.com/i/oauth2/authorize`; the code is
 * traded at `POST https://api.x.com/2/oauth2/token` (form-encoded, with the PKCE verifier); the
 * `refresh_token` grant renews an access token (2 hours) while `offline.access` was granted. X rotates
 * refresh tokens: each refresh answers with a new one and the old one stops working.
 */

/** What Audenci asks for: read and write posts, read the user, stay connected, upload media. */
export const TWITTER_SCOPES = ['tweet.read', 'tweet.write', 'users.read', 'offline.access', 'media.write'];

function clientIdOf(env: ConnectorEnvironment): string {
  if (!env.clientId)
    throw new PlatformError('permanent', 'X is not configured: no client id', 'not_configured');
  return env.clientId;
}

export function authorizationUrl(env: ConnectorEnvironment, request: AuthorizationRequest): string {
  if (!request.codeChallenge) {
    throw new PlatformError('permanent', 'X requires a PKCE code challenge', 'pkce_required');
  }
  const params: [string, string][] = [
    ['response_type', 'code'],
    ['client_id', clientIdOf(env)],
    ['redirect_uri', request.redirectUri],
    ['scope', TWITTER_SCOPES.join(' ')],
    ['state', request.state],
    ['code_challenge', request.codeChallenge],
    ['code_challenge_method', 'S256'],
  ];
  // Percent-encoded the way X's examples are (`%20` between scopes, not `+`).
  const query = params.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&');
  return `${env.authBaseUrl.replace(/\/+$/, '')}/i/oauth2/authorize?${query}`;
}

/** `{token_type, expires_in, access_token, scope, refresh_token}` → our tokens. */
function tokensFrom(body: unknown, nowMs: number, previous: OAuthTokens | null): OAuthTokens {
  if (!isRecord(body) || typeof body.access_token !== 'string') throw malformedResponse('token endpoint');
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : null;
  return {
    accessToken: body.access_token,
    refreshToken:
      typeof body.refresh_token === 'string' ? body.refresh_token : (previous?.refreshToken ?? null),
    expiresAt: expiresIn === null ? null : nowMs + expiresIn * 1000,
    scopes:
      typeof body.scope === 'string'
        ? body.scope.split(' ').filter(Boolean)
        : (previous?.scopes ?? [...TWITTER_SCOPES]),
  };
}

/** The code → tokens → `GET /2/users/me`: one account, the user who authorized. */
export async function exchangeCode(
  env: ConnectorEnvironment,
  exchange: CodeExchange,
): Promise<ConnectedAccount[]> {
  if (!exchange.codeVerifier) {
    throw new PlatformError('permanent', 'X requires the PKCE code verifier', 'pkce_required');
  }
  const body = await requestToken(env, clientIdOf(env), {
    grant_type: 'authorization_code',
    code: exchange.code,
    redirect_uri: exchange.redirectUri,
    code_verifier: exchange.codeVerifier,
  });
  const tokens = tokensFrom(body, env.now(), null);
  const me = await createXClient(env, tokens.accessToken).call('GET', '/2/users/me');
  const user = isRecord(me) && isRecord(me.data) ? me.data : null;
  if (!user || typeof user.id !== 'string' || typeof user.username !== 'string') {
    throw malformedResponse('authenticated user lookup');
  }
  return [
    {
      platformAccountId: user.id,
      name: typeof user.name === 'string' ? user.name : user.username,
      username: user.username,
      tokens,
      metadata: { username: user.username },
    },
  ];
}

export async function refresh(env: ConnectorEnvironment, tokens: OAuthTokens): Promise<OAuthTokens> {
  if (!tokens.refreshToken) {
    throw new PlatformError(
      'auth_expired',
      'No X refresh token (offline.access not granted)',
      'no_refresh_token',
    );
  }
  const body = await requestToken(env, clientIdOf(env), {
    grant_type: 'refresh_token',
    refresh_token: tokens.refreshToken,
  });
  return tokensFrom(body, env.now(), tokens);
}
