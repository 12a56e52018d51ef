import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { deleteInBatches } from '../../shared/batches.js';
import type { Clock } from '../../shared/clock.js';
import * as repo from './jobs.repository.js';

export interface RetentionOptions {
  /** Jobs finished longer ago than this are deleted. */
  olderThanMs: number;
  /** Jobs per batch (each batch is a few short statements, so the sweep never holds the database long). */
  batchSize?: number;
}

/**
 * Deletes finished jobs of every type (succeeded, failed, cancelled) with their item errors and output
 * files once they are older than the retention period; queued and running jobs are never touched. Runs in
 * batches: an import with 100,000 item errors goes a few thousand rows at a time. Answers the jobs deleted.
 */
export async function purgeFinishedJobs(
  db: Kysely<Database>,
  clock: Clock,
  options: RetentionOptions,
): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  const before = clock.now() - options.olderThanMs;
  return deleteInBatches(
    batchSize,
    // Every job read is deleted, so each batch starts again from the oldest.
    async () => {
      const ids = await repo.finishedBefore(db, before, batchSize);
      return { keys: ids, doomed: ids };
    },
    async (ids) => {
      while ((await repo.deleteErrorsOf(db, ids, 5_000)) > 0);
      return repo.deleteJobs(db, ids);
    },
  );
}
