import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { DataEnvelope } from '../../http/schemas.js';
import type { RouteDeps } from '../route-deps.js';
import { OrganizationSchema } from './organizations.schemas.js';
import { getOrganization } from './organizations.service.js';

export async function organizationsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get(
    '/organization',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['Organization'],
        operationId: 'getOrganization',
        summary: 'The organization of the calling API key',
        description: 'Its plan and the rate limit that applies to each of its environments.',
        response: { 200: DataEnvelope(Type.Ref(OrganizationSchema), 'The organization') },
      },
    },
    async (request) => ({ data: await getOrganization(deps.ctx.db, request.principal.organizationId) }),
  );
}
