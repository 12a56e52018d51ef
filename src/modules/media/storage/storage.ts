import type { Readable } from 'node:stream';
import type { SweepReport } from './temporary.js';

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
   * Streams `body` into the temporary area while hashing it; nothing is held whole in memory (a body
   * of up to 8 MiB may be, on S3). Resolves once all of it is written: the blob can be read, but is
   * not stored under its key until `commit`. If `body` errors (e.g. a size limit), rejects with that
   * error and leaves nothing behind.
   */
  stage(body: Readable): Promise<StagedBlob>;
  /** `stage` and `commit` in one: resolves once the blob is durable under its key. */
  put(body: Readable): Promise<{ key: string; size: number }>;
  /** The blob's bytes (a range of them); rejects with `BlobNotFoundError` when there is no such blob. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  stat(key: string): Promise<{ size: number } | null>;
  /** Removes the blob; a missing one is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Removes from the temporary area what no running upload can own (see `temporary.ts`): what a
   * crashed process left, and anything untouched for longer than `staleAfterMs`.
   */
  sweepTemporary(staleAfterMs: number): Promise<SweepReport>;
  close(): Promise<void>;
}

/** An upload written to the temporary area and hashed, not yet stored under its key. */
export interface StagedBlob {
  readonly key: string;
  readonly size: number;
  /** The staged bytes (a range of them). */
  read(range?: ByteRange): Promise<Readable>;
  /** Stores the blob under its key (identical bytes already there are kept) and frees the staging. */
  commit(): Promise<void>;
  /** Removes the staged bytes; nothing stays. Safe to call again, or after `commit` (then a no-op). */
  discard(): Promise<void>;
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
