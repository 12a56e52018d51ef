import { APITimeoutError } from '../core/errors.js';
import type { RequestOptions } from '../core/http.js';
import type { PagePromise } from '../core/pagination.js';
import { sleep } from '../core/retry.js';
import type { Job, JobCreateParams, JobErrorListParams, JobItemError, JobListParams } from '../types.js';
import { APIResource, seg } from './resource.js';

const FINISHED: readonly Job['status'][] = ['succeeded', 'failed', 'cancelled'];

/** Options of `jobs.waitFor`: polling interval, overall timeout, abort signal and a progress callback. */
export interface WaitForJobOptions {
  /** Stops waiting: `waitFor` rejects with the signal's reason (the job goes on; cancel it to stop it). */
  signal?: AbortSignal;
  /** Milliseconds before the first poll's successor (default 500); grows by half each poll up to 5 s. */
  interval?: number;
  /** Milliseconds to wait in all before rejecting with `APITimeoutError` (default: no limit). */
  timeout?: number;
  /** Called with the job whenever its status or progress changed since the last poll. */
  onProgress?: (job: Job) => void;
}

/** Background bulk operations: `/jobs`. */
export class Jobs extends APIResource {
  /**
   * Submits a job `{type, payload}` (`posts.import`, `posts.update`, `posts.delete`, `plans.apply`
   * `{planId}`, …); it comes back `queued`. A `plans.apply` job creates a draft plan's campaign and drafts
   * with progress (one item per post); its `result` is `{planId, campaignId, postIds, postsCreated,
   * failed}`. A plan applied already is a 409 `ConflictError`.
   */
  create(params: JobCreateParams, options?: RequestOptions): Promise<Job> {
    return this.data('POST', '/jobs', { body: params, options });
  }

  /** Retrieves a job: status, progress, the first 1,000 item errors, the result. */
  retrieve(id: string, options?: RequestOptions): Promise<Job> {
    return this.data('GET', `/jobs/${seg(id)}`, { options });
  }

  /** Lists jobs, newest first (filters `status`, `type`). */
  list(params?: JobListParams, options?: RequestOptions): PagePromise<Job> {
    return this.page<Job>('/jobs', params, options);
  }

  /** Cancels a queued job, or stops a running one before its next chunk (409 once finished). */
  cancel(id: string, options?: RequestOptions): Promise<Job> {
    return this.data('POST', `/jobs/${seg(id)}/cancel`, { options });
  }

  /** Lists every item error of a job, by index. */
  errors(id: string, params?: JobErrorListParams, options?: RequestOptions): PagePromise<JobItemError> {
    return this.page<JobItemError>(`/jobs/${seg(id)}/errors`, params, options);
  }

  /** Downloads an export job's file: resolves to the `Response` (404 until the job succeeded). */
  result(id: string, options?: RequestOptions): Promise<Response> {
    return this.http.send({
      method: 'GET',
      path: `/jobs/${seg(id)}/result`,
      stream: true,
      options: { ...options, headers: { accept: '*/*', ...options?.headers } },
    });
  }

  /**
   * Polls a job until it is `succeeded`, `failed` or `cancelled` and resolves to it (a failed job
   * resolves too: check `status` and `error`).
   *
   * ```ts
   * const job = await client.jobs.create({ type: 'posts.import', payload: { posts } });
   * const done = await client.jobs.waitFor(job.id, {
   *   onProgress: (j) => console.log(`${j.progress.processed}/${j.progress.total}`),
   * });
   * ```
   */
  async waitFor(id: string, options: WaitForJobOptions = {}): Promise<Job> {
    const { signal, onProgress } = options;
    const deadline = options.timeout === undefined ? Infinity : Date.now() + options.timeout;
    let interval = options.interval ?? 500;
    let seen = '';
    for (;;) {
      const job = await this.retrieve(id, { signal });
      const state = `${job.status} ${JSON.stringify(job.progress)}`;
      if (state !== seen) {
        seen = state;
        onProgress?.(job);
      }
      if (FINISHED.includes(job.status)) return job;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new APITimeoutError(
          `Job ${id} did not finish within ${options.timeout} ms (it is ${job.status})`,
        );
      }
      await sleep(Math.min(interval, left), signal);
      interval = Math.min(interval * 1.5, 5000);
    }
  }
}
