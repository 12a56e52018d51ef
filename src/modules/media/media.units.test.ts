import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { ftypBox, makeImage, makeMp4, moovBox } from '../../../test/fixtures/media.js';
import { parseMoov, readVideoInfo } from './media.mp4.js';
import { ifNoneMatchHits as noneMatch } from '../../http/etag.js';
import { parseRange } from './media.range.js';
import { declaredMatches, MediaGate, sniff } from './media.sniff.js';

const readerOf = (file: Buffer) => async (offset: number, length: number) =>
  file.subarray(offset, offset + length);

describe('MP4 box reader', () => {
  it('finds duration and the video track size, with moov before or after mdat', async () => {
    for (const moovLast of [false, true]) {
      const file = makeMp4({ durationSeconds: 30.25, width: 1080, height: 1350, mdatBytes: 5000, moovLast });
      assert.deepEqual(await readVideoInfo(readerOf(file), file.length), {
        durationSeconds: 30.25,
        width: 1080,
        height: 1350,
      });
    }
  });

  it('reads a version 1 mvhd (64-bit duration)', () => {
    const v0 = moovBox({ durationSeconds: 1, width: 10, height: 10 });
    const mvhd = Buffer.alloc(8 + 4 + 108);
    mvhd.writeUInt32BE(mvhd.length, 0);
    mvhd.write('mvhd', 4, 'latin1');
    mvhd[8] = 1;
    mvhd.writeUInt32BE(90_000, 8 + 4 + 16);
    mvhd.writeBigUInt64BE(90_000n * 7200n, 8 + 4 + 20);
    const trak = v0.subarray(8 + 108); // the two trak boxes after the v0 mvhd
    assert.deepEqual(parseMoov(Buffer.concat([mvhd, trak])), {
      durationSeconds: 7200,
      width: 10,
      height: 10,
    });
  });

  it('answers null without a moov box, and for truncated or bogus sizes', async () => {
    const noMoov = Buffer.concat([
      ftypBox(),
      Buffer.from([0, 0, 0, 16, 0x6d, 0x64, 0x61, 0x74]),
      Buffer.alloc(8),
    ]);
    assert.equal(await readVideoInfo(readerOf(noMoov), noMoov.length), null);
    const bogus = Buffer.concat([ftypBox(), Buffer.from([0, 0, 0, 3, 0x66, 0x72, 0x65, 0x65])]);
    assert.equal(await readVideoInfo(readerOf(bogus), bogus.length), null);
    const file = makeMp4({ durationSeconds: 2, width: 4, height: 4, moovLast: true });
    assert.equal(await readVideoInfo(readerOf(file.subarray(0, -20)), file.length - 20), null);
  });
});

describe('type sniffing', () => {
  it('knows PNG, JPEG, GIF, WebP, MP4, MOV and WebM by their first bytes; nothing else', async () => {
    for (const [format, mime] of [
      ['png', 'image/png'],
      ['jpeg', 'image/jpeg'],
      ['gif', 'image/gif'],
      ['webp', 'image/webp'],
    ] as const) {
      assert.equal(sniff(await makeImage(format, 2, 2))?.mimeType, mime);
    }
    assert.deepEqual(sniff(makeMp4({ durationSeconds: 1, width: 1, height: 1 })), {
      type: 'video',
      mimeType: 'video/mp4',
    });
    assert.equal(sniff(ftypBox('qt  '))?.mimeType, 'video/quicktime');
    assert.equal(sniff(ftypBox('heic')), null, 'HEIC images share the container');
    const webm = Buffer.concat([Buffer.from('1a45dfa3', 'hex'), Buffer.alloc(8), Buffer.from('webm')]);
    assert.equal(sniff(webm)?.mimeType, 'video/webm');
    assert.equal(sniff(Buffer.from('%PDF-1.7 something')), null);
    assert.equal(sniff(Buffer.from('GIF8')), null);
  });

  it('a declared type matches when absent, generic, equal or an alias', () => {
    const png = { type: 'image' as const, mimeType: 'image/png' };
    const jpeg = { type: 'image' as const, mimeType: 'image/jpeg' };
    for (const declared of [undefined, null, '', 'application/octet-stream', 'image/png', 'IMAGE/PNG; x=1']) {
      assert.ok(declaredMatches(declared, png), String(declared));
    }
    assert.ok(declaredMatches('image/jpg', jpeg));
    assert.ok(declaredMatches('video/quicktime', { type: 'video', mimeType: 'video/mp4' }));
    assert.ok(!declaredMatches('image/jpeg', png));
    assert.ok(!declaredMatches('video/mp4', png));
  });

  it('the gate fails with 415 before passing anything on, and with 413 as soon as the limit is crossed', async () => {
    const collect = async (gate: MediaGate, chunks: Buffer[]) => {
      const out: Buffer[] = [];
      Readable.from(chunks).pipe(gate);
      try {
        for await (const c of gate) out.push(c as Buffer);
        return { out: Buffer.concat(out) };
      } catch (error) {
        return { out: Buffer.concat(out), error: error as { status: number; code: string } };
      }
    };
    const limits = { maxImageBytes: 100, maxVideoBytes: 1000 };
    const text = await collect(new MediaGate(limits, null), [Buffer.alloc(80, 0x41)]);
    assert.equal(text.error?.status, 415);
    assert.equal(text.out.length, 0);
    const png = (await makeImage('png', 2, 2)).subarray(0, 8);
    const big = await collect(new MediaGate(limits, 'image/png'), [png, Buffer.alloc(60), Buffer.alloc(60)]);
    assert.equal(big.error?.status, 413);
    const small = await collect(new MediaGate(limits, 'image/png'), [png, Buffer.alloc(10)]);
    assert.equal(small.error, undefined);
    assert.equal(small.out.length, 18, 'a file shorter than the sniffing window passes whole');
    const empty = await collect(new MediaGate(limits, null), []);
    assert.equal(empty.error?.status, 400);
  });
});

describe('Range and If-None-Match', () => {
  it('parses one byte range as RFC 9110 says', () => {
    assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
    assert.deepEqual(parseRange('bytes=90-200', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=95-', 100), { start: 95, end: 99 });
    assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-500', 100), { start: 0, end: 99 });
    assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable');
    for (const ignored of [undefined, 'items=0-1', 'bytes=0-1,5-6', 'bytes=5-1', 'bytes=-', 'bytes=a-b']) {
      assert.equal(parseRange(ignored, 100), null, String(ignored));
    }
  });

  it('matches a tag in an If-None-Match list, weak or strong, and *', () => {
    assert.ok(noneMatch('"a", "b"', '"b"'));
    assert.ok(noneMatch('W/"b"', '"b"'));
    assert.ok(noneMatch('*', '"b"'));
    assert.ok(!noneMatch('"a"', '"b"'));
    assert.ok(!noneMatch(undefined, '"b"'));
  });
});
