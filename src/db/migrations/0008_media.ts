import { sql, type Kysely } from 'kysely';
import { createTenantIndexes, createTenantTable } from './ddl.js';

/**
 * Media items. The bytes live in media storage under their SHA-256; a row points at them, so
 * identical uploads share one blob and a blob is deleted when no row (of any tenant) refers to it —
 * hence the indexes on both blob columns.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createTenantTable(db, 'media')
    .addColumn('brand_id', 'text', (c) => c.references('brands.id').onDelete('set null'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('mime_type', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('duration_seconds', 'double precision')
    .addColumn('filename', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('thumbnail_sha256', 'text')
    .addColumn('thumbnail_size', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await createTenantIndexes(db, 'media', [
    ['media_tenant_created', 'created_at, id'],
    ['media_tenant_type_created', 'type, created_at, id'],
    ['media_tenant_brand_created', 'brand_id, created_at, id'],
  ]);
  await sql`create index media_sha256 on media (sha256)`.execute(db);
  await sql`create index media_thumbnail_sha256 on media (thumbnail_sha256)`.execute(db);
}
