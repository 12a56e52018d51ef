import type { Insertable, Selectable } from 'kysely';
import type { TenantRow } from './common-columns.js';

export const MEDIA_TYPES = ['image', 'gif', 'video'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];
export const MEDIA_SOURCES = ['upload', 'url', 'generated'] as const;
/** Longest file name kept (an upload's or a URL's last segment; longer ones are cut). */
export const MAX_FILENAME_LENGTH = 255;
/** Longest video duration believed (a year): an MP4 header claiming more leaves the duration unknown. */
export const MAX_VIDEO_SECONDS = 366 * 86_400;
/** A thumbnail is a JPEG of at most 320×320 px: far below this many bytes. */
export const MAX_THUMBNAIL_BYTES = 1024 * 1024;
export type MediaSource = (typeof MEDIA_SOURCES)[number];

export interface MediaTable extends TenantRow {
  brand_id: string | null;
  type: MediaType;
  /** From the bytes (magic numbers), never from what the uploader declared. */
  mime_type: string;
  size: number;
  /** The storage key of the bytes; several rows (of any tenant) may share one blob. */
  sha256: string;
  width: number | null;
  height: number | null;
  duration_seconds: number | null;
  filename: string | null;
  source: MediaSource;
  /** The storage key of the thumbnail (a JPEG), for images and GIFs. */
  thumbnail_sha256: string | null;
  thumbnail_size: number | null;
  created_at: number;
}

export type MediaRow = Selectable<MediaTable>;
export type NewMediaRow = Insertable<MediaTable>;
