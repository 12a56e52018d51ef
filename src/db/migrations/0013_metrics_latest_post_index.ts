import type { Kysely } from 'kysely';
import { createTenantIndexes } from './ddl.js';

/**
 * An index of `post_metrics_latest` on the tenant and `post_id`. `GET /analytics?groupBy=post` and the
 * analytics export page by keyset over `post_id`; when PostgreSQL serves such a page in `post_id` order
 * rather than sorting the filter's matches, it walked the primary key, reading every tenant's rows to
 * find the caller's. With this index it reads only the caller's.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createTenantIndexes(db, 'post_metrics_latest', [
    ['post_metrics_latest_tenant_post', 'post_id, published_at'],
  ]);
}
