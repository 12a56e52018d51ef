import type { Config } from '../../config/index.js';
import { postsJobTypes } from '../posts/index.js';
import { JobTypeRegistry } from './jobs.registry.js';

/**
 * Every job type `POST /jobs` offers: the one place a module's bulk types are registered. The runtime
 * builds it once; the API and the worker share it.
 */
export function createJobTypeRegistry(config: Pick<Config, 'publishRetryDelays'>): JobTypeRegistry {
  return new JobTypeRegistry(postsJobTypes({ publishRetryDelays: config.publishRetryDelays }));
}
