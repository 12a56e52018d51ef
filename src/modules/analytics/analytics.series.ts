import { Type, type Static } from '@sinclair/typebox';
import { MAX_DELAYS as MAX_SYNC_DELAYS } from '../../config/index.js';
import type { Platform } from '../../platforms/platforms.js';
import { DateTime, Id, Nullable } from '../../shared/validation/schemas.js';
import { toIso } from '../../shared/clock.js';
import { scoped } from '../../db/tenant.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ServiceContext } from '../context.js';
import { PlatformName } from '../platform-catalog/index.js';
import { getPost } from '../posts/index.js';
import { EngagementRate, PlatformFigure } from './analytics.schemas.js';
import { engagementRate, engagementsOf } from './analytics.service.js';
import type { PostMetricsRow } from '../../db/tables/analytics.js';

const Count = Nullable(PlatformFigure());

export const MetricsSnapshotSchema = Type.Object(
  {
    capturedAt: DateTime(),
    impressions: Count,
    reach: Count,
    likes: Count,
    comments: Count,
    shares: Count,
    saves: Count,
    clicks: Count,
    videoViews: Count,
    engagementRate: EngagementRate(
      '(likes + comments + shares + saves + clicks) ÷ impressions, as `GET /analytics` defines it (a ' +
        'missing metric adds 0); null when impressions is 0 or unknown',
    ),
  },
  {
    $id: 'MetricsSnapshot',
    additionalProperties: false,
    description:
      "A post's lifetime metrics as its platform reported them at `capturedAt`; null where the platform has no such metric.",
  },
);

export const PostAnalyticsSchema = Type.Object(
  {
    postId: Id('post_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    platform: PlatformName,
    publishedAt: Nullable(DateTime()),
    snapshots: Type.Array(Type.Ref(MetricsSnapshotSchema), {
      maxItems: MAX_SYNC_DELAYS,
      description:
        'Oldest first; the last is the latest (what `GET /analytics` counts). One per metrics sync, so at ' +
        `most ${MAX_SYNC_DELAYS} (the number of \`AUDENCI_METRICS_SYNC_DELAYS\`).`,
    }),
  },
  { $id: 'PostAnalytics', additionalProperties: false },
);

export type PostAnalytics = Static<typeof PostAnalyticsSchema>;

function toSnapshot(row: PostMetricsRow): Static<typeof MetricsSnapshotSchema> {
  return {
    capturedAt: toIso(Number(row.captured_at))!,
    impressions: row.impressions,
    reach: row.reach,
    likes: row.likes,
    comments: row.comments,
    shares: row.shares,
    saves: row.saves,
    clicks: row.clicks,
    videoViews: row.video_views,
    engagementRate: engagementRate(engagementsOf(row), row.impressions),
  };
}

/** The snapshot time series of one post of the tenant (404 for a foreign or unknown post). */
export async function postAnalytics(
  ctx: ServiceContext,
  tenant: Tenant,
  postId: string,
): Promise<PostAnalytics> {
  const post = await getPost(ctx, tenant, postId);
  const rows = await scoped(ctx.db, tenant)
    .selectFrom('post_metrics')
    .selectAll()
    .where('post_id', '=', post.id)
    .orderBy('captured_at')
    .orderBy('id')
    .execute();
  return {
    postId: post.id,
    // A post's platform is one of PLATFORMS (its body's enum).
    platform: post.platform as Platform,
    publishedAt: post.publishedAt,
    snapshots: rows.map(toSnapshot),
  };
}
