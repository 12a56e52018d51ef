import type { AiProvider } from '../../types.js';
import { builtinCaptions } from './captions.js';
import { builtinImages } from './images.js';

/**
 * The default provider: offline and deterministic. Captions come from tone phrase banks laid out by each
 * platform's conventions; images are branded text cards rendered with sharp. Fast enough to answer
 * within the request (`slow: false`).
 */
export function createBuiltinProvider(): AiProvider {
  return {
    name: 'builtin',
    slow: false,
    generateCaptions: async (req) => builtinCaptions(req),
    generateImages: (req) => builtinImages(req),
  };
}
