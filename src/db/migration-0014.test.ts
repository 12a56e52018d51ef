import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely, type Migrator } from 'kysely';
import { dialects, openUnmigrated, type UnmigratedDatabase } from '../../test/helpers/app.js';
import { postsQuery } from '../modules/posts/posts.repository.js';
import type { NewPostRow } from './tables/posts.js';
import type { Database } from './database.js';

/**
 * Migration 0014 adds `posts.post_date` — the date a post is filtered by: its `scheduled_for`, else its
 * `published_at`, else its `created_at` — backfills it for every post already stored, and indexes it. A
 * database is migrated up to 0013, given posts of every kind in two tenants, then migrated to the latest
 * step.
 */

const H = 3_600_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

/** A post as stored before 0014 (no post_date). */
function post(
  id: string,
  fields: Pick<NewPostRow, 'status' | 'scheduled_for' | 'published_at' | 'created_at'>,
  over: Partial<Omit<NewPostRow, 'post_date'>> = {},
): Omit<NewPostRow, 'post_date'> {
  return {
    id,
    organization_id: 'org_a',
    environment: 'live',
    brand_id: 'brand_a',
    platform: 'twitter',
    social_account_id: null,
    caption: id,
    media_ids: '[]',
    link: null,
    first_comment: null,
    campaign_id: null,
    platform_post_id: null,
    platform_url: null,
    error_code: null,
    error_message: null,
    metadata: '{}',
    publish_attempts: 0,
    publish_started_at: null,
    updated_at: fields.created_at,
    ...fields,
    ...over,
  };
}

for (const dialect of dialects) {
  describe(`migration 0014_posts_date (${dialect})`, () => {
    let fresh: UnmigratedDatabase;
    let db: Kysely<Database>;
    let migrator: Migrator;

    before(async () => {
      fresh = await openUnmigrated(dialect);
      ({ db, migrator } = fresh);
    });
    after(() => fresh.close());

    it('backfills each post’s date (scheduled, else published, else created) and indexes it', async () => {
      const before = await migrator.migrateTo('0013_metrics_latest_post_index');
      assert.equal(before.error, undefined, String(before.error));
      assert.equal(before.results?.at(-1)?.migrationName, '0013_metrics_latest_post_index');

      // The rows the posts reference, with the columns they had at 0013.
      for (const org of ['org_a', 'org_b']) {
        await sql`insert into organizations (id, name, plan, rate_limit_override, created_at, updated_at)
                  values (${org}, ${org}, 'scale', null, ${T0}, ${T0})`.execute(db);
      }
      for (const [brand, org, environment] of [
        ['brand_a', 'org_a', 'live'],
        ['brand_b', 'org_b', 'test'],
      ]) {
        await sql`insert into brands (id, organization_id, environment, name, timezone, voice, colors, created_at, updated_at)
                  values (${brand}, ${org}, ${environment}, ${brand}, 'UTC', null, '[]', ${T0}, ${T0})`.execute(
          db,
        );
      }
      const rows = [
        post('post_draft', { status: 'DRAFT', scheduled_for: null, published_at: null, created_at: T0 + H }),
        post('post_planned', {
          status: 'DRAFT',
          scheduled_for: T0 + 50 * H,
          published_at: null,
          created_at: T0 + 2 * H,
        }),
        post('post_scheduled', {
          status: 'SCHEDULED',
          scheduled_for: T0 + 30 * H,
          published_at: null,
          created_at: T0 + 3 * H,
        }),
        post('post_at_once', {
          status: 'PUBLISHED',
          scheduled_for: null,
          published_at: T0 + 5 * H,
          created_at: T0 + 4 * H,
        }),
        post('post_from_schedule', {
          status: 'PUBLISHED',
          scheduled_for: T0 + 6 * H,
          published_at: T0 + 6 * H + 1500,
          created_at: T0 + 4 * H,
        }),
        post('post_failed', {
          status: 'FAILED',
          scheduled_for: null,
          published_at: null,
          created_at: T0 + 7 * H,
        }),
        post('post_cancelled', {
          status: 'CANCELLED',
          scheduled_for: T0 + 60 * H,
          published_at: null,
          created_at: T0 + 8 * H,
        }),
        // Another tenant and environment, published at once.
        post(
          'post_other',
          { status: 'PUBLISHED', scheduled_for: null, published_at: T0 + 9 * H, created_at: T0 + 8 * H },
          { organization_id: 'org_b', environment: 'test', brand_id: 'brand_b' },
        ),
      ];
      // Typed as the table was at 0013: no post_date column yet.
      await (db as unknown as Kysely<{ posts: Omit<NewPostRow, 'post_date'> }>)
        .insertInto('posts')
        .values(rows)
        .execute();

      const latest = await migrator.migrateToLatest();
      assert.equal(latest.error, undefined, String(latest.error));
      assert.ok(latest.results?.some((r) => r.migrationName === '0014_posts_date' && r.status === 'Success'));

      const stored = await db.selectFrom('posts').select(['id', 'post_date']).orderBy('id').execute();
      assert.deepEqual(
        stored.map((r) => ({ id: r.id, post_date: Number(r.post_date) })),
        [
          { id: 'post_at_once', post_date: T0 + 5 * H },
          { id: 'post_cancelled', post_date: T0 + 60 * H },
          { id: 'post_draft', post_date: T0 + H },
          { id: 'post_failed', post_date: T0 + 7 * H },
          { id: 'post_from_schedule', post_date: T0 + 6 * H },
          { id: 'post_other', post_date: T0 + 9 * H },
          { id: 'post_planned', post_date: T0 + 50 * H },
          { id: 'post_scheduled', post_date: T0 + 30 * H },
        ],
      );

      // The posts filter finds the backfilled rows by their date, within the tenant only.
      const found = await postsQuery(
        db,
        { organizationId: 'org_a', environment: 'live' },
        { startDate: T0, endDate: T0 + 10 * H },
      )
        .orderBy('post_date')
        .orderBy('id')
        .execute();
      assert.deepEqual(
        found.map((r) => r.id),
        ['post_draft', 'post_at_once', 'post_from_schedule', 'post_failed'],
      );

      const index =
        dialect === 'sqlite'
          ? await sql<{
              sql: string;
            }>`select sql from sqlite_master where type = 'index' and name = 'posts_t_date'`.execute(db)
          : await sql<{ sql: string }>`select indexdef as sql from pg_indexes
              where indexname = 'posts_t_date' and schemaname = current_schema()`.execute(db);
      assert.equal(index.rows.length, 1, 'posts_t_date exists');
      assert.match(
        index.rows[0]!.sql.replace(/"/g, ''),
        /posts.* \(organization_id, environment, post_date, id\)/i,
      );
    });
  });
}
