import type { Config } from '../../config/index.js';
import { analyticsExportJobType } from '../analytics/index.js';
import { imagesJobType, type GenerationDeps } from '../generation/index.js';
import { postsJobTypes } from '../posts/index.js';
import { JobTypeRegistry } from './jobs.registry.js';

/**
 * Every job type `POST /jobs` offers: the one place a module's bulk types are registered. The runtime
 * builds it once; the API and the worker share it.
 */
export function createJobTypeRegistry(
  config: Pick<Config, 'publishRetryDelays'>,
  /** The AI provider and media context: `images.generate` is offered when they are given. */
  generation?: GenerationDeps,
): JobTypeRegistry {
  const registry = new JobTypeRegistry(postsJobTypes({ publishRetryDelays: config.publishRetryDelays }));
  registry.register(analyticsExportJobType);
  if (generation) registry.register(imagesJobType(generation));
  return registry;
}
