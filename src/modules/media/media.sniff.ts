import { Transform, type TransformCallback } from 'node:stream';
import { AppError, invalidInput } from '../../shared/errors.js';
import type { MediaType } from '../../db/tables/media.js';

export interface Detected {
  type: MediaType;
  mimeType: string;
}

/** Bytes read before deciding what a file is. */
export const SNIFF_BYTES = 64;

/** ISO-BMFF major brands taken as video (`ftyp`); HEIC/AVIF images share the container and are not. */
const MP4_BRANDS = new Set([
  'isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'mp41', 'mp42', 'mp71', 'avc1', 'M4V ', 'M4VH', 'M4VP',
  'dash', 'MSNV', 'NDAS', 'f4v ', 'mmp4',
]); // prettier-ignore

/** What the first bytes say the file is (magic numbers), or null for anything unsupported. */
export function sniff(head: Buffer): Detected | null {
  const ascii = (start: number, end: number) => head.toString('latin1', start, end);
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex'))) {
    return { type: 'image', mimeType: 'image/png' };
  }
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) {
    return { type: 'image', mimeType: 'image/jpeg' };
  }
  if (head.length >= 6 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) {
    return { type: 'gif', mimeType: 'image/gif' };
  }
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') {
    return { type: 'image', mimeType: 'image/webp' };
  }
  if (head.length >= 12 && ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    if (brand === 'qt  ') return { type: 'video', mimeType: 'video/quicktime' };
    if (MP4_BRANDS.has(brand)) return { type: 'video', mimeType: 'video/mp4' };
    return null;
  }
  // EBML header; the DocType distinguishes WebM from other Matroska files.
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3 && head.includes('webm', 4, 'latin1')) {
    return { type: 'video', mimeType: 'video/webm' };
  }
  return null;
}

/**
 * Declared types that say nothing about the content. `text/plain` is what multipart parsers assume for
 * a part sent without a Content-Type (RFC 7578); real text fails the sniffing anyway.
 */
const GENERIC = new Set([
  'application/octet-stream',
  'binary/octet-stream',
  'application/unknown',
  'text/plain',
]);
/** Other spellings of a type; MP4 and QuickTime share a container and are often labelled either way. */
const ALIASES: Record<string, string[]> = {
  'image/jpeg': ['image/jpg', 'image/pjpeg'],
  'image/png': ['image/x-png'],
  'video/mp4': ['video/quicktime', 'video/x-m4v', 'application/mp4'],
  'video/quicktime': ['video/mp4', 'video/x-m4v'],
};

/** True when a declared Content-Type is absent or generic, or agrees with the bytes. */
export function declaredMatches(declared: string | null | undefined, detected: Detected): boolean {
  const essence = (declared ?? '').split(';')[0]!.trim().toLowerCase();
  if (essence === '' || GENERIC.has(essence)) return true;
  return essence === detected.mimeType || (ALIASES[detected.mimeType] ?? []).includes(essence);
}

export interface MediaLimits {
  maxImageBytes: number;
  maxVideoBytes: number;
}

export function limitFor(limits: MediaLimits, type: MediaType): number {
  return type === 'video' ? limits.maxVideoBytes : limits.maxImageBytes;
}

function megabytes(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
}

/**
 * Passes bytes through while deciding, from the first ones, what the file is: an unsupported type, or
 * one that contradicts the declared Content-Type, fails the stream with 415 before anything is stored;
 * more bytes than the type's limit fail it with 413 as soon as the limit is crossed.
 */
export class MediaGate extends Transform {
  detected: Detected | undefined;
  /** The first bytes (up to SNIFF_BYTES), kept for header parsing (e.g. GIF dimensions). */
  head = Buffer.alloc(0);
  bytes = 0;
  private limit = Infinity;

  constructor(
    private readonly limits: MediaLimits,
    private readonly declaredType: string | null | undefined,
    private readonly field = 'file',
  ) {
    super();
  }

  private decide(): void {
    const detected = sniff(this.head);
    if (!detected) {
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        'Unsupported file type: upload a PNG, JPEG, GIF or WebP image, or an MP4, MOV or WebM video',
        { field: this.field, declaredType: this.declaredType ?? null },
      );
    }
    if (!declaredMatches(this.declaredType, detected)) {
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `The file was declared as ${this.declaredType} but its content is ${detected.mimeType}`,
        { field: this.field, declaredType: this.declaredType, detectedType: detected.mimeType },
      );
    }
    this.detected = detected;
    this.limit = limitFor(this.limits, detected.type);
  }

  private checkLimit(): void {
    if (this.bytes > this.limit) {
      throw new AppError(
        'PAYLOAD_TOO_LARGE',
        `The ${this.detected!.type} is larger than the limit of ${megabytes(this.limit)}`,
        { type: this.detected!.type, limitBytes: this.limit },
      );
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.bytes += chunk.length;
      if (this.detected) {
        this.checkLimit();
        return callback(null, chunk);
      }
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < SNIFF_BYTES) return callback();
      this.decide();
      this.checkLimit();
      const pending = this.head;
      this.head = pending.subarray(0, SNIFF_BYTES);
      callback(null, pending);
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (!this.detected) {
        if (this.head.length === 0) throw invalidInput([{ field: this.field, reason: 'The file is empty' }]);
        this.decide();
        this.checkLimit();
        this.push(this.head);
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}
