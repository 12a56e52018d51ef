import type { Selectable } from 'kysely';
import type { Environment } from '../../shared/tenant.js';
import type { Timestamps } from './common-columns.js';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
/** `failed` is the dead state: no attempt is left (or the failure was permanent). */
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobsTable extends Timestamps {
  id: string;
  /** Null for system jobs that belong to no tenant. */
  organization_id: string | null;
  environment: Environment | null;
  type: string;
  /** JSON. */
  payload: string;
  status: JobStatus;
  /** Not before (epoch ms). */
  run_at: number;
  attempts: number;
  max_attempts: number;
  /** The worker holding the lease while `running`. */
  locked_by: string | null;
  /** Lease expiry (epoch ms): a running job whose lease expired is claimed again. */
  locked_until: number | null;
  /** At most one job with a given key exists (e.g. `post.publish:<post id>:<n>`). */
  dedupe_key: string | null;
  progress: string | null;
  result: string | null;
  last_error: string | null;
  finished_at: number | null;
}

export type JobRow = Selectable<JobsTable>;
