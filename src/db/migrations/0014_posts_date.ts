import { sql, type Kysely } from 'kysely';
import { createTenantIndexes } from './ddl.js';

/**
 * `posts.post_date`: the date a post is filtered by (`startDate`/`endDate` of the posts lists and the
 * `posts.*` jobs) and sorted by with `sortBy=date` — its `scheduled_for`, else its `published_at`, else
 * its `created_at`. Before this step the range matched `scheduled_for` only, so a post published at once
 * (never scheduled) or a draft without a time was never found by date.
 *
 * A stored column, written by the posts repository on every insert and on every update (it is recomputed
 * from the three columns in the same statement), with the index the filtered and sorted lists walk. The
 * default exists only because SQLite cannot add a NOT NULL column without one; the backfill below sets
 * every existing row, and no writer relies on it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('posts')
    .addColumn('post_date', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update posts set post_date = coalesce(scheduled_for, published_at, created_at)`.execute(db);
  await createTenantIndexes(db, 'posts', [['posts_t_date', 'post_date, id']]);
}
