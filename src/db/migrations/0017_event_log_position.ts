import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * `events.log_position`: where an event stands in commit order, so that `GET /events/stream` can resume
 * after a position without losing an event whose transaction committed late (see
 * src/modules/events/events.stream.ts for the proof).
 *
 * - PostgreSQL: the id of the transaction that recorded the event (`pg_current_xact_id()`, 64 bits,
 *   never reused). Transactions commit in any order, so the stream sends only events whose transaction
 *   is older than every transaction still running (`pg_snapshot_xmin`): none can appear below it later.
 * - SQLite: writers are serialized (one write transaction at a time, holding the lock until it commits),
 *   so a counter advanced at each insert is in commit order. The counter lives in `event_log_clock`
 *   (one row) rather than in the rowid, which SQLite may give again once the newest rows are deleted.
 *
 * Events recorded before this step get a position below every later one (their transaction's, or the
 * rowid order on SQLite).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table events add column log_position bigint not null default (pg_current_xact_id()::text::bigint)`.execute(
      db,
    );
  } else {
    await sql`alter table events add column log_position integer`.execute(db);
    await sql`update events set log_position = rowid`.execute(db);
    await sql`create table event_log_clock (position integer not null)`.execute(db);
    await sql`insert into event_log_clock (position) select coalesce(max(rowid), 0) from events`.execute(db);
    await sql`create trigger events_log_position after insert on events begin
      update event_log_clock set position = position + 1;
      update events set log_position = (select position from event_log_clock) where rowid = new.rowid;
    end`.execute(db);
  }
  // A tenant's stream reads its events in log order.
  await sql`create index events_tenant_log_position on events (organization_id, environment, log_position, id)`.execute(
    db,
  );
}
