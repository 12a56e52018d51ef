import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../../shared/private-files.js';
import { blobPath, BlobNotFoundError, type ByteRange, type MediaStorage } from './storage.js';

/**
 * Blobs as files under `<root>/ab/cd/<sha256>`. An upload is written to `<root>/tmp/` while it is
 * hashed, then renamed into place: a reader never sees a partial blob, and a failed upload leaves only
 * a temporary file, which is removed. Files are 0600 and folders 0700 (owner only).
 */
export class LocalStorage implements MediaStorage {
  readonly driver = 'local' as const;

  constructor(readonly root: string) {}

  private file(key: string): string {
    return path.join(this.root, ...blobPath(key).split('/'));
  }

  async put(body: Readable): Promise<{ key: string; size: number }> {
    const tmpDir = path.join(this.root, 'tmp');
    // Owner-only, whatever the umask (src/shared/private-files.ts).
    await fs.promises.mkdir(tmpDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const tmp = path.join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    // Opened (created) before anything is piped: a stream that opens its file lazily could create it
    // after an early error had already removed it, leaving a stray temporary file behind.
    const handle = await fs.promises.open(tmp, 'wx', PRIVATE_FILE_MODE);
    try {
      await pipeline(body, meter, handle.createWriteStream());
      const key = hash.digest('hex');
      const target = this.file(key);
      await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: PRIVATE_DIR_MODE });
      // Replacing an existing blob is harmless: its bytes are the same.
      await fs.promises.rename(tmp, target);
      return { key, size };
    } catch (error) {
      await handle.close().catch(() => undefined);
      await fs.promises.rm(tmp, { force: true });
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.file(key), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(key);
      throw error;
    }
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      return { size: (await fs.promises.stat(this.file(key))).size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.promises.rm(this.file(key), { force: true });
  }

  async close(): Promise<void> {}
}
