import type { Job, Post } from '@audenci/sdk-js';
import { client } from '../../api/client';
import { moveProblem } from './calendar-data';

/** How far a bulk action has come, as the progress bar and the summary under it show it. */
export interface BulkProgress {
  action: string;
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
  /** Each failed item: the post and why. */
  failures: { post: Post; message: string }[];
  done: boolean;
  /** The job, when the action ran as one (its page shows every detail). */
  jobId?: string;
  /** The action itself failed (nothing was tried): the API's message. */
  error?: string;
}

type Report = (progress: BulkProgress) => void;

const BATCH = 100;

/**
 * Moves posts to new times through `PUT /posts/batch`, 100 at a time: each item answers on its own, so
 * one refused time does not stop the others. `times` maps a post to its new instant, or to a reason it
 * cannot move (a post without a time cannot be shifted).
 */
export async function rescheduleAll(
  posts: Post[],
  times: (post: Post) => number | string,
  report: Report,
): Promise<void> {
  const progress: BulkProgress = {
    action: 'Reschedule',
    total: posts.length,
    processed: 0,
    succeeded: 0,
    failed: 0,
    failures: [],
    done: false,
  };
  const items: { post: Post; to: number }[] = [];
  for (const post of posts) {
    const to = times(post);
    if (typeof to === 'string') {
      progress.processed++;
      progress.failed++;
      progress.failures.push({ post, message: to });
    } else items.push({ post, to });
  }
  report({ ...progress });
  for (let i = 0; i < items.length; i += BATCH) {
    const chunk = items.slice(i, i + BATCH);
    try {
      const answer = await client.posts.batchUpdate({
        posts: chunk.map(({ post, to }) => ({ id: post.id, scheduledFor: new Date(to).toISOString() })),
      });
      for (const result of answer.data) {
        const item = chunk[result.index]!;
        if (result.status < 300) progress.succeeded++;
        else {
          progress.failed++;
          progress.failures.push({ post: item.post, message: result.error?.message ?? `${result.status}` });
        }
      }
    } catch (error) {
      const message = moveProblem(error);
      progress.failed += chunk.length;
      progress.failures.push(...chunk.map(({ post }) => ({ post, message })));
    }
    progress.processed += chunk.length;
    report({ ...progress, failures: [...progress.failures] });
  }
  report({ ...progress, done: true });
}

/**
 * Publishes or deletes posts as a background job (`POST /jobs` `posts.publish` / `posts.delete`), the
 * progress bar following `GET /jobs/{id}` until the job ends; each item error names its post.
 */
export async function runPostsJob(
  type: 'posts.publish' | 'posts.delete',
  posts: Post[],
  report: Report,
  signal: AbortSignal,
): Promise<void> {
  const action = type === 'posts.publish' ? 'Publish' : 'Delete';
  const base = {
    action,
    total: posts.length,
    processed: 0,
    succeeded: 0,
    failed: 0,
    failures: [],
    done: false,
  };
  report(base);
  let job: Job;
  try {
    job = await client.jobs.create({ type, payload: { ids: posts.map((p) => p.id) } });
  } catch (error) {
    report({ ...base, done: true, error: moveProblem(error) });
    return;
  }
  const show = (j: Job, done: boolean) =>
    report({
      action,
      jobId: j.id,
      total: j.progress.total,
      processed: j.progress.processed,
      succeeded: j.progress.succeeded,
      failed: j.progress.failed,
      failures: j.errors.map((e) => ({ post: posts[e.index]!, message: e.message })),
      done,
      error: j.status === 'failed' ? (j.error?.message ?? 'The job failed') : undefined,
    });
  show(job, false);
  const finished = await client.jobs.waitFor(job.id, {
    signal,
    interval: 300,
    onProgress: (j) => show(j, false),
  });
  show(finished, true);
}
