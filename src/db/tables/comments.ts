import type { Generated, Insertable, Selectable } from 'kysely';
import type { TenantRow } from './common-columns.js';

export interface CommentsTable extends TenantRow {
  brand_id: string;
  post_id: string;
  platform: string;
  platform_comment_id: string;
  /** Our id (`cmt_…`) of the comment this one answers. */
  parent_id: string | null;
  author_id: string | null;
  author_name: string | null;
  author_handle: string | null;
  text: string;
  /** 1 for a reply posted through the API. */
  is_own: Generated<number>;
  /** When we last replied to this comment. */
  replied_at: number | null;
  /** The platform's time. */
  created_at: number;
  /** When the sync stored it. */
  received_at: number;
}

export interface CommentSyncsTable {
  post_id: string;
  next_sync_at: number;
  last_synced_at: number | null;
  last_error: string | null;
}

export type CommentRow = Selectable<CommentsTable>;
export type NewCommentRow = Insertable<CommentsTable>;
