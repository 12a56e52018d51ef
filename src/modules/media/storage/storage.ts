import type { Readable } from 'node:stream';

/** Inclusive byte offsets, as in an HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where media bytes live. Content-addressed: a blob's key is the SHA-256 (hex) of its bytes, so
 * identical uploads are stored once, and a key never changes meaning. Deciding when a blob may be
 * deleted (no media row refers to it) is the service's job, not the driver's.
 */
export interface MediaStorage {
  readonly driver: 'local' | 's3';
  /**
   * Streams `body` into storage while hashing it; nothing is held whole in memory. Resolves once the
   * blob is durable under its key. If `body` errors (e.g. a size limit), rejects with that error and
   * leaves nothing behind.
   */
  put(body: Readable): Promise<{ key: string; size: number }>;
  /** The blob's bytes (a range of them); rejects with `BlobNotFoundError` when there is no such blob. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  stat(key: string): Promise<{ size: number } | null>;
  /** Removes the blob; a missing one is not an error. */
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`No stored blob ${key}`);
    this.name = 'BlobNotFoundError';
  }
}

/** `ab/cd/abcd…`: two levels of fan-out keep directories (and S3 listings) small. */
export function blobPath(key: string): string {
  if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`Not a SHA-256 key: ${key}`);
  return `${key.slice(0, 2)}/${key.slice(2, 4)}/${key}`;
}
