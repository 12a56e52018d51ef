import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AiProvider } from '../../ai/index.js';
import { resourceUrl, type RouteDeps } from '../route-deps.js';
import { DataEnvelope, ErrorEnvelope } from '../../http/schemas.js';
import { JobSchema, type JobTypeRegistry } from '../jobs/index.js';
import { MediaSchema, type MediaContext } from '../media/index.js';
import * as schema from './generation.schemas.js';
import * as service from './generation.service.js';

const TAGS = ['AI'];
// The AI provider is called while the request waits: its calls carry the request's trace.
const config = { scope: 'read_write', outbound: true } as const;
const AI_ERRORS = {
  502: {
    ...Type.Ref(ErrorEnvelope),
    description: '`AI_PROVIDER_ERROR`: the provider answered with an error or an unusable answer',
  },
  503: {
    ...Type.Ref(ErrorEnvelope),
    description:
      '`AI_PROVIDER_UNAVAILABLE`: the provider did not answer in time, could not be reached, or is rate-limiting',
  },
};

export interface GenerationRouteDeps extends RouteDeps {
  ai: AiProvider;
  media: MediaContext;
  jobTypes: JobTypeRegistry;
}

export async function generationRoutes(app: FastifyInstance, deps: GenerationRouteDeps): Promise<void> {
  const ctx: service.GenerationContext = {
    ...deps.ctx,
    ai: deps.ai,
    media: deps.media,
    jobs: { registry: deps.jobTypes, publicUrl: deps.publicUrl },
  };

  app.post<{ Body: schema.GenerateCaptionsInput }>(
    '/captions/generate',
    {
      config,
      schema: {
        tags: TAGS,
        operationId: 'generateCaptions',
        summary: 'Generate captions',
        description:
          "`n` caption drafts (default 3, at most 5) about `topic`, in the brand's voice and the platform's " +
          "conventions. Every draft passes the platform's text rules (`POST /posts/validate`): a model's " +
          'over-long caption is cut at a word boundary with `…`, hashtags beyond the limit lose their `#`, ' +
          'and a draft that still breaks a rule is dropped (so fewer than `n` may come back). A `brandId` ' +
          "that is not the caller's is 400. The provider failing is 502 `AI_PROVIDER_ERROR`; unreachable, " +
          'too slow or rate-limiting is 503 `AI_PROVIDER_UNAVAILABLE`.',
        body: schema.GenerateCaptionsBody,
        response: {
          200: DataEnvelope(
            Type.Array(Type.Ref(schema.CaptionDraftSchema), { maxItems: schema.MAX_CAPTIONS }),
            'The drafts',
          ),
          ...AI_ERRORS,
        },
      },
    },
    async (request) => ({ data: await service.generateCaptions(ctx, request.principal, request.body) }),
  );

  app.post<{ Body: schema.GenerateImagesInput }>(
    '/images/generate',
    {
      config: { ...config, inputChecks: { body: schema.imageInputProblems } },
      schema: {
        tags: TAGS,
        operationId: 'generateImages',
        summary: 'Generate images',
        description:
          'Renders `n` images (default 1, at most 4) of the `aspectRatio` (default 1:1) or exact `size`, in ' +
          "the brand's colours, and stores them as media items (`source: generated`). With the builtin " +
          'provider the answer is 201 with the media items. With a slow provider (`openai-compatible`) it is ' +
          "202 with an `images.generate` job (and its `Location`); the job's `result.mediaIds` lists the " +
          'media items when it succeeds.',
        body: schema.GenerateImagesBody,
        // One 2xx per operation: the document describes the provider this server runs.
        response: deps.ai.slow
          ? { 202: DataEnvelope(Type.Ref(JobSchema), 'The job generating the images, queued'), ...AI_ERRORS }
          : {
              201: DataEnvelope(
                Type.Array(Type.Ref(MediaSchema), { maxItems: schema.MAX_IMAGES }),
                'The generated media items',
              ),
              ...AI_ERRORS,
            },
      },
    },
    async (request, reply) => {
      const result = await service.generateImages(ctx, request.principal, request.body);
      if ('job' in result) {
        reply.code(202).header('Location', resourceUrl(deps, request, `/jobs/${result.job.id}`));
        return { data: result.job };
      }
      reply.code(201);
      return { data: result.media };
    },
  );
}
