import type { Media } from '@audenci/sdk-js';

/** The types the library filters by, as the API names them, with the word the page shows. */
export const MEDIA_TYPES = [
  { value: 'image', label: 'Images' },
  { value: 'gif', label: 'GIFs' },
  { value: 'video', label: 'Videos' },
] as const;

export type MediaType = Media['type'];

export function isMediaType(value: string | undefined): value is MediaType {
  return MEDIA_TYPES.some((t) => t.value === value);
}

const TYPE_WORD: Record<MediaType, string> = { image: 'Image', gif: 'GIF', video: 'Video' };

export function typeWord(type: MediaType): string {
  return TYPE_WORD[type];
}

/** `48 KB`, `3.2 MB`: bytes in the units people read (1 KB = 1,000 bytes, as file browsers show). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toLocaleString(undefined, { maximumFractionDigits: value < 10 ? 1 : 0 })} ${units[unit]}`;
}

/** `0:12`, `1:04:09`: a video's length. */
export function formatSeconds(seconds: number): string {
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** `1080 × 1350 px`, or null when the file did not say. */
export function formatDimensions(media: Pick<Media, 'width' | 'height'>): string | null {
  return media.width && media.height ? `${media.width} × ${media.height} px` : null;
}

/** What the item is called on the page: its file name, else its id. */
export function mediaName(media: Pick<Media, 'filename' | 'id'>): string {
  return media.filename ?? media.id;
}

/**
 * The item's content and thumbnail as paths of this origin: the session cookie authenticates them (the
 * API's absolute URLs name its public URL, which may not be the origin the page was opened at).
 */
export function contentPath(media: Pick<Media, 'id'>): string {
  return `/api/v1/media/${encodeURIComponent(media.id)}/content`;
}

export function thumbnailPath(media: Pick<Media, 'id' | 'thumbnailUrl'>): string | null {
  return media.thumbnailUrl ? `/api/v1/media/${encodeURIComponent(media.id)}/thumbnail` : null;
}
