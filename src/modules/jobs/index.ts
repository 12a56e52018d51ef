/**
 * The API's async jobs (`POST /jobs`: `posts.import`, `analytics.export`, …): their API, the type
 * registry and the chunk runner (jobs.runner.ts). Each runs as a queue job `api:<type>` — unlike the
 * internal queue jobs (`post.publish`, `webhook.deliver`, `analytics.sync`), which modules declare with
 * `defineJob` and no API exposes.
 */
export { JobTypeRegistry } from './jobs.registry.js';
export { jobsRoutes, type JobsRouteDeps } from './jobs.routes.js';
export { JobSchema, ItemErrorSchema } from './jobs.schemas.js';
export { jobsWorkerParts, type JobsWorkerDeps } from './jobs.runner.js';
export { purgeFinishedJobs } from './jobs.retention.js';
export { API_JOB_PREFIX } from '../../db/tables/jobs.js';
export { submitJob } from './jobs.service.js';
export type { Job, JobsContext } from './jobs.service.js';
export type {
  ChunkContext,
  ChunkResult,
  ItemError,
  JobOutput,
  JobOutputFile,
  JobTypeHandler,
  PreparedJob,
  Progress,
} from './jobs.types.js';
