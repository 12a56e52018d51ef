import type { Config } from '../config/index.js';
import { analyticsExportJobType } from '../modules/analytics/index.js';
import { imagesJobType, type GenerationDeps } from '../modules/generation/index.js';
import { JobTypeRegistry } from '../modules/jobs/index.js';
import { planApplyJobType } from '../modules/plans/index.js';
import { postsJobTypes } from '../modules/posts/index.js';

/**
 * Every job type `POST /jobs` offers, assembled from what the modules declare: the one place a module's
 * bulk types are registered. The jobs module is only the framework (the API, the chunk runner); it knows
 * no type, so no module that declares one depends on it both ways. The runtime builds the registry once;
 * the API and the worker share it.
 */
export function createJobTypeRegistry(
  config: Pick<Config, 'publishRetryDelays'>,
  /** The AI provider and media context: `images.generate` is offered when they are given. */
  generation?: GenerationDeps,
): JobTypeRegistry {
  const registry = new JobTypeRegistry(postsJobTypes({ publishRetryDelays: config.publishRetryDelays }));
  registry.register(analyticsExportJobType);
  registry.register(planApplyJobType);
  if (generation) registry.register(imagesJobType(generation));
  return registry;
}
