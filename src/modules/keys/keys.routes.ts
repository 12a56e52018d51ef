import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { resourceRoutes } from '../../http/resource-routes.js';
import { DataEnvelope, ErrorResponse, IdParams } from '../../http/schemas.js';
import { resourceUrl, type RouteDeps } from '../route-deps.js';
import { auditOrigin } from '../audit/index.js';
import * as schema from './keys.schemas.js';
import * as service from './keys.service.js';
import type { KeyAuthenticator, KeyUsage } from './keys.service.js';
import { canonicalScope } from '../../db/tables/keys.js';

const Params = IdParams('API key', 'key_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const TAGS = ['API keys'];

/** The keys routes also reach the key cache and the usage recorder the authentication uses. */
export interface KeysRouteDeps extends RouteDeps {
  authenticator: KeyAuthenticator;
  keyUsage: KeyUsage;
}

export async function keysRoutes(app: FastifyInstance, deps: KeysRouteDeps): Promise<void> {
  const { ctx, authenticator, keyUsage } = deps;
  const keys = resourceRoutes(app, {
    path: '/api-keys',
    tags: TAGS,
    params: Params,
    item: schema.ApiKeySchema,
  });

  keys.list(
    {
      config: { scope: 'admin' },
      operationId: 'listApiKeys',
      summary: "List this environment's API keys",
      description:
        'Keys are shown by prefix and last four characters; the full key is never shown again. `scope` filters ' +
        'by scope and accepts the aliases `read-only`, `read_only` and `read-write`.',
      querystring: schema.ListApiKeysQuery,
    },
    async (request, page) => {
      const scope = request.query.scope === undefined ? undefined : canonicalScope(request.query.scope);
      return service.listKeys(ctx, request.principal, page, { scope }, keyUsage);
    },
  );

  app.post<{ Body: Static<typeof schema.CreateApiKeyBody> }>(
    '/api-keys',
    {
      config: {
        scope: 'admin',
        inputChecks: { body: (body) => service.keyInputProblems(body, ctx.clock.now()) },
      },
      schema: {
        tags: TAGS,
        operationId: 'createApiKey',
        summary: 'Create an API key',
        description:
          'The key belongs to the same organization and environment as the calling key. `key` is shown only here. ' +
          '`scope` is `read`, `read_write` or `admin`; the spellings `read-only` and `read_only` (for `read`) and ' +
          '`read-write` (for `read_write`) are accepted too, and the answer carries the canonical name.',
        body: schema.CreateApiKeyBody,
        response: { 201: DataEnvelope(Type.Ref(schema.ApiKeyWithSecretSchema)) },
      },
    },
    async (request, reply) => {
      const { scope, name, expiresAt } = request.body;
      const key = await service.createKey(
        ctx.db,
        ctx.clock,
        {
          organizationId: request.principal.organizationId,
          environment: request.principal.environment,
          scope,
          name,
          expiresAt: expiresAt ? Date.parse(expiresAt) : null,
        },
        ctx.counts,
        auditOrigin(request),
      );
      // Nothing remembered as unknown may refuse the new key (its hash is new; this is belt and braces).
      authenticator.forgetUnknown();
      reply.code(201).header('Location', resourceUrl(deps, request, `/api-keys/${key.id}`));
      return { data: key };
    },
  );

  keys.get(
    { config: { scope: 'admin' }, operationId: 'getApiKey', summary: 'Retrieve an API key' },
    (request, id) => service.getKey(ctx, request.principal, id, keyUsage),
  );

  app.delete<{ Params: Static<typeof Params> }>(
    '/api-keys/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: TAGS,
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key',
        description: 'Takes effect at once. The key is kept (status `revoked`) for the record.',
        params: Params,
        response: { 200: DataEnvelope(Type.Ref(schema.ApiKeySchema)) },
      },
    },
    async (request) => {
      const key = await service.revokeKey(
        ctx,
        request.principal,
        request.params.id,
        auditOrigin(request),
        keyUsage,
      );
      authenticator.invalidate();
      return { data: key };
    },
  );

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof schema.RotateApiKeyBody> }>(
    '/api-keys/:id/rotate',
    {
      config: { scope: 'admin' },
      schema: {
        tags: TAGS,
        operationId: 'rotateApiKey',
        summary: 'Rotate an API key',
        description:
          'Issues a new key with the same scope and name. The old key keeps working for `gracePeriodSeconds` ' +
          '(default 24 h), then answers 401. The new `key` is shown only here.',
        params: Params,
        body: schema.RotateApiKeyBody,
        response: {
          409: ErrorResponse('Only an active key can be rotated (`details.status`)'),
          201: DataEnvelope(Type.Ref(schema.ApiKeyWithSecretSchema)),
        },
      },
    },
    async (request, reply) => {
      const key = await service.rotateKey(
        ctx,
        request.principal,
        request.params.id,
        auditOrigin(request),
        request.body.gracePeriodSeconds,
      );
      authenticator.invalidate();
      reply.code(201).header('Location', resourceUrl(deps, request, `/api-keys/${key.id}`));
      return { data: key };
    },
  );
}
