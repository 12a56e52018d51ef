import { definePeriodic, type PeriodicTask } from '../../db/queue/contract.js';
import type { CommentsDeps } from './comments.service.js';
import { DEFAULT_COMMENT_SYNC, syncDueComments } from './comments.sync.js';

export interface CommentSyncTaskOptions {
  /** How often each post is synced (AUDENCI_COMMENT_SYNC_INTERVAL, in ms). */
  intervalMs: number;
  /** How often the sync looks for posts due (default: every 30 s, or the interval if shorter). */
  everyMs?: number;
  /** The metrics-sync delays after publishing, in ms. */
  delaysMs: readonly number[];
  onError?: (error: unknown, what: string) => void;
}

/** The worker's comment sync: new comments of recently published posts, fetched from their platforms. */
export function commentSyncTask(deps: CommentsDeps, options: CommentSyncTaskOptions): PeriodicTask {
  return definePeriodic({
    name: 'comment sync',
    everyMs: options.everyMs ?? Math.min(30_000, options.intervalMs),
    run: async () =>
      void (await syncDueComments(deps, {
        ...DEFAULT_COMMENT_SYNC,
        intervalMs: options.intervalMs,
        delaysMs: options.delaysMs,
        onError: options.onError,
      })),
  });
}
