import type { Kysely } from 'kysely';
import { createTenantIndexes, createTenantTable, tenantColumns, timestamps } from './ddl.js';

/**
 * Campaigns, posts and idempotency records.
 *
 * Nullable sort columns (`scheduled_for`, `published_at`) are indexed and queried as
 * `coalesce(col, -1)`: NULL sorts first ascending and last descending on both databases, every keyset
 * comparison is a plain row-value comparison, and the same expression index serves sorting and the
 * `startDate`/`endDate` range (no real timestamp is negative).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createTenantTable(db, 'campaigns')
    .addColumn('brand_id', 'text', (c) => c.notNull().references('brands.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('start_date', 'bigint', (c) => c.notNull())
    .addColumn('end_date', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('goal', 'text')
    .addColumn('platforms', 'text', (c) => c.notNull())
    .$call(timestamps)
    .execute();
  await createTenantIndexes(db, 'campaigns', [
    ['campaigns_tenant_created', 'created_at, id'],
    ['campaigns_tenant_start', 'start_date, id'],
    ['campaigns_tenant_status_created', 'status, created_at, id'],
    ['campaigns_tenant_brand_created', 'brand_id, created_at, id'],
    ['campaigns_tenant_brand_start', 'brand_id, start_date, id'],
    ['campaigns_tenant_status_start', 'status, start_date, id'],
  ]);

  await createTenantTable(db, 'posts')
    .addColumn('brand_id', 'text', (c) => c.notNull().references('brands.id'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('social_account_id', 'text')
    .addColumn('caption', 'text', (c) => c.notNull())
    .addColumn('media_ids', 'text', (c) => c.notNull())
    .addColumn('link', 'text')
    .addColumn('first_comment', 'text')
    .addColumn('campaign_id', 'text', (c) => c.references('campaigns.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('scheduled_for', 'bigint')
    .addColumn('published_at', 'bigint')
    .addColumn('platform_post_id', 'text')
    .addColumn('platform_url', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .$call(timestamps)
    .execute();
  // Every documented filter (status, platform, campaignId, brandId, date range) and sort (createdAt,
  // updatedAt, scheduledFor, publishedAt) is served by an index that starts with the tenant.
  await createTenantIndexes(db, 'posts', [
    ['posts_t_created', 'created_at, id'],
    ['posts_t_updated', 'updated_at, id'],
    ['posts_t_scheduled', 'coalesce(scheduled_for, -1), id'],
    ['posts_t_published', 'coalesce(published_at, -1), id'],
    ['posts_t_status_created', 'status, created_at, id'],
    ['posts_t_status_updated', 'status, updated_at, id'],
    ['posts_t_status_scheduled', 'status, coalesce(scheduled_for, -1), id'],
    ['posts_t_status_published', 'status, coalesce(published_at, -1), id'],
    ['posts_t_platform_created', 'platform, created_at, id'],
    ['posts_t_platform_scheduled', 'platform, coalesce(scheduled_for, -1), id'],
    ['posts_t_campaign_created', 'campaign_id, created_at, id'],
    ['posts_t_campaign_scheduled', 'campaign_id, coalesce(scheduled_for, -1), id'],
    ['posts_t_brand_created', 'brand_id, created_at, id'],
    ['posts_t_brand_scheduled', 'brand_id, coalesce(scheduled_for, -1), id'],
  ]);

  await db.schema
    .createTable('idempotency_keys')
    .$call(tenantColumns)
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_headers', 'text')
    .addColumn('response_body', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['organization_id', 'environment', 'key'])
    .execute();
  await db.schema
    .createIndex('idempotency_keys_expires')
    .on('idempotency_keys')
    .column('expires_at')
    .execute();
}
