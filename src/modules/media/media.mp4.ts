/**
 * A small ISO-BMFF (MP4/MOV) box reader: just enough to find a video's duration (`moov/mvhd`) and
 * picture size (the first `moov/trak/tkhd` with a non-zero width and height). Top-level boxes are
 * walked by their headers, so a `moov` after a large `mdat` costs a few small reads, not the file.
 */
import { MAX_VIDEO_SECONDS } from '../../db/tables/media.js';

export interface VideoInfo {
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
}

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ReadAt = (offset: number, length: number) => Promise<Buffer>;

/** A `moov` larger than this is not read (real ones are kilobytes to a few megabytes). */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

interface Box {
  type: string;
  /** Offset of the box's payload, after its header. */
  start: number;
  /** Offset just after the box. */
  end: number;
}

/** The boxes directly inside `buf[from, to)`; a malformed size stops the walk. */
export function childBoxes(buf: Buffer, from = 0, to = buf.length): Box[] {
  const boxes: Box[] = [];
  let offset = from;
  while (offset + 8 <= to) {
    let size = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    let header = 8;
    if (size === 1) {
      if (offset + 16 > to) break;
      size = Number(buf.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = to - offset;
    }
    if (size < header || offset + size > to) break;
    boxes.push({ type, start: offset + header, end: offset + size });
    offset += size;
  }
  return boxes;
}

function parseMvhd(buf: Buffer, box: Box): number | null {
  const version = buf[box.start];
  const at = box.start + 4;
  if (version === 1) {
    if (at + 28 > box.end) return null;
    const timescale = buf.readUInt32BE(at + 16);
    const duration = Number(buf.readBigUInt64BE(at + 20));
    return timescale > 0 ? duration / timescale : null;
  }
  if (at + 16 > box.end) return null;
  const timescale = buf.readUInt32BE(at + 8);
  const duration = buf.readUInt32BE(at + 12);
  return timescale > 0 && duration !== 0xffffffff ? duration / timescale : null;
}

/** Width and height of a track (16.16 fixed point), or null for a track without a picture (audio). */
function parseTkhd(buf: Buffer, box: Box): { width: number; height: number } | null {
  const version = buf[box.start];
  const at = box.start + (version === 1 ? 88 : 76);
  if (at + 8 > box.end) return null;
  const width = Math.round(buf.readUInt32BE(at) / 65536);
  const height = Math.round(buf.readUInt32BE(at + 4) / 65536);
  return width > 0 && height > 0 ? { width, height } : null;
}

/** Duration and size from the payload of a `moov` box. */
export function parseMoov(moov: Buffer): VideoInfo {
  const info: VideoInfo = { durationSeconds: null, width: null, height: null };
  for (const box of childBoxes(moov)) {
    if (box.type === 'mvhd') {
      const seconds = parseMvhd(moov, box);
      // A header claiming more than a year is not a real video's length: unknown, not a huge number.
      info.durationSeconds =
        seconds === null || seconds > MAX_VIDEO_SECONDS ? null : Math.round(seconds * 1000) / 1000;
    } else if (box.type === 'trak' && info.width === null) {
      const tkhd = childBoxes(moov, box.start, box.end).find((b) => b.type === 'tkhd');
      const size = tkhd && parseTkhd(moov, tkhd);
      if (size) Object.assign(info, size);
    }
  }
  return info;
}

/** Finds the top-level `moov` box and parses it; null when there is none (not a usable video). */
export async function readVideoInfo(read: ReadAt, fileSize: number): Promise<VideoInfo | null> {
  let offset = 0;
  while (offset + 8 <= fileSize) {
    const header = await read(offset, 16);
    if (header.length < 8) return null;
    let size = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    let headerSize = 8;
    if (size === 1) {
      if (header.length < 16) return null;
      size = Number(header.readBigUInt64BE(8));
      headerSize = 16;
    } else if (size === 0) {
      size = fileSize - offset;
    }
    if (size < headerSize) return null;
    if (type === 'moov') {
      if (size > MAX_MOOV_BYTES || offset + size > fileSize) return null;
      const box = await read(offset + headerSize, size - headerSize);
      return parseMoov(box);
    }
    offset += size;
  }
  return null;
}
