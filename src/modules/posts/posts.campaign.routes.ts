import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { listParams } from '../../http/list-params.js';
import type { RouteDeps } from '../route-deps.js';
import { IdParams, ListEnvelope } from '../../http/schemas.js';
import { findCampaignRow } from '../campaigns/index.js';
import { postFilterProblems } from './posts.input.js';
import { ListCampaignPostsQuery, POST_DATE_RULE, PostSchema } from './posts.schemas.js';
import { listPosts, parsePostFilters } from './posts.service.js';

const Params = IdParams('Campaign', 'cmp_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');

/**
 * `GET /campaigns/{id}/posts`: a posts query within one campaign. It lives with the posts (which know
 * campaigns) rather than with the campaigns (which do not know posts); it is documented under Campaigns
 * and registered right after the campaigns' own routes.
 */
export async function campaignPostsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { ctx } = deps;

  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof ListCampaignPostsQuery> }>(
    '/campaigns/:id/posts',
    {
      config: { scope: 'read', inputChecks: { query: postFilterProblems } },
      schema: {
        tags: ['Campaigns'],
        operationId: 'listCampaignPosts',
        summary: "List a campaign's posts",
        description:
          'The same filters, sorting and pagination as `GET /posts`, within one campaign: `startDate` ' +
          `(inclusive) and \`endDate\` (exclusive) filter by the post's date. ${POST_DATE_RULE}`,
        params: Params,
        querystring: ListCampaignPostsQuery,
        response: { 200: ListEnvelope(Type.Ref(PostSchema)) },
      },
    },
    async (request) => {
      await findCampaignRow(ctx, request.principal, request.params.id);
      const filters = { ...parsePostFilters(request.query), campaignId: request.params.id };
      return listPosts(ctx, request.principal, listParams(request.query), filters);
    },
  );
}
