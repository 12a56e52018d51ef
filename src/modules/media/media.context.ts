import { createHmac } from 'node:crypto';
import type { Config } from '../../config/index.js';
import type { ServiceContext } from '../context.js';
import { IMPORT_TIMEOUT_MS } from './media.import.js';
import type { MediaContext } from './media.service.js';
import { createMediaStorage, type SweepReport } from './storage/index.js';

/**
 * Beyond the longest a writer of the temporary area may go without writing (a client's whole request,
 * a URL import), what is done with a finished upload before it is stored under its key: probing it,
 * making its thumbnail, a database write.
 */
const STALE_MARGIN_MS = 5 * 60_000;

/**
 * How long an entry of the temporary area (`media/tmp`) may go untouched before no running upload can
 * own it (see storage/temporary.ts): 10 minutes with the default AUDENCI_REQUEST_TIMEOUT_MS.
 */
export function temporaryStaleAfterMs(config: Config): number {
  return Math.max(config.load.requestTimeoutMs, IMPORT_TIMEOUT_MS) + STALE_MARGIN_MS;
}

/** Removes from the temporary area what no running upload can own (what crashed uploads left). */
export function sweepMediaTemporary(media: MediaContext): Promise<SweepReport> {
  return media.storage.sweepTemporary(media.temporaryStaleAfterMs);
}

/**
 * The media context of a runtime: the configured storage, limits, and the link-signing key. The
 * temporary area is swept first, so what a crash left there does not stay (a failure is reported to
 * `onError`, and does not stop the start).
 */
export async function createMediaContext(
  ctx: ServiceContext,
  config: Config,
  secretKey: Buffer,
  previousSecretKeys: readonly Buffer[] = [],
  onError: (error: unknown, what: string) => void = () => undefined,
): Promise<MediaContext> {
  const linkKey = (secret: Buffer) => createHmac('sha256', secret).update('audenci:media-links').digest();
  const media: MediaContext = {
    ...ctx,
    storage: await createMediaStorage(config),
    publicUrl: config.publicUrl,
    limits: { maxImageBytes: config.media.maxImageBytes, maxVideoBytes: config.media.maxVideoBytes },
    allowPrivateUrls: config.allowPrivateUrls,
    signingKey: linkKey(secretKey),
    previousSigningKeys: previousSecretKeys.map(linkKey),
    temporaryStaleAfterMs: temporaryStaleAfterMs(config),
  };
  await sweepMediaTemporary(media).catch((error: unknown) =>
    onError(error, 'cleaning the temporary media area'),
  );
  return media;
}
