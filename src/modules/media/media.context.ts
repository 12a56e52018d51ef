import { createHmac } from 'node:crypto';
import type { Config } from '../../config/index.js';
import type { ServiceContext } from '../context.js';
import type { MediaContext } from './media.service.js';
import { createMediaStorage } from './storage/index.js';

/** The media context of a runtime: the configured storage, limits, and the link-signing key. */
export async function createMediaContext(
  ctx: ServiceContext,
  config: Config,
  secretKey: Buffer,
  previousSecretKeys: readonly Buffer[] = [],
): Promise<MediaContext> {
  const linkKey = (secret: Buffer) => createHmac('sha256', secret).update('audenci:media-links').digest();
  return {
    ...ctx,
    storage: await createMediaStorage(config),
    publicUrl: config.publicUrl,
    limits: { maxImageBytes: config.media.maxImageBytes, maxVideoBytes: config.media.maxVideoBytes },
    allowPrivateUrls: config.allowPrivateUrls,
    signingKey: linkKey(secretKey),
    previousSigningKeys: previousSecretKeys.map(linkKey),
  };
}
