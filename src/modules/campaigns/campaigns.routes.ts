import type { FastifyInstance } from 'fastify';
import { resourceUrl, type RouteDeps } from '../route-deps.js';
import { resourceRoutes } from '../../http/resource-routes.js';
import { ErrorResponse, IdParams } from '../../http/schemas.js';
import type { Tenant } from '../../shared/tenant.js';
import { campaignInputProblems } from './campaigns.input.js';
import * as schema from './campaigns.schemas.js';
import * as service from './campaigns.service.js';

const Params = IdParams('Campaign', 'cmp_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const TAGS = ['Campaigns'];
const readOnly = schema.CAMPAIGN_READ_ONLY_FIELDS;
const TRANSITIONS_NOTE = '`status` follows DRAFT → ACTIVE → COMPLETED, any → ARCHIVED (else 409).';
const TRANSITION_REFUSED = ErrorResponse(
  'The campaign cannot move to that `status` (`details.from`, `details.to`, `details.allowed`)',
);

export interface CampaignsRouteDeps extends RouteDeps {
  /**
   * After a campaign is deleted: its posts are kept without a campaign, so the posts module drops what it
   * cached about them (the app wires it; campaigns do not know posts). `GET /campaigns/{id}/posts` is a
   * posts route for the same reason.
   */
  afterDelete(tenant: Tenant): void;
}

export async function campaignsRoutes(app: FastifyInstance, deps: CampaignsRouteDeps): Promise<void> {
  const { ctx } = deps;
  const campaigns = resourceRoutes(app, {
    path: '/campaigns',
    tags: TAGS,
    params: Params,
    item: schema.CampaignSchema,
  });

  campaigns.list(
    {
      config: { scope: 'read' },
      operationId: 'listCampaigns',
      summary: 'List campaigns',
      description: 'Filter by `brandId` and `status`; sort by `createdAt` (default) or `startDate`.',
      querystring: schema.ListCampaignsQuery,
    },
    async (request, page) => {
      const { brandId, status } = request.query;
      return service.listCampaigns(ctx, request.principal, page, { brandId, status });
    },
  );

  campaigns.create(
    {
      config: { scope: 'read_write', inputChecks: { body: (body) => campaignInputProblems(body, true) } },
      preValidation: readOnly.refuse,
      operationId: 'createCampaign',
      summary: 'Create a campaign',
      description:
        '`endDate` must be after `startDate`. A new campaign is DRAFT unless `status: ACTIVE` is given.',
      body: schema.CreateCampaignBody,
    },
    (request) => service.createCampaign(ctx, request.principal, request.body),
    (request, path) => resourceUrl(deps, request, path),
  );

  campaigns.get(
    { config: { scope: 'read' }, operationId: 'getCampaign', summary: 'Retrieve a campaign' },
    (request, id) => service.getCampaign(ctx, request.principal, id),
  );

  campaigns.edit(
    {
      config: { scope: 'read_write', inputChecks: { body: (body) => campaignInputProblems(body, false) } },
      readOnly,
      current: (request, id) => service.getCampaign(ctx, request.principal, id),
      errors: { 409: TRANSITION_REFUSED },
      replace: {
        operationId: 'replaceCampaign',
        summary: 'Replace a campaign',
        description:
          'PUT replaces the editable fields: `brandId`, `name`, `startDate` and `endDate` are required; ' +
          '`description` and `goal` left out become null and `platforms` empty; `status` left out stays. Use ' +
          'PATCH to change some fields only. The body may carry the read-only fields (`id`, `startedAt`, ' +
          '`createdAt`, `updatedAt`) exactly as GET returned them, so a campaign read with GET can be sent back ' +
          `edited; a read-only field with another value is 400 naming it. ${TRANSITIONS_NOTE}`,
        body: schema.ReplaceCampaignBody,
      },
      update: {
        operationId: 'updateCampaign',
        summary: 'Update some fields of a campaign',
        description:
          'PATCH changes the fields it names; fields left out are unchanged. Read-only fields are refused ' +
          `(400). ${TRANSITIONS_NOTE}`,
        body: schema.UpdateCampaignBody,
      },
    },
    (request, id, mode) => service.updateCampaign(ctx, request.principal, id, request.body, mode),
  );

  campaigns.delete(
    {
      config: { scope: 'read_write' },
      operationId: 'deleteCampaign',
      summary: 'Delete a campaign',
      description: 'Its posts are kept, without a campaign.',
    },
    (request, id) =>
      service.deleteCampaign(ctx, request.principal, id, () => deps.afterDelete(request.principal)),
  );
}
