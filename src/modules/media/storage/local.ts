import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../../shared/private-files.js';
import {
  blobPath,
  BlobNotFoundError,
  type ByteRange,
  type MediaStorage,
  type StagedBlob,
} from './storage.js';
import { abandoned, temporaryName, type SweepReport } from './temporary.js';

async function openForReading(file: string, onMissing: () => Error, range?: ByteRange): Promise<Readable> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw onMissing();
    throw error;
  }
  return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
}

/**
 * Blobs as files under `<root>/ab/cd/<sha256>`. An upload is written to `<root>/tmp/` while it is
 * hashed, and renamed into place when committed: a reader never sees a partial blob, and a failed or
 * discarded upload leaves nothing (a crash leaves a temporary file, which `sweepTemporary` removes).
 * Files are 0600 and folders 0700 (owner only).
 */
export class LocalStorage implements MediaStorage {
  readonly driver = 'local' as const;

  constructor(readonly root: string) {}

  private file(key: string): string {
    return path.join(this.root, ...blobPath(key).split('/'));
  }

  private get tmpDir(): string {
    return path.join(this.root, 'tmp');
  }

  async stage(body: Readable): Promise<StagedBlob> {
    // Owner-only, whatever the umask (src/shared/private-files.ts).
    await fs.promises.mkdir(this.tmpDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const tmp = path.join(this.tmpDir, temporaryName());
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
    } catch (error) {
      await handle.close().catch(() => undefined);
      await fs.promises.rm(tmp, { force: true });
      throw error;
    }
    const key = hash.digest('hex');
    let settled = false;
    return {
      key,
      size,
      read: (range) => openForReading(tmp, () => new BlobNotFoundError(key), range),
      commit: async () => {
        if (settled) return;
        const target = this.file(key);
        await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: PRIVATE_DIR_MODE });
        // Replacing an existing blob is harmless: its bytes are the same.
        await fs.promises.rename(tmp, target);
        settled = true;
      },
      discard: async () => {
        if (settled) return;
        settled = true;
        await fs.promises.rm(tmp, { force: true });
      },
    };
  }

  async put(body: Readable): Promise<{ key: string; size: number }> {
    const staged = await this.stage(body);
    try {
      await staged.commit();
    } catch (error) {
      await staged.discard();
      throw error;
    }
    return { key: staged.key, size: staged.size };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    return openForReading(this.file(key), () => new BlobNotFoundError(key), range);
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

  async sweepTemporary(staleAfterMs: number): Promise<SweepReport> {
    const report: SweepReport = { removed: 0, kept: 0 };
    let names: string[];
    try {
      names = await fs.promises.readdir(this.tmpDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return report;
      throw error;
    }
    for (const name of names) {
      const file = path.join(this.tmpDir, name);
      try {
        const { mtimeMs } = await fs.promises.stat(file);
        if (abandoned(name, mtimeMs, Date.now(), staleAfterMs)) {
          await fs.promises.rm(file, { force: true, recursive: true });
          report.removed++;
        } else {
          report.kept++;
        }
      } catch (error) {
        // Renamed into place or removed by its owner meanwhile.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return report;
  }

  async close(): Promise<void> {}
}
