import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { resourceUrl, type RouteDeps } from '../route-deps.js';
import { resourceRoutes } from '../../http/resource-routes.js';
import { DataEnvelope, ErrorResponse, IdParams } from '../../http/schemas.js';
import { PLATFORM_LIMITS } from '../../platforms/bounds.js';
import type { ConnectorRegistry } from '../../platforms/registry.js';
import type { SecretBox } from '../../shared/secret-box.js';
import { completeConnect, connectInputProblems, startConnect } from './accounts.oauth.js';
import * as schema from './accounts.schemas.js';
import * as service from './accounts.service.js';

const Params = IdParams('Social account', 'acct_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const TAGS = ['Social accounts'];
/** Why changes need `read_write` and not `admin`: accounts are content set-up, not organization settings. */
const SCOPE_NOTE =
  'Connecting and disconnecting accounts is content set-up, like creating posts: it needs `read_write`, ' +
  'not `admin` (which is kept for API keys, webhooks, brands and organization settings).';

export interface AccountsRouteDeps extends RouteDeps {
  connectors: ConnectorRegistry;
  tokenBox: SecretBox;
}

export async function accountsRoutes(app: FastifyInstance, deps: AccountsRouteDeps): Promise<void> {
  const ctx = service.accountsContext(deps.ctx, {
    ...deps,
    redirectOrigins: deps.config.oauthRedirectOrigins,
  });
  const accounts = resourceRoutes(app, {
    path: '/social-accounts',
    tags: TAGS,
    params: Params,
    item: schema.SocialAccountSchema,
  });

  accounts.list(
    {
      config: { scope: 'read' },
      operationId: 'listSocialAccounts',
      summary: 'List social accounts',
      description: 'Filter by `brandId`, `platform` and `status`. Tokens are never shown.',
      querystring: schema.ListAccountsQuery,
      answer: 'A page of social accounts',
    },
    async (request, page) => {
      const { brandId, platform, status } = request.query;
      return service.listAccounts(ctx, request.principal, page, { brandId, platform, status });
    },
  );

  accounts.create(
    {
      config: { scope: 'read_write' },
      operationId: 'createSocialAccount',
      summary: 'Create a sandbox social account (test environment)',
      description:
        'With a test key (`sk_test_…`), creates a connected sandbox account at once: no OAuth, nothing reaches a ' +
        'real network. With a live key it answers 400: live accounts are connected through ' +
        '`POST /social-accounts/connect`. ' +
        SCOPE_NOTE,
      body: schema.CreateAccountBody,
      answer: 'The sandbox account, connected',
    },
    (request) => service.createSandboxAccount(ctx, request.principal, request.body),
    (request, path) => resourceUrl(deps, request, path),
  );

  app.post<{ Body: Static<typeof schema.ConnectBody> }>(
    '/social-accounts/connect',
    {
      config: { scope: 'read_write', inputChecks: { body: (body) => connectInputProblems(ctx, body) } },
      schema: {
        tags: TAGS,
        operationId: 'connectSocialAccount',
        summary: 'Start connecting a social account (OAuth)',
        description:
          "Answers the platform's authorization URL: send the user's browser there. Once they approve, the platform " +
          'redirects to `GET /social-accounts/callback`, which stores the account(s) and then sends the browser to your ' +
          "`redirectUri`, which must be on the origin of this server's public URL (`AUDENCI_PUBLIC_URL`) or on one " +
          'the operator allows (`AUDENCI_OAUTH_REDIRECT_ORIGINS`): any other is 400 naming `redirectUri`, so the ' +
          'public callback never redirects elsewhere. The attempt is valid for 10 minutes and completes once. ' +
          'In the test environment the sandbox approves at once: the URL leads straight to the callback. ' +
          SCOPE_NOTE,
        body: schema.ConnectBody,
        response: { 200: DataEnvelope(schema.ConnectionSchema, 'Where to send the user') },
      },
    },
    async (request) => ({ data: await startConnect(ctx, request.principal, request.body) }),
  );

  app.get<{ Querystring: Static<typeof schema.CallbackQuery> }>(
    '/social-accounts/callback',
    {
      // The code is exchanged for tokens with the platform while the request waits.
      config: { scope: 'public', outbound: true },
      // A HEAD (a link preview, a prefetch) must not consume a single-use state.
      exposeHeadRoute: false,
      // The authorization code and state are secrets in flight: the request log shows them redacted
      // (src/shared/redact.ts, applied to every request's log line).
      schema: {
        tags: TAGS,
        operationId: 'socialAccountCallback',
        summary: 'OAuth callback (the platform redirects the browser here)',
        description:
          'Not called by API clients: the platform sends the browser here with `code` and `state` (or `error`). ' +
          'It needs no API key — the single-use `state` made by `POST /social-accounts/connect` identifies the ' +
          'attempt. Redirects (302) to the `redirectUri` given at connect with `status=connected&accounts=acct_…` ' +
          'or `status=error&reason=…`, plus `state`; without a `redirectUri` (or with one no longer on an allowed ' +
          'origin) it answers JSON. An unknown or used ' +
          '`state` is always a 400.',
        querystring: schema.CallbackQuery,
        response: {
          200: DataEnvelope(
            Type.Array(Type.Ref(schema.SocialAccountSchema), { maxItems: PLATFORM_LIMITS.accounts }),
            'The accounts connected (no redirectUri)',
          ),
          302: Type.Null({ description: "Back to the client's redirectUri, with the outcome in its query" }),
          502: ErrorResponse(
            'The platform refused or failed the code exchange, and no `redirectUri` was given to report it to',
          ),
        },
      },
    },
    async (request, reply) => {
      const outcome = await completeConnect(ctx, request.query);
      if ('redirect' in outcome) return reply.redirect(outcome.redirect, 302);
      return { data: outcome.accounts };
    },
  );

  accounts.get(
    {
      config: { scope: 'read' },
      operationId: 'getSocialAccount',
      summary: 'Retrieve a social account',
      answer: 'The social account',
    },
    (request, id) => service.getAccount(ctx, request.principal, id),
  );

  accounts.delete(
    {
      config: { scope: 'read_write' },
      operationId: 'deleteSocialAccount',
      summary: 'Disconnect a social account',
      description:
        'Deletes the account and its tokens from Audenci (to withdraw access entirely, also remove the app in the ' +
        "platform's settings). Refused (409) while a SCHEDULED or PUBLISHING post uses it. " +
        SCOPE_NOTE,
      answer: 'The account was disconnected',
      errors: { 409: ErrorResponse('A SCHEDULED or PUBLISHING post will publish through the account') },
    },
    (request, id) => service.deleteAccount(ctx, request.principal, id),
  );
}
