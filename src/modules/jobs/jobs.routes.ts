import { Readable } from 'node:stream';
import { ifNoneMatchHits } from '../../http/etag.js';
import type { FastifyInstance, FastifyError } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { listParams } from '../../http/list-params.js';
import { resourceUrl, type RouteDeps } from '../route-deps.js';
import { resourceRoutes } from '../../http/resource-routes.js';
import { DataEnvelope, ErrorResponse, IdParams, ListEnvelope } from '../../http/schemas.js';
import { AppError } from '../../shared/errors.js';
import type { JobTypeRegistry } from './jobs.registry.js';
import * as schema from './jobs.schemas.js';
import * as service from './jobs.service.js';

const Params = IdParams('Job', 'job_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const TAGS = ['Jobs'];

export interface JobsRouteDeps extends RouteDeps {
  jobTypes: JobTypeRegistry;
}

/** The body limit of `POST /jobs` is its own; the shared error mapping speaks of the default 1 MiB. */
function tooLarge(error: FastifyError): never {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    throw new AppError('PAYLOAD_TOO_LARGE', `Request body is larger than the limit of 20 MiB for jobs`, {
      limitBytes: schema.JOBS_BODY_LIMIT,
    });
  }
  throw error;
}

export async function jobsRoutes(app: FastifyInstance, deps: JobsRouteDeps): Promise<void> {
  const ctx: service.JobsContext = { ...deps.ctx, registry: deps.jobTypes, publicUrl: deps.publicUrl };
  const typeList = () =>
    ctx.registry
      .types()
      .map((t) => `\`${t}\``)
      .join(', ');
  const jobs = resourceRoutes(app, { path: '/jobs', tags: TAGS, params: Params, item: schema.JobSchema });

  app.post<{ Body: Static<typeof schema.CreateJobBody> }>(
    '/jobs',
    {
      // The least scope of any type; the type's own scope is checked once the body is read (403).
      config: { scope: 'read' },
      bodyLimit: schema.JOBS_BODY_LIMIT,
      errorHandler: tooLarge,
      schema: {
        tags: TAGS,
        operationId: 'createJob',
        summary: 'Submit a job',
        description:
          `Answers \`202\` with the queued job and its \`Location\`; poll \`GET /jobs/{id}\`. Types: ${typeList()}. ` +
          'The payload is checked at submission (400 INVALID_INPUT naming the field, and no job is created) ' +
          'and what the job works on is fixed then. Scope: the type’s — `read` for exports, `read_write` ' +
          'for changes (403 otherwise). The body may be up to 20 MiB (413 beyond); `posts.import` takes up ' +
          'to 100,000 posts (400 beyond). Supports `Idempotency-Key`.',
        body: schema.CreateJobBody,
        response: {
          409: ErrorResponse(
            'What the payload names is in a state the type refuses, e.g. `plans.apply` of a plan already ' +
              'applied (`details.campaignId`); no job is created',
          ),
          202: DataEnvelope(Type.Ref(schema.JobSchema), 'The job, queued'),
        },
      },
    },
    async (request, reply) => {
      const job = await service.submitJob(ctx, request.principal, request.body);
      reply.code(202).header('Location', resourceUrl(deps, request, `/jobs/${job.id}`));
      return { data: job };
    },
  );

  jobs.list(
    {
      config: { scope: 'read' },
      operationId: 'listJobs',
      summary: 'List jobs',
      description: 'Jobs submitted with `POST /jobs`, newest first; filter by `status` and `type`.',
      querystring: schema.ListJobsQuery,
      answer: 'A page of jobs',
    },
    async (request, page) => {
      const { status, type } = request.query;
      return service.listJobs(ctx, request.principal, page, { status, type });
    },
  );

  jobs.get(
    {
      config: { scope: 'read' },
      operationId: 'getJob',
      summary: 'Retrieve a job',
      description:
        'Status, progress (updated after every chunk), the first 1,000 item errors and the result.',
    },
    (request, id) => service.getJob(ctx, request.principal, id),
  );

  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof schema.ListJobErrorsQuery> }>(
    '/jobs/:id/errors',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        operationId: 'listJobErrors',
        summary: "List a job's item errors",
        description: 'Every item that failed, by its index in the payload.',
        params: Params,
        querystring: schema.ListJobErrorsQuery,
        response: { 200: ListEnvelope(Type.Ref(schema.ItemErrorSchema), 'A page of item errors') },
      },
    },
    async (request) =>
      service.listJobErrors(
        ctx,
        request.principal,
        request.params.id,
        listParams({ ...request.query, sortOrder: request.query.sortOrder ?? 'asc' }, 'index'),
      ),
  );

  app.post<{ Params: Static<typeof Params> }>(
    '/jobs/:id/cancel',
    {
      config: { scope: 'read_write' },
      schema: {
        tags: TAGS,
        operationId: 'cancelJob',
        summary: 'Cancel a job',
        description:
          'A queued job is cancelled at once. A running job gets `cancelRequestedAt` and stops before its next ' +
          'chunk, then shows `cancelled`; what its committed chunks did stays, and its progress says so. A ' +
          'finished job is 409.',
        params: Params,
        response: {
          409: ErrorResponse('The job has already finished (`details.status`)'),
          200: DataEnvelope(Type.Ref(schema.JobSchema)),
        },
      },
    },
    async (request) => ({ data: await service.cancelJob(ctx, request.principal, request.params.id) }),
  );

  app.get<{ Params: Static<typeof Params> }>(
    '/jobs/:id/result',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        operationId: 'getJobResult',
        summary: "Download a job's output file",
        description:
          'The file an export writes (CSV, or JSON for `analytics.export` with `format: json`), streamed, ' +
          'with its Content-Type, a Content-Disposition file name and a strong `ETag` (the file never ' +
          'changes once the job succeeded: `If-None-Match` answers 304). 404 until the job has succeeded, ' +
          'and for types that write no file.',
        params: Params,
        response: {
          200: {
            description: 'The output file',
            content: {
              'text/csv': { schema: schema.JobOutputText },
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: true,
                  description: 'analytics.export with `format: json`: `{rows, totals}`',
                },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const result = await service.openResult(ctx, request.principal, request.params.id);
      reply.header('ETag', result.etag);
      if (ifNoneMatchHits(request.headers['if-none-match'], result.etag)) return reply.code(304).send();
      reply
        .type(result.contentType)
        .header('Content-Disposition', `attachment; filename="${result.filename.replace(/"/g, '')}"`);
      return reply.send(Readable.from(result.body));
    },
  );
}
