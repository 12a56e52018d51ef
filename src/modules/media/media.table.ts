import type { Insertable, Selectable } from 'kysely';
import type { Environment } from '../../shared/tenant.js';

export const MEDIA_TYPES = ['image', 'gif', 'video'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];
export const MEDIA_SOURCES = ['upload', 'url', 'generated'] as const;
export type MediaSource = (typeof MEDIA_SOURCES)[number];

export interface MediaTable {
  id: string;
  organization_id: string;
  environment: Environment;
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
