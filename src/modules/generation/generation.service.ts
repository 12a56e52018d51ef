import type { AiProvider, CaptionDraft, ImageRequest } from '../../ai/index.js';
import { invalidInput } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import { requireBrand } from '../brands/index.js';
import type { ServiceContext } from '../context.js';
import { submitJob, type Job, type JobTypeRegistry } from '../jobs/index.js';
import type { Principal } from '../keys/index.js';
import { storeMedia, type Media, type MediaContext } from '../media/index.js';
import {
  ASPECT_SIZES,
  imageInputProblems,
  type GenerateCaptionsInput,
  type GenerateImagesInput,
} from './generation.schemas.js';

/** What generation needs besides the service context: the provider, and the runtime's media context. */
export interface GenerationDeps {
  ai: AiProvider;
  media: MediaContext;
}

export interface GenerationContext extends ServiceContext, GenerationDeps {
  /** For a slow provider's image jobs. */
  jobs: { registry: JobTypeRegistry; publicUrl: string };
}

export const IMAGES_JOB = 'images.generate';

export async function generateCaptions(
  ctx: ServiceContext & { ai: AiProvider },
  tenant: Tenant,
  input: GenerateCaptionsInput,
): Promise<CaptionDraft[]> {
  if (!input.topic.trim()) throw invalidInput([{ field: 'topic', reason: 'Must not be blank' }]);
  const brand = input.brandId ? await requireBrand(ctx, tenant, input.brandId) : null;
  return ctx.ai.generateCaptions({
    topic: input.topic,
    platform: input.platform,
    tone: input.tone ?? null,
    n: input.n ?? 3,
    brand: brand && { name: brand.name, voice: brand.voice },
  });
}

/** The size of the images, for a request `imageInputProblems` accepted. */
function size(input: GenerateImagesInput): { width: number; height: number } {
  if (!input.size) return ASPECT_SIZES[(input.aspectRatio ?? '1:1') as keyof typeof ASPECT_SIZES];
  const [width, height] = input.size.split('x').map(Number) as [number, number];
  return { width, height };
}

/** The body of `POST /images/generate` (or an `images.generate` job payload) as a provider request. */
export async function imageRequest(
  ctx: ServiceContext,
  tenant: Tenant,
  input: GenerateImagesInput,
  prefix = '',
): Promise<ImageRequest> {
  const problems = imageInputProblems(input);
  if (!input.prompt.trim()) problems.unshift({ field: 'prompt', reason: 'Must not be blank' });
  if (problems.length) throw invalidInput(problems.map((p) => ({ ...p, field: `${prefix}${p.field}` })));
  const { width, height } = size(input);
  const brand = input.brandId ? await requireBrand(ctx, tenant, input.brandId, `${prefix}brandId`) : null;
  return {
    prompt: input.prompt,
    width,
    height,
    style: input.style ?? null,
    n: input.n ?? 1,
    format: input.format ?? 'png',
    brand: brand && { name: brand.name, colors: brand.colors },
  };
}

/** Stores one generated image as a media item of the brand (`source: generated`). */
export function storeGenerated(
  ctx: MediaContext,
  tenant: Tenant,
  image: { bytes: Buffer; mimeType: string },
  brandId: string | null,
  index: number,
): Promise<Media> {
  return storeMedia(ctx, tenant, {
    body: image.bytes,
    filename: `generated-${index + 1}.${image.mimeType === 'image/jpeg' ? 'jpg' : 'png'}`,
    declaredType: image.mimeType,
    brandId,
    source: 'generated',
  });
}

/**
 * `POST /images/generate`: a fast provider renders and stores the images at once (the media items); a
 * slow one gets an `images.generate` job (whose result lists the media ids) so the request returns now.
 */
export async function generateImages(
  ctx: GenerationContext,
  principal: Principal,
  input: GenerateImagesInput,
): Promise<{ media: Media[] } | { job: Job }> {
  const tenant: Tenant = { organizationId: principal.organizationId, environment: principal.environment };
  const request = await imageRequest(ctx, tenant, input);
  if (ctx.ai.slow) {
    const jobsCtx = { ...ctx, registry: ctx.jobs.registry, publicUrl: ctx.jobs.publicUrl };
    return { job: await submitJob(jobsCtx, principal, { type: IMAGES_JOB, payload: input }) };
  }
  const images = await ctx.ai.generateImages(request);
  const media: Media[] = [];
  for (const [i, image] of images.entries()) {
    media.push(await storeGenerated(ctx.media, tenant, image, input.brandId ?? null, i));
  }
  return { media };
}
