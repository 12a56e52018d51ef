import { PlatformError, type PublishMedia } from '../connector.js';
import type { MediaType } from '../media.js';
import { isRecord, malformedResponse } from './twitter.errors.js';
import type { XClient } from './twitter.http.js';

/**
 * Media upload through X API v2's chunked flow (docs.x.com/x-api/media/quickstart/media-upload-chunked
 * and the reference pages for each step):
 *
 * 1. `POST /2/media/upload/initialize` `{media_type, total_bytes, media_category}` → `data.id`
 * 2. `POST /2/media/upload/{id}/append`, multipart `segment_index` + `media`, one call per segment
 *    (X asks for segments of at most 5 MB)
 * 3. `POST /2/media/upload/{id}/finalize` → `data.processing_info` when X still has work to do
 * 4. `GET /2/media/upload?command=STATUS&media_id={id}` until `succeeded` or `failed`
 *
 * The returned media id goes into `POST /2/tweets` as `media.media_ids`.
 */

export const SEGMENT_BYTES = 4 * 1024 * 1024;
/** How long we wait for X to process a video or GIF before calling the attempt a transient failure. */
export const MAX_PROCESSING_MS = 5 * 60 * 1000;

const CATEGORIES: Record<MediaType, string> = {
  image: 'tweet_image',
  gif: 'tweet_gif',
  video: 'tweet_video',
};

interface ProcessingInfo {
  state: string;
  checkAfterSecs: number;
}

function dataOf(body: unknown, what: string): Record<string, unknown> {
  if (isRecord(body) && isRecord(body.data)) return body.data;
  throw malformedResponse(what);
}

function processingOf(data: Record<string, unknown>): ProcessingInfo | null {
  const info = data.processing_info;
  if (!isRecord(info) || typeof info.state !== 'string') return null;
  const after = typeof info.check_after_secs === 'number' ? info.check_after_secs : 1;
  return { state: info.state, checkAfterSecs: Math.max(0, after) };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitUntilProcessed(client: XClient, mediaId: string, first: ProcessingInfo | null) {
  const deadline = Date.now() + MAX_PROCESSING_MS;
  let info = first;
  while (info && info.state !== 'succeeded') {
    if (info.state === 'failed') {
      throw new PlatformError(
        'invalid_content',
        `X could not process media ${mediaId}`,
        'media_processing_failed',
      );
    }
    if (Date.now() + info.checkAfterSecs * 1000 > deadline) {
      throw new PlatformError(
        'transient',
        `X is still processing media ${mediaId}`,
        'media_processing_timeout',
      );
    }
    await sleep(info.checkAfterSecs * 1000);
    const status = await client.call('GET', '/2/media/upload', {
      query: { command: 'STATUS', media_id: mediaId },
    });
    info = processingOf(dataOf(status, 'media status')) ?? { state: 'succeeded', checkAfterSecs: 0 };
  }
}

/** Uploads one item and waits until X can attach it to a post; returns X's media id. */
export async function uploadMedia(client: XClient, media: PublishMedia): Promise<string> {
  const bytes = await media.read();
  const init = dataOf(
    await client.call('POST', '/2/media/upload/initialize', {
      json: { media_type: media.mimeType, total_bytes: bytes.length, media_category: CATEGORIES[media.type] },
    }),
    'media initialize',
  );
  if (typeof init.id !== 'string') throw malformedResponse('media initialize');
  const mediaId = init.id;

  for (let offset = 0, index = 0; offset < bytes.length; offset += SEGMENT_BYTES, index++) {
    const form = new FormData();
    form.append('segment_index', String(index));
    form.append('media', new Blob([bytes.subarray(offset, offset + SEGMENT_BYTES)]), 'media');
    await client.call('POST', `/2/media/upload/${mediaId}/append`, { form });
  }

  const finalized = dataOf(
    await client.call('POST', `/2/media/upload/${mediaId}/finalize`),
    'media finalize',
  );
  await waitUntilProcessed(client, mediaId, processingOf(finalized));
  return mediaId;
}
