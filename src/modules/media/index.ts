/** What other modules may use of media: storing files (generated images), lookups and content links. */
export {
  getMediaItems,
  openContent,
  signedContentUrl,
  storeMedia,
  toMedia,
  type Media,
  type MediaContext,
  type StoreMediaInput,
} from './media.service.js';
export { type MediaLimits } from './media.sniff.js';
export { MEDIA_TYPES, type MediaRow, type MediaSource, type MediaType } from '../../db/tables/media.js';
export { MediaSchema } from './media.schemas.js';
export { mediaRoutes, type MediaRouteDeps } from './media.routes.js';
export { createMediaStorage, BlobNotFoundError, type ByteRange, type MediaStorage } from './storage/index.js';
export { createMediaContext, sweepMediaTemporary } from './media.context.js';
export { mediaTemporaryTask } from './media.jobs.js';
export { publishingMedia, PUBLISH_LINK_TTL_MS } from './media.publishing.js';
