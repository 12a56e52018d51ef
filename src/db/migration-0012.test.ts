import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely, Migrator } from 'kysely';
import { dialects, openUnmigrated, type UnmigratedDatabase } from '../../test/helpers/app.js';
import type { NewPostMetricsRow } from './tables/analytics.js';
import type { Database } from './database.js';

/**
 * Migration 0012 backfills `post_metrics_latest` from the snapshots already stored: per post, the one
 * with the highest `captured_at`, and on a tie the highest id (the order the sync's upsert keeps since).
 * A database is migrated up to 0011, given snapshots inserted out of order and with a tie, then migrated
 * to the latest step.
 */

const H = 3_600_000;
const PUBLISHED = Date.parse('2026-03-01T10:00:00Z');

function snapshot(
  id: string,
  postId: string,
  capturedAfterH: number,
  impressions: number,
  over: Partial<NewPostMetricsRow> = {},
): NewPostMetricsRow {
  return {
    id,
    organization_id: 'org_a',
    environment: 'live',
    post_id: postId,
    brand_id: 'brand_a',
    campaign_id: 'cmp_a',
    platform: 'twitter',
    published_at: PUBLISHED,
    captured_at: PUBLISHED + capturedAfterH * H,
    impressions,
    reach: null,
    likes: impressions / 10,
    comments: 1,
    shares: null,
    saves: 2,
    clicks: 3,
    video_views: null,
    ...over,
  };
}

for (const dialect of dialects) {
  describe(`migration 0012_metrics_latest (${dialect})`, () => {
    let fresh: UnmigratedDatabase;
    let db: Kysely<Database>;
    let migrator: Migrator;

    before(async () => {
      fresh = await openUnmigrated(dialect);
      ({ db, migrator } = fresh);
    });
    after(() => fresh.close());

    it('backfills each post’s latest snapshot: highest captured_at, then highest id on a tie', async () => {
      const before = await migrator.migrateTo('0011_comments');
      assert.equal(before.error, undefined, String(before.error));
      assert.equal(before.results?.at(-1)?.migrationName, '0011_comments');

      const rows = [
        // Post A: 1 h, 24 h, 6 h — the 24 h one, stored second, is the latest.
        snapshot('pm_a_1', 'post_a', 1, 10),
        snapshot('pm_a_3', 'post_a', 24, 300),
        snapshot('pm_a_2', 'post_a', 6, 60),
        // Post B: two snapshots captured at the same instant; the higher id wins, stored first here.
        snapshot('pm_b_9', 'post_b', 6, 90, { campaign_id: null, platform: 'facebook' }),
        snapshot('pm_b_1', 'post_b', 1, 10, { campaign_id: null, platform: 'facebook' }),
        snapshot('pm_b_5', 'post_b', 6, 50, { campaign_id: null, platform: 'facebook' }),
        // Post C: one snapshot, of another tenant and environment.
        snapshot('pm_c_1', 'post_c', 72, 700, { organization_id: 'org_b', environment: 'test' }),
      ];
      await db.insertInto('post_metrics').values(rows).execute();

      const latest = await migrator.migrateToLatest();
      assert.equal(latest.error, undefined, String(latest.error));
      assert.ok(
        latest.results?.some((r) => r.migrationName === '0012_metrics_latest' && r.status === 'Success'),
      );

      const stored = await db.selectFrom('post_metrics_latest').selectAll().orderBy('post_id').execute();
      const expected = ['pm_a_3', 'pm_b_9', 'pm_c_1'].map((id) => {
        const { id: snapshotId, ...rest } = rows.find((r) => r.id === id)!;
        return { snapshot_id: snapshotId, ...rest };
      });
      assert.deepEqual(
        stored.map((row) => ({
          ...row,
          published_at: Number(row.published_at),
          captured_at: Number(row.captured_at),
        })),
        expected.map((row) => ({ ...row })),
      );
    });
  });
}
