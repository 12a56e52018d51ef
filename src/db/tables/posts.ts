import type { Generated, Insertable, Selectable } from 'kysely';
import type { TenantRow, Timestamps } from './common-columns.js';

export const POST_STATUSES = [
  'DRAFT',
  'SCHEDULED',
  'PUBLISHING',
  'PUBLISHED',
  'FAILED',
  'CANCELLED',
] as const;
export type PostStatus = (typeof POST_STATUSES)[number];

export interface PostsTable extends TenantRow, Timestamps {
  brand_id: string;
  platform: string;
  social_account_id: string | null;
  caption: string;
  /** JSON array of media ids. */
  media_ids: string;
  link: string | null;
  first_comment: string | null;
  campaign_id: string | null;
  status: PostStatus;
  scheduled_for: number | null;
  published_at: number | null;
  platform_post_id: string | null;
  platform_url: string | null;
  error_code: string | null;
  error_message: string | null;
  /** JSON object, free-form (size-limited by the API). */
  metadata: string;
  /** Calls to the platform started for this post (recorded before each call). */
  publish_attempts: Generated<number>;
  publish_started_at: number | null;
  /**
   * The date the post is filtered (`startDate`/`endDate`) and sorted (`sortBy=date`) by:
   * `coalesce(scheduled_for, published_at, created_at)`. Computed by the repository on every write
   * (`postDate`, and in SQL on updates); never set by hand.
   */
  post_date: number;
}

export type PostRow = Selectable<PostsTable>;
export type NewPostRow = Insertable<PostsTable>;
/** A new post as the service builds it; the repository adds `post_date`. */
export type NewPost = Omit<NewPostRow, 'post_date'>;
