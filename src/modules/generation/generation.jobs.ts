import type { TSchema } from '@sinclair/typebox';
import type { GeneratedImage, ImageRequest } from '../../ai/index.js';
import { inputProblems } from '../../shared/validation/problems.js';
import { lazyBodyValidator } from '../../shared/validation/validator.js';
import { AppError, invalidInput, type FieldProblem } from '../../shared/errors.js';
import type { JobTypeHandler } from '../jobs/index.js';
import { GenerateImagesBody, imageInputProblems, type GenerateImagesInput } from './generation.schemas.js';
import { IMAGES_JOB, imageRequest, storeGenerated, type GenerationDeps } from './generation.service.js';

/**
 * `images.generate`: a slow provider's images, one per chunk. The provider is called before the chunk's
 * transaction opens (`prepareChunk`), so nothing is locked while it works; the image's media row then
 * commits with the job's progress, so a resumed job neither repeats nor skips an image. The job's
 * `result` is `{mediaIds: [...]}`.
 */

interface ImagesPayload {
  request: ImageRequest;
  brandId: string | null;
}

/** What the provider answered for a chunk: its image, or the refusal that fails this item. */
type Prepared = { image: GeneratedImage } | { refused: AppError };

interface ImagesState {
  mediaIds: string[];
}

/** The payload checked as the body of `POST /images/generate`: its schema and `imageInputProblems`. */
function checker(schema: TSchema) {
  const validate = lazyBodyValidator(schema);
  return (payload: unknown): GenerateImagesInput => {
    const problems: FieldProblem[] = inputProblems(payload, validate(), {
      check: imageInputProblems,
      schema,
    });
    if (problems.length) {
      throw invalidInput(
        problems.map((p) => ({ field: p.field ? `payload.${p.field}` : 'payload', reason: p.reason })),
        undefined,
        { location: 'body' },
      );
    }
    return payload as GenerateImagesInput;
  };
}

export function imagesJobType(deps: GenerationDeps): JobTypeHandler<ImagesPayload, ImagesState> {
  const check = checker(GenerateImagesBody);
  return {
    type: IMAGES_JOB,
    scope: 'read_write',
    chunkSize: 1,
    async prepare(ctx, tenant, payload) {
      const input = check(payload);
      const request = await imageRequest(ctx, tenant, input, 'payload.');
      return { payload: { request, brandId: input.brandId ?? null }, total: request.n };
    },
    async prepareChunk({ payload, offset }): Promise<Prepared> {
      try {
        const [image] = await deps.ai.generateImages({ ...payload.request, n: 1, seed: `image-${offset}` });
        if (!image) throw new AppError('AI_PROVIDER_ERROR', 'The AI provider answered without an image');
        return { image };
      } catch (error) {
        // A provider's refusal or unusable answer fails this image; an outage is retried (rethrown).
        if (!(error instanceof AppError) || error.code !== 'AI_PROVIDER_ERROR') throw error;
        return { refused: error };
      }
    },
    async runChunk({ trx, tenant, payload, state, offset, prepared }) {
      const mediaIds = [...(state?.mediaIds ?? [])];
      const done = offset + 1 >= payload.request.n;
      const answer = prepared as Prepared;
      if ('refused' in answer) {
        const errors = [{ index: offset, code: answer.refused.code, message: answer.refused.message }];
        return { processed: 1, succeeded: 0, failed: 1, errors, state: { mediaIds }, done };
      }
      // The media row commits with the chunk: the runtime's media context on the chunk's transaction.
      const media = await storeGenerated(
        { ...deps.media, db: trx },
        tenant,
        answer.image,
        payload.brandId,
        offset,
      );
      mediaIds.push(media.id);
      return { processed: 1, succeeded: 1, failed: 0, errors: [], state: { mediaIds }, done };
    },
    summarize: (_payload, _progress, state) => ({ mediaIds: state?.mediaIds ?? [] }),
  };
}
