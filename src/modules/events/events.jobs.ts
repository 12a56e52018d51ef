import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { definePeriodic, type PeriodicTask } from '../../db/queue/contract.js';
import { unscoped } from '../../db/tenant.js';
import type { Clock } from '../../shared/clock.js';
import { deleteInBatches } from '../../shared/batches.js';
import { idBoundary } from '../../shared/ids.js';

const PURGE_REASON = 'retention purges old rows of every tenant';

export interface EventRetentionOptions {
  /** Events, and finished webhook deliveries with their attempts, older than this are deleted. */
  olderThanMs: number;
  /** Rows per statement, so a sweep never holds the database long. */
  batchSize?: number;
}

export interface EventRetentionReport {
  events: number;
  deliveries: number;
}

/**
 * The event log and the webhook delivery log are kept AUDENCI_EVENT_RETENTION_DAYS (as `GET /events`
 * documents): older events are deleted, and older deliveries once they are finished (`succeeded` or
 * `failed`; a delivery still being retried stays until it ends), their attempts with them (foreign-key
 * cascade). Ids are time-sortable, so each batch walks the primary key up to the id of the cut-off time
 * instead of scanning by date.
 */
export async function purgeOldEvents(
  db: Kysely<Database>,
  clock: Clock,
  options: EventRetentionOptions,
): Promise<EventRetentionReport> {
  const batchSize = options.batchSize ?? 1000;
  const cutoff = clock.now() - options.olderThanMs;
  const report: EventRetentionReport = { events: 0, deliveries: 0 };

  const eventsBefore = idBoundary('event', cutoff);
  report.events = await deleteInBatches(
    batchSize,
    async (after) => {
      const rows = await unscoped(db, PURGE_REASON)
        .selectFrom('events')
        .select('id')
        .where('id', '<', eventsBefore)
        .where('id', '>', after)
        .orderBy('id')
        .limit(batchSize)
        .execute();
      const keys = rows.map((r) => r.id);
      return { keys, doomed: keys };
    },
    (ids) => deleteIds(db, 'events', ids),
  );

  // A delivery still being retried stays until it ends.
  const deliveriesBefore = idBoundary('delivery', cutoff);
  report.deliveries = await deleteInBatches(
    batchSize,
    async (after) => {
      const rows = await unscoped(db, PURGE_REASON)
        .selectFrom('webhook_deliveries')
        .select(['id', 'status'])
        .where('id', '<', deliveriesBefore)
        .where('id', '>', after)
        .orderBy('id')
        .limit(batchSize)
        .execute();
      const finished = rows.filter((r) => r.status !== 'pending');
      return { keys: rows.map((r) => r.id), doomed: finished.map((r) => r.id) };
    },
    (ids) => deleteIds(db, 'webhook_deliveries', ids),
  );
  return report;
}

/** Deletes the rows of `table` with these ids; answers how many went. */
async function deleteIds(
  db: Kysely<Database>,
  table: 'events' | 'webhook_deliveries',
  ids: string[],
): Promise<number> {
  const result = await unscoped(db, PURGE_REASON).deleteFrom(table).where('id', 'in', ids).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The worker's event retention: events and finished webhook deliveries past the retention, deleted. */
export function eventRetentionTask(
  db: Kysely<Database>,
  clock: Clock,
  options: { retentionDays: number; everyMs?: number },
): PeriodicTask {
  return definePeriodic({
    name: 'event retention',
    everyMs: options.everyMs ?? 3_600_000,
    run: async () =>
      void (await purgeOldEvents(db, clock, { olderThanMs: options.retentionDays * 86_400_000 })),
  });
}
