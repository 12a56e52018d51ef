export { JobTypeRegistry } from './jobs.registry.js';
export { jobsRoutes, type JobsRouteDeps } from './jobs.routes.js';
export { JobSchema, ItemErrorSchema } from './jobs.schemas.js';
export { jobsWorkerParts, type JobsWorkerDeps } from './jobs.jobs.js';
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
