import type { Generated, Insertable, Selectable } from 'kysely';
import type { Environment } from '../../shared/tenant.js';

export const POST_STATUSES = [
  'DRAFT',
  'SCHEDULED',
  'PUBLISHING',
  'PUBLISHED',
  'FAILED',
  'CANCELLED',
] as const;
export type PostStatus = (typeof POST_STATUSES)[number];

export interface PostsTable {
  id: string;
  organization_id: string;
  environment: Environment;
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
  created_at: number;
  updated_at: number;
}

export type PostRow = Selectable<PostsTable>;
export type NewPostRow = Insertable<PostsTable>;
