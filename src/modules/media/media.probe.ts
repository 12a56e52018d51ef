import { pipeline } from 'node:stream/promises';
import { loadSharp } from '../../shared/sharp.js';
import { readVideoInfo, type VideoInfo } from './media.mp4.js';
import type { Detected } from './media.sniff.js';
import type { Readable } from 'node:stream';
import type { ByteRange } from './storage/index.js';

/** Reads the bytes being probed (a range of them). */
export type ReadBytes = (range?: ByteRange) => Promise<Readable>;

/** What is learnt from a stored file's bytes. */
export interface Probed {
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  /** An image's thumbnail (JPEG, at most THUMBNAIL_SIZE on its longer side). */
  thumbnail: Buffer | null;
}

export const THUMBNAIL_SIZE = 320;
export const THUMBNAIL_MIME = 'image/jpeg';

/** A file whose magic number looked right but whose content could not be read. */
export class UnreadableMediaError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnreadableMediaError';
  }
}

async function readRange(read: ReadBytes, range: ByteRange): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await read(range)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Streams the image through sharp: size (as displayed, EXIF orientation applied) and a thumbnail. */
async function probeImage(read: ReadBytes): Promise<Probed> {
  const sharp = await loadSharp();
  try {
    // Decoding stops at the first frame of a GIF, so the thumbnail is its first frame.
    const input = sharp({ failOn: 'error', limitInputPixels: 100_000_000 });
    const metadata = input.clone().metadata();
    const thumbnail = input
      .clone()
      .rotate()
      .resize({ width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 80 })
      .toBuffer();
    const [meta, thumb] = await Promise.all([metadata, thumbnail, pipeline(await read(), input)]);
    const oriented = meta.autoOrient ?? { width: meta.width, height: meta.height };
    return {
      width: oriented.width ?? null,
      height: oriented.height ?? null,
      durationSeconds: null,
      thumbnail: thumb,
    };
  } catch (error) {
    throw new UnreadableMediaError('The image could not be decoded', { cause: error });
  }
}

/** Logical screen size from the GIF header (bytes 6–9, little-endian). */
function gifSize(head: Buffer): { width: number; height: number } {
  return { width: head.readUInt16LE(6), height: head.readUInt16LE(8) };
}

async function probeVideo(read: ReadBytes, size: number, detected: Detected): Promise<Probed> {
  if (detected.mimeType === 'video/webm') {
    // WebM (EBML) metadata is not parsed: duration and size stay unknown.
    return { width: null, height: null, durationSeconds: null, thumbnail: null };
  }
  let info: VideoInfo | null;
  try {
    info = await readVideoInfo(
      (offset, length) => readRange(read, { start: offset, end: Math.min(offset + length, size) - 1 }),
      size,
    );
  } catch (error) {
    throw new UnreadableMediaError('The video could not be read', { cause: error });
  }
  if (!info) throw new UnreadableMediaError('The video has no movie header (moov box)');
  return { ...info, thumbnail: null };
}

/** Reads what the bytes tell: size, duration, a thumbnail. Throws UnreadableMediaError. */
export async function probe(
  read: ReadBytes,
  size: number,
  detected: Detected,
  head: Buffer,
): Promise<Probed> {
  if (detected.type === 'video') return probeVideo(read, size, detected);
  const image = await probeImage(read);
  if (detected.type === 'gif' && head.length >= 10) return { ...image, ...gifSize(head) };
  return image;
}
