import type { Config } from '../config/index.js';
import type { AiProvider } from './types.js';
import { createBuiltinProvider } from './providers/builtin/index.js';
import { createOpenAiCompatibleProvider } from './providers/openai-compatible/index.js';

/**
 * AI generation (docs/publishing.md): one provider interface, chosen by `AI_PROVIDER`. Modules use only what
 * this file exports.
 */
export type { AiProvider, CaptionDraft, CaptionRequest, GeneratedImage, ImageRequest } from './types.js';
export { TONES, isTone, resolveTone, type Tone } from './tones.js';
export { captionViolations, DRAFT_LIMITS, fitCaption } from './captions.js';

/** The provider `AI_PROVIDER` selects. `options.fetch` lets tests substitute the HTTP client. */
export function createAiProvider(config: Config, options: { fetch?: typeof fetch } = {}): AiProvider {
  if (config.ai.provider === 'openai-compatible') {
    return createOpenAiCompatibleProvider(config.ai, options);
  }
  return createBuiltinProvider();
}
