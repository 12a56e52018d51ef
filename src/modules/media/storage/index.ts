import path from 'node:path';
import type { Config } from '../../../config/index.js';
import { LocalStorage } from './local.js';
import type { MediaStorage } from './storage.js';

export { BlobNotFoundError, type ByteRange, type MediaStorage, type StagedBlob } from './storage.js';
export { type SweepReport } from './temporary.js';

/**
 * The configured driver. The S3 driver (and the AWS SDK) is loaded only when selected, so embedded
 * installs never load it.
 */
export async function createMediaStorage(config: Config): Promise<MediaStorage> {
  if (config.media.storage === 's3' && config.media.s3) {
    const { S3Storage } = await import('./s3.js');
    return new S3Storage(config.media.s3);
  }
  return new LocalStorage(path.join(config.dataDir, 'media'));
}
