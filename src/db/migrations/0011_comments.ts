import { sql, type Kysely } from 'kysely';
import { createTenantIndexes, createTenantTable } from './ddl.js';

/**
 * Comments pulled from the platforms on published posts, and our replies to them. The unique
 * (tenant, platform, platform_comment_id) index is the dedupe that makes `comment.received` fire once:
 * the sync inserts with on-conflict-do-nothing and records an event only for rows it inserted.
 * `comment_syncs` holds, per post, when its comments are next due (a rate-limited answer pushes it out).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createTenantTable(db, 'comments')
    .addColumn('brand_id', 'text', (c) => c.notNull())
    .addColumn('post_id', 'text', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('platform_comment_id', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text')
    .addColumn('author_id', 'text')
    .addColumn('author_name', 'text')
    .addColumn('author_handle', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    /** 1 when this is a reply we posted through `POST /comments/{id}/reply`. */
    .addColumn('is_own', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('replied_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`create unique index comments_platform_id on comments (organization_id, environment, platform, platform_comment_id)`.execute(
    db,
  );
  await createTenantIndexes(db, 'comments', [['comments_tenant_created', 'created_at, id']]);
  await sql`create index comments_post_created on comments (post_id, created_at, id)`.execute(db);

  await db.schema
    .createTable('comment_syncs')
    .addColumn('post_id', 'text', (c) => c.primaryKey().references('posts.id').onDelete('cascade'))
    .addColumn('next_sync_at', 'bigint', (c) => c.notNull())
    .addColumn('last_synced_at', 'bigint')
    .addColumn('last_error', 'text')
    .execute();
  await sql`create index comment_syncs_due on comment_syncs (next_sync_at)`.execute(db);
}
