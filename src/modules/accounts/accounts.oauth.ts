import { createHash, randomBytes } from 'node:crypto';
import { PlatformError, type ConnectedAccount } from '../../platforms/connector.js';
import { toIso } from '../../shared/clock.js';
import { AppError, invalidInput, type FieldProblem } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import { requireBrand } from '../brands/index.js';
import * as repo from './accounts.repository.js';
import {
  saveConnectedAccount,
  toAccount,
  type AccountsContext,
  type SocialAccount,
} from './accounts.service.js';
import type { OAuthStateRow } from '../../db/tables/accounts.js';

/**
 * The OAuth authorization-code flow (RFC 6749 §4.1, with PKCE S256 per RFC 7636 where the connector
 * uses it). `startConnect` records a single-use `state` (10 minutes) and answers the platform's
 * authorization URL; the platform sends the browser to our callback, where `completeConnect` consumes
 * the state, trades the code for tokens through the connector and stores one account per identity.
 * Neither codes nor tokens are ever logged or returned.
 */

export const STATE_TTL_MS = 10 * 60_000;
/** Expired states are kept this long, so that a late callback says "expired" rather than "unknown". */
const STATE_RETENTION_MS = 24 * 3600_000;
export const CALLBACK_PATH = '/api/v1/social-accounts/callback';

export function callbackUrl(publicUrl: string): string {
  return `${publicUrl}${CALLBACK_PATH}`;
}

/** Associated data of a sealed PKCE verifier: it opens only for its own state. */
const verifierAad = (state: string) => `oauth_state:${state}`;

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface Connection {
  authorizationUrl: string;
  state: string;
  expiresAt: string;
}

/**
 * Whether the callback may send a browser to `uri`: an absolute http(s) URL without credentials whose
 * origin (scheme, host and port) is the public URL's or one the operator allows. Anything else would
 * make the public callback an open redirect. The check is made at connect and again at the callback
 * (the allow-list may have changed in between).
 */
export function redirectAllowed(
  ctx: Pick<AccountsContext, 'publicUrl' | 'redirectOrigins'>,
  uri: string,
): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.hostname === '' || url.username !== '' || url.password !== '') return false;
  return url.origin === new URL(ctx.publicUrl).origin || ctx.redirectOrigins.includes(url.origin);
}

/**
 * The problems of a connect body the body alone shows (with the server's settings): a `redirectUri` on
 * an origin that is not allowed. The brand and the platform's connector are checked when it runs.
 */
export function connectInputProblems(
  ctx: Pick<AccountsContext, 'publicUrl' | 'redirectOrigins'>,
  input: Record<string, unknown>,
): FieldProblem[] {
  if (typeof input.redirectUri !== 'string' || redirectAllowed(ctx, input.redirectUri)) return [];
  return [
    {
      field: 'redirectUri',
      reason:
        `Must be an http(s) URL, without credentials, on this server's origin (${new URL(ctx.publicUrl).origin}) ` +
        'or on an origin the operator allows (AUDENCI_OAUTH_REDIRECT_ORIGINS)',
    },
  ];
}

function checkRedirectUri(ctx: AccountsContext, uri: string): void {
  const problems = connectInputProblems(ctx, { redirectUri: uri });
  if (problems.length) throw invalidInput(problems);
}

export async function startConnect(
  ctx: AccountsContext,
  tenant: Tenant,
  input: { brandId: string; platform: string; redirectUri?: string },
): Promise<Connection> {
  if (input.redirectUri !== undefined) checkRedirectUri(ctx, input.redirectUri);
  await requireBrand(ctx, tenant, input.brandId);
  const connector = ctx.connectors.get(input.platform, tenant.environment);
  if (!connector) {
    throw invalidInput([
      {
        field: 'platform',
        reason: `Connecting ${input.platform} accounts is not available on this server (no connector or no client id configured)`,
      },
    ]);
  }
  const now = ctx.clock.now();
  const state = randomBytes(32).toString('base64url');
  const pkce = connector.usesPkce ? pkcePair() : undefined;
  let authorizationUrl: string;
  try {
    authorizationUrl = connector.authorizationUrl({
      state,
      redirectUri: callbackUrl(ctx.publicUrl),
      ...(pkce ? { codeChallenge: pkce.challenge } : {}),
    });
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      `The ${input.platform} connector cannot start an authorization`,
      {
        platformError: error.code,
      },
    );
  }
  await repo.purgeStates(ctx.db, now - STATE_RETENTION_MS);
  await repo.insertState(ctx.db, tenant, {
    state,
    organization_id: tenant.organizationId,
    environment: tenant.environment,
    brand_id: input.brandId,
    platform: input.platform,
    redirect_uri: input.redirectUri ?? null,
    code_verifier_enc: pkce ? ctx.tokens.seal(pkce.verifier, verifierAad(state)) : null,
    created_at: now,
    expires_at: now + STATE_TTL_MS,
  });
  return { authorizationUrl, state, expiresAt: toIso(now + STATE_TTL_MS) };
}

export interface CallbackQuery {
  code?: string;
  state?: string;
  error?: string;
  error_description?: string;
}

/** Where to send the browser, or (without a client redirect URI) the accounts to answer as JSON. */
export type CallbackOutcome = { redirect: string } | { accounts: SocialAccount[] };

function clientRedirect(uri: string, params: Record<string, string>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

/** A platform's `error` as a short token (`access_denied`…); anything odd becomes `authorization_failed`. */
function errorToken(error: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(error) ? error : 'authorization_failed';
}

const stateProblem = (reason: string) =>
  invalidInput([{ field: 'state', reason }], undefined, { location: 'query' });

/**
 * Completes an authorization. A missing, unknown or already used state is a 400 (there is nowhere else
 * to send the browser). Once the state is known, any failure goes back to the client's `redirectUri` as
 * `status=error&reason=<token>` — or, without one, is thrown as the `AppError` answered as JSON.
 */
export async function completeConnect(ctx: AccountsContext, query: CallbackQuery): Promise<CallbackOutcome> {
  if (query.state === undefined || query.state === '') throw stateProblem('Field is required');
  const pending = await repo.consumeState(ctx.db, query.state);
  if (!pending) {
    throw stateProblem('Is unknown or already used; start again with POST /api/v1/social-accounts/connect');
  }
  // A redirect URI stored before the allow-list changed is not followed: the callback answers JSON.
  const redirectUri =
    pending.redirect_uri !== null && redirectAllowed(ctx, pending.redirect_uri) ? pending.redirect_uri : null;
  const fail = (reason: string, error: AppError): CallbackOutcome => {
    if (redirectUri === null) throw error;
    return {
      redirect: clientRedirect(redirectUri, { status: 'error', reason, state: pending.state }),
    };
  };

  if (pending.expires_at <= ctx.clock.now()) {
    return fail(
      'expired_state',
      stateProblem('Has expired (an authorization must finish within 10 minutes); start again with /connect'),
    );
  }
  if (query.error !== undefined) {
    const token = errorToken(query.error);
    return fail(
      token,
      invalidInput([{ field: 'error', reason: `The platform did not grant access (${token})` }], undefined, {
        location: 'query',
      }),
    );
  }
  if (query.code === undefined || query.code === '') {
    return fail(
      'invalid_request',
      invalidInput([{ field: 'code', reason: 'Field is required' }], undefined, { location: 'query' }),
    );
  }

  let connected: ConnectedAccount[];
  try {
    connected = await exchange(ctx, pending, query.code);
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    if (error.retryable) {
      return fail(
        'platform_unavailable',
        new AppError(
          'BAD_GATEWAY',
          `${pending.platform} did not complete the code exchange; connect again later`,
          {
            platformError: error.code,
          },
        ),
      );
    }
    return fail(
      'exchange_failed',
      invalidInput(
        [{ field: 'code', reason: `The platform refused the authorization code (${error.code})` }],
        undefined,
        { location: 'query' },
      ),
    );
  }
  if (connected.length === 0) {
    return fail(
      'no_accounts',
      invalidInput(
        [
          {
            field: 'code',
            reason: 'The authorization grants no account that can publish (e.g. no Page was selected)',
          },
        ],
        undefined,
        { location: 'query' },
      ),
    );
  }

  const tenant: Tenant = { organizationId: pending.organization_id, environment: pending.environment };
  const accounts: SocialAccount[] = [];
  for (const account of connected) {
    const row = await saveConnectedAccount(
      ctx,
      tenant,
      { brandId: pending.brand_id, platform: pending.platform },
      account,
    );
    accounts.push(toAccount(row));
  }
  if (redirectUri === null) return { accounts };
  return {
    redirect: clientRedirect(redirectUri, {
      status: 'connected',
      accounts: accounts.map((a) => a.id).join(','),
      state: pending.state,
    }),
  };
}

async function exchange(
  ctx: AccountsContext,
  pending: OAuthStateRow,
  code: string,
): Promise<ConnectedAccount[]> {
  const connector = ctx.connectors.get(pending.platform, pending.environment);
  if (!connector) {
    throw new PlatformError('transient', `No ${pending.platform} connector is configured`, 'no_connector');
  }
  const codeVerifier =
    pending.code_verifier_enc !== null
      ? ctx.tokens.open(pending.code_verifier_enc, verifierAad(pending.state))
      : undefined;
  return connector.exchangeCode({
    code,
    redirectUri: callbackUrl(ctx.publicUrl),
    ...(codeVerifier !== undefined ? { codeVerifier } : {}),
  });
}
