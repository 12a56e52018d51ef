import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AiProvider } from '../../ai/index.js';
import { refuseReadOnly } from '../../http/read-only.js';
import { resourceUrl, type RouteDeps } from '../route-deps.js';
import { resourceRoutes } from '../../http/resource-routes.js';
import { DataEnvelope, ErrorResponse, IdParams } from '../../http/schemas.js';
import * as schema from './plans.schemas.js';
import { planInputProblems } from './plans.input.js';
import * as service from './plans.service.js';

const Params = IdParams('Plan', 'plan_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const TAGS = ['Plans'];
const readOnly = refuseReadOnly(schema.PLAN_READ_ONLY);

export interface PlansRouteDeps extends RouteDeps {
  /** Writes the items' captions. */
  ai: AiProvider;
}

export async function plansRoutes(app: FastifyInstance, deps: PlansRouteDeps): Promise<void> {
  const { ctx, ai } = deps;
  /** The body's rules at the time of the request; a calendar date's zone may need the brand's (service). */
  const planChecks = (body: Record<string, unknown>) => planInputProblems(body, ctx.clock.now());
  const plans = resourceRoutes(app, { path: '/plans', tags: TAGS, params: Params, item: schema.PlanSchema });

  app.post<{ Body: Static<typeof schema.PreviewPlanBody> }>(
    '/plans/generate-preview',
    {
      config: { scope: 'read_write', outbound: true, inputChecks: { body: planChecks } },
      schema: {
        tags: TAGS,
        operationId: 'previewPlan',
        summary: 'Generate a content plan preview',
        description:
          'Proposes dated drafts over [startDate, endDate): `postsPerWeek` per platform per week ' +
          '(`round(postsPerWeek × days ÷ 7)` over the part of the range still ahead, at least 1), spread ' +
          "evenly, at each platform's good posting times in the plan's time zone (default the brand's), " +
          'at least 2 hours from the brand’s scheduled posts and planned drafts on that platform, pillars ' +
          "rotating, captions valid for the platform's text rules. The same input gives the same plan. " +
          'Nothing is saved.',
        body: schema.PreviewPlanBody,
        response: {
          502: ErrorResponse('The AI provider answered with an error or an unusable answer'),
          200: DataEnvelope(Type.Ref(schema.PlanPreviewSchema), 'The proposed items and a summary'),
        },
      },
    },
    async (request) => ({ data: await service.previewPlan(ctx, ai, request.principal, request.body) }),
  );

  plans.list(
    {
      config: { scope: 'read' },
      operationId: 'listPlans',
      summary: 'List content plans',
      description: 'Filter by `brandId` and `status`; newest first by default.',
      querystring: schema.ListPlansQuery,
    },
    async (request, page) => {
      const { brandId, status } = request.query;
      return service.listPlans(ctx, request.principal, page, { brandId, status });
    },
  );

  plans.create(
    {
      config: { scope: 'read_write', outbound: true, inputChecks: { body: planChecks } },
      preValidation: readOnly,
      operationId: 'createPlan',
      summary: 'Create a content plan',
      description:
        'Generates the preview `POST /plans/generate-preview` would answer for the same parameters and ' +
        'stores it as a `draft` plan — or, with `items`, stores those instead: a preview as a person ' +
        'edited it (captions rewritten, times moved, items dropped), each checked against the plan and ' +
        "its platform's text rules. Apply it to create its campaign and posts.",
      body: schema.CreatePlanBody,
      answer: 'The plan, created',
      errors: { 502: ErrorResponse('The AI provider answered with an error or an unusable answer') },
    },
    (request) => service.createPlan(ctx, ai, request.principal, request.body),
    (request, path) => resourceUrl(deps, request, path),
  );

  plans.get(
    { config: { scope: 'read' }, operationId: 'getPlan', summary: 'Retrieve a content plan' },
    (request, id) => service.getPlan(ctx, request.principal, id),
  );

  plans.delete(
    {
      config: { scope: 'read_write' },
      operationId: 'deletePlan',
      summary: 'Delete a content plan',
      description: 'The campaign and posts an applied plan created are kept.',
    },
    (request, id) => service.deletePlan(ctx, request.principal, id),
  );

  app.post<{ Params: Static<typeof Params> }>(
    '/plans/:id/apply',
    {
      config: { scope: 'read_write' },
      schema: {
        tags: TAGS,
        operationId: 'applyPlan',
        summary: 'Apply a content plan',
        description:
          'In one transaction: creates the campaign (DRAFT; the plan’s name, brand, range, platforms and ' +
          'goal) and one DRAFT post per item, its planned time kept as `scheduledFor` (none if that time ' +
          'has passed) and `metadata.plan` saying where it came from; the plan becomes `applied`. ' +
          'Applying an applied plan creates nothing and answers the same campaign with `created: false`, ' +
          'also when two applies race. To follow a large plan’s progress, submit a `plans.apply` job ' +
          '(`POST /jobs` with `{planId}`) instead: the same result, a few drafts at a time.',
        params: Params,
        response: {
          200: DataEnvelope(Type.Ref(schema.PlanApplicationSchema), 'The plan, its campaign, posts created'),
        },
      },
    },
    async (request) => ({ data: await service.applyPlan(ctx, request.principal, request.params.id) }),
  );
}
