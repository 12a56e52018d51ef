import type { FastifyInstance } from 'fastify';
import { resourceRoutes } from '../../http/resource-routes.js';
import { IdParams } from '../../http/schemas.js';
import type { RouteDeps } from '../route-deps.js';
import { AuditEntrySchema, ListAuditLogQuery } from './audit.schemas.js';
import * as service from './audit.service.js';

const Params = IdParams('Audit entry', 'aud_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');

export async function auditRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { ctx } = deps;
  const entries = resourceRoutes(app, {
    path: '/audit-log',
    tags: ['Audit log'],
    params: Params,
    item: AuditEntrySchema,
  });

  entries.list(
    {
      config: { scope: 'admin' },
      operationId: 'listAuditLog',
      summary: 'List the audit log',
      description:
        'Security-relevant actions — sign-ins, API keys, webhook endpoints, members and roles — of this ' +
        'environment and of the organization itself (`environment: null`), newest first. Filter by ' +
        '`action`, `actorId`, `targetId` and a `createdAt` range (`createdAfter` inclusive, `createdBefore` ' +
        'exclusive).',
      querystring: ListAuditLogQuery,
      answer: 'A page of audit entries',
    },
    (request, page) => service.listAuditLog(ctx, request.principal, page, request.query),
  );
}
