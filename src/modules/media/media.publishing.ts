import type { PublishMedia } from '../../platforms/connector.js';
import { AppError } from '../../shared/errors.js';
import type { Tenant } from '../../shared/tenant.js';
import { getMediaItems, openContent, signedContentUrl, type MediaContext } from './media.service.js';

/**
 * How long the links handed to a platform stay valid. Graph API fetches `image_url`/`video_url` while a
 * container is created (Instagram) or a photo posted (Facebook); a publish retried hours later signs a
 * new link, so a day is plenty without leaving links valid for long.
 */
export const PUBLISH_LINK_TTL_MS = 24 * 3_600_000;

/**
 * A post's media as the connectors take it, in the post's order: a signed link the platform can fetch
 * without a key, and the bytes for platforms that take uploads (X), read only when asked for. A media item
 * deleted since the post was scheduled is an AppError naming it.
 */
export async function publishingMedia(
  ctx: MediaContext,
  tenant: Tenant,
  ids: string[],
): Promise<PublishMedia[]> {
  if (ids.length === 0) return [];
  const rows = await getMediaItems(ctx, tenant, ids);
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.find((id) => !found.has(id));
  if (missing) {
    throw new AppError('INVALID_INPUT', `Media item '${missing}' no longer exists`, {
      field: 'mediaIds',
      reason: `No media with id '${missing}'`,
    });
  }
  return rows.map((row) => ({
    id: row.id,
    type: row.type,
    mimeType: row.mime_type,
    url: signedContentUrl(ctx, row.id, PUBLISH_LINK_TTL_MS),
    async read() {
      const { stream } = await openContent(ctx, row);
      const chunks: Buffer[] = [];
      for await (const chunk of stream as AsyncIterable<Buffer | string>) {
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      }
      return Buffer.concat(chunks);
    },
  }));
}
