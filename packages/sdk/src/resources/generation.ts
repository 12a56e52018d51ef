import type { RequestOptions } from '../core/http.js';
import type {
  CaptionDraft,
  CaptionGenerateParams,
  ImageGenerateParams,
  ImageGenerateResult,
} from '../types.js';
import { APIResource } from './resource.js';

/** AI image generation: `/images/generate`. */
export class Images extends APIResource {
  /**
   * Generates images that become media items of the brand. The builtin provider resolves to the media
   * items; a slow provider resolves to an `images.generate` job (`Array.isArray(result)` tells them
   * apart; wait for the job with `client.jobs.waitFor(job.id)`).
   */
  generate(params: ImageGenerateParams, options?: RequestOptions): Promise<ImageGenerateResult> {
    return this.data('POST', '/images/generate', { body: params, options });
  }
}

/** AI caption generation: `/captions/generate`. */
export class Captions extends APIResource {
  /** Generates up to 5 caption drafts `{caption, hashtags}` that pass the platform's rules. */
  generate(params: CaptionGenerateParams, options?: RequestOptions): Promise<CaptionDraft[]> {
    return this.data('POST', '/captions/generate', { body: params, options });
  }
}
