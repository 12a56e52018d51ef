import type { Generated, Selectable } from 'kysely';
import type { JobsTable } from './queue.js';

/**
 * Jobs submitted through `POST /jobs` live in the one `jobs` queue table, as type `api:<type>`, so that
 * internal work (`post.publish`, `webhook.deliver`, …) never shows in `GET /jobs`.
 */
export const API_JOB_PREFIX = 'api:';

/**
 * What the chunk runner keeps on an API job, beside its queue row (`api_jobs`, one row per API job,
 * created with it): the queue's own row stays as every other job's.
 */
export interface ApiJobsTable {
  job_id: string;
  /** When the first chunk began. */
  started_at: number | null;
  /** `POST /jobs/{id}/cancel` on a running job: the runner stops before its next chunk. */
  cancel_requested_at: number | null;
  cancelled_at: number | null;
  /** JSON: what the job type's last committed chunk returned as `state`. */
  chunk_state: string | null;
  /** Chunks committed: the compare-and-set guard of every chunk, and the output's sequence number. */
  chunks: Generated<number>;
  /** Item errors recorded (all of them; the job object shows the first 1,000). */
  error_count: Generated<number>;
}

/** The queue row joined with its `api_jobs` row. */
export type ApiJobRow = Selectable<JobsTable> & Selectable<Omit<ApiJobsTable, 'job_id'>>;

/** Every item error of a job, written in the transaction of the chunk that met it. */
export interface JobItemErrorsTable {
  job_id: string;
  /** Zero-padded ordinal of the error within its job: unique per job, the pagination tie-break. */
  id: string;
  item_index: number;
  code: string;
  message: string;
  field: string | null;
}

export type JobItemErrorRow = Selectable<JobItemErrorsTable>;

/** A job's output file, one row per chunk that wrote to it (API and worker may be separate processes). */
export interface JobOutputsTable {
  job_id: string;
  seq: number;
  content: string;
}
