import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { DataEnvelope } from '../../http/schemas.js';
import { auditOrigin } from '../audit/index.js';
import type { RouteDeps } from '../route-deps.js';
import { OrganizationSchema, UpdateOrganizationBody } from './organizations.schemas.js';
import { getOrganization, renameOrganization, type Organization } from './organizations.service.js';

/** The caller's environment's requests this window, from the request's own rate-limit check. */
function usageOf(request: FastifyRequest) {
  const limit = request.rateLimit;
  // Every authenticated request is counted before its handler runs.
  if (!limit) throw new Error('The request has not been through its rate-limit check');
  const { environment } = request.principal;
  return {
    environment,
    used: Math.max(0, limit.limit - limit.remaining),
    remaining: limit.remaining,
    resetAt: new Date(limit.resetAt).toISOString(),
  };
}

const withUsage = (organization: Organization, request: FastifyRequest) => ({
  data: { ...organization, usage: usageOf(request) },
});

export async function organizationsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get(
    '/organization',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['Organization'],
        operationId: 'getOrganization',
        summary: 'The organization of the calling API key',
        description:
          'Its plan, the rate limit that applies to each of its environments, and `usage`: the requests ' +
          "of the caller's environment in the current window, this one included.",
        response: { 200: DataEnvelope(Type.Ref(OrganizationSchema), 'The organization') },
      },
    },
    async (request) =>
      withUsage(await getOrganization(deps.ctx.db, request.principal.organizationId), request),
  );

  app.patch<{ Body: Static<typeof UpdateOrganizationBody> }>(
    '/organization',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Organization'],
        operationId: 'updateOrganization',
        summary: 'Rename the organization',
        description: 'Recorded as `organization.updated` with the name before and after.',
        body: UpdateOrganizationBody,
        response: { 200: DataEnvelope(Type.Ref(OrganizationSchema), 'The organization') },
      },
    },
    async (request) => {
      const organization = await renameOrganization(
        deps.ctx.db,
        deps.ctx.clock,
        request.principal.organizationId,
        request.body.name,
        auditOrigin(request),
      );
      return withUsage(organization, request);
    },
  );
}
