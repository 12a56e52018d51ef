import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely, type Migrator } from 'kysely';
import { dialects, openUnmigrated, type UnmigratedDatabase } from '../../test/helpers/app.js';
import { METRIC_NAMES, type NewPostMetricsLatestRow } from './tables/analytics.js';
import type { Database } from './database.js';

/**
 * Migration 0018 backfills `post_metrics_daily` and `post_metrics_slots` from the posts already in
 * `post_metrics_latest` (per tenant, UTC day or 15-minute slot, brand, campaign — '' for none — and
 * platform: the posts and each metric's sum, a null adding 0), and its triggers keep them so on every
 * later insert, update (in the group, or moving to another) and delete, dropping a group its last post
 * leaves. A database is migrated to 0017, given posts of two tenants, then migrated to the latest step.
 */

const DAY = 86_400_000;
const T0 = Date.parse('2026-05-10T00:00:00Z');

function latest(postId: string, over: Partial<NewPostMetricsLatestRow> = {}): NewPostMetricsLatestRow {
  return {
    post_id: postId,
    snapshot_id: `pm_${postId}`,
    organization_id: 'org_a',
    environment: 'live',
    brand_id: 'brand_a',
    campaign_id: null,
    platform: 'twitter',
    published_at: T0 + 10 * 60_000,
    captured_at: T0 + DAY,
    impressions: 100,
    reach: null,
    likes: 10,
    comments: 1,
    shares: null,
    saves: 2,
    clicks: 3,
    video_views: null,
    ...over,
  };
}

type Group = Record<string, number | string>;

/** The rows of a rollup table, numbers as numbers, in key order. */
async function rows(
  db: Kysely<Database>,
  table: 'post_metrics_daily' | 'post_metrics_slots',
): Promise<Group[]> {
  const column = table === 'post_metrics_daily' ? 'day' : 'slot';
  const key = `organization_id, environment, ${column}, brand_id, campaign_id, platform`;
  const result = await sql<Group>`select ${sql.raw(key)}, posts, ${sql.raw(METRIC_NAMES.join(', '))}
    from ${sql.table(table)} order by ${sql.raw(key)}`.execute(db);
  return result.rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, /^-?\d+$/.test(String(v)) ? Number(v) : v])),
  );
}

function group(
  tenant: [string, string],
  bucket: Record<string, number>,
  brand: string,
  campaign: string,
  platform: string,
  sums: Partial<Record<(typeof METRIC_NAMES)[number] | 'posts', number>>,
): Group {
  const out: Group = {
    organization_id: tenant[0],
    environment: tenant[1],
    ...bucket,
    brand_id: brand,
    campaign_id: campaign,
    platform,
    posts: 0,
  };
  for (const m of METRIC_NAMES) out[m] = 0;
  return { ...out, ...sums };
}

for (const dialect of dialects) {
  describe(`migration 0018_metrics_rollups (${dialect})`, () => {
    let fresh: UnmigratedDatabase;
    let db: Kysely<Database>;
    let migrator: Migrator;

    before(async () => {
      fresh = await openUnmigrated(dialect);
      ({ db, migrator } = fresh);
    });
    after(() => fresh.close());

    it('backfills the sums of the posts there, and keeps them on every later write', async () => {
      const before = await migrator.migrateTo('0017_event_log_position');
      assert.equal(before.error, undefined, String(before.error));
      await db
        .insertInto('post_metrics_latest')
        .values([
          latest('p1'),
          // Same group as p1 (same day, slot, brand, no campaign, platform).
          latest('p2', { impressions: 50, likes: null, saves: null, video_views: 7 }),
          // Same day, next slot, a campaign.
          latest('p3', { published_at: T0 + 20 * 60_000, campaign_id: 'cmp_a', impressions: 5 }),
          // Another tenant: the same key otherwise.
          latest('p4', { organization_id: 'org_b', impressions: 1_000 }),
          latest('p5', { environment: 'test', impressions: 2_000 }),
        ])
        .execute();

      const latestStep = await migrator.migrateToLatest();
      assert.equal(latestStep.error, undefined, String(latestStep.error));
      const day = T0 / DAY;
      const slot = Math.floor((T0 + 10 * 60_000) / 900_000);
      const live: [string, string] = ['org_a', 'live'];
      assert.deepEqual(await rows(db, 'post_metrics_daily'), [
        group(live, { day }, 'brand_a', '', 'twitter', {
          posts: 2,
          impressions: 150,
          likes: 10,
          comments: 2,
          saves: 2,
          clicks: 6,
          video_views: 7,
        }),
        group(live, { day }, 'brand_a', 'cmp_a', 'twitter', {
          posts: 1,
          impressions: 5,
          likes: 10,
          comments: 1,
          saves: 2,
          clicks: 3,
        }),
        group(['org_a', 'test'], { day }, 'brand_a', '', 'twitter', {
          posts: 1,
          impressions: 2_000,
          likes: 10,
          comments: 1,
          saves: 2,
          clicks: 3,
        }),
        group(['org_b', 'live'], { day }, 'brand_a', '', 'twitter', {
          posts: 1,
          impressions: 1_000,
          likes: 10,
          comments: 1,
          saves: 2,
          clicks: 3,
        }),
      ]);
      assert.deepEqual(
        (await rows(db, 'post_metrics_slots')).filter(
          (r) => r.organization_id === 'org_a' && r.environment === 'live',
        ),
        [
          group(live, { slot }, 'brand_a', '', 'twitter', {
            posts: 2,
            impressions: 150,
            likes: 10,
            comments: 2,
            saves: 2,
            clicks: 6,
            video_views: 7,
          }),
          group(live, { slot: slot + 1 }, 'brand_a', 'cmp_a', 'twitter', {
            posts: 1,
            impressions: 5,
            likes: 10,
            comments: 1,
            saves: 2,
            clicks: 3,
          }),
        ],
      );

      // A newer snapshot in the same group; p3 moves to another day and platform; p2 is deleted; a new post.
      await db
        .updateTable('post_metrics_latest')
        .set({ impressions: 130, likes: 12 })
        .where('post_id', '=', 'p1')
        .execute();
      await db
        .updateTable('post_metrics_latest')
        .set({ published_at: T0 + DAY + 60_000, platform: 'facebook', impressions: 6 })
        .where('post_id', '=', 'p3')
        .execute();
      await db.deleteFrom('post_metrics_latest').where('post_id', '=', 'p2').execute();
      await db
        .insertInto('post_metrics_latest')
        .values(latest('p6', { brand_id: 'brand_b', impressions: null }))
        .execute();

      assert.deepEqual(
        (await rows(db, 'post_metrics_daily')).filter(
          (r) => r.organization_id === 'org_a' && r.environment === 'live',
        ),
        [
          group(live, { day }, 'brand_a', '', 'twitter', {
            posts: 1,
            impressions: 130,
            likes: 12,
            comments: 1,
            saves: 2,
            clicks: 3,
          }),
          // The cmp_a group of day 0 lost its only post: gone.
          group(live, { day }, 'brand_b', '', 'twitter', {
            posts: 1,
            likes: 10,
            comments: 1,
            saves: 2,
            clicks: 3,
          }),
          group(live, { day: day + 1 }, 'brand_a', 'cmp_a', 'facebook', {
            posts: 1,
            impressions: 6,
            likes: 10,
            comments: 1,
            saves: 2,
            clicks: 3,
          }),
        ],
      );
      // Every table agrees with post_metrics_latest summed afresh; the other tenants did not move.
      for (const table of ['post_metrics_daily', 'post_metrics_slots'] as const) {
        const ms = table === 'post_metrics_daily' ? DAY : 900_000;
        const all = await rows(db, table);
        const posts = await db.selectFrom('post_metrics_latest').selectAll().execute();
        const expected = new Map<string, number>();
        for (const p of posts) {
          const k = [
            p.organization_id,
            p.environment,
            Math.floor(Number(p.published_at) / ms),
            p.brand_id,
            p.campaign_id ?? '',
            p.platform,
          ].join('|');
          expected.set(k, (expected.get(k) ?? 0) + Number(p.impressions ?? 0));
        }
        assert.deepEqual(
          new Map(
            all.map((r) => [
              [r.organization_id, r.environment, r.day ?? r.slot, r.brand_id, r.campaign_id, r.platform].join(
                '|',
              ),
              r.impressions,
            ]),
          ),
          expected,
          table,
        );
        assert.ok(all.some((r) => r.organization_id === 'org_b' && r.impressions === 1_000));
      }
    });
  });
}
