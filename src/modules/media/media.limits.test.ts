import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeImage, moovBox } from '../../../test/fixtures/media.js';
import {
  createTenant,
  createTestApp,
  dialects,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { upload } from '../../../test/helpers/media.js';
import { parseMoov } from './media.mp4.js';

/** What an upload brings from outside stays within what the document says of a media item. */

describe('video duration', () => {
  it('a header claiming more than a year leaves the duration unknown', () => {
    const v0 = moovBox({ durationSeconds: 1, width: 10, height: 10 });
    const mvhd = (seconds: bigint) => {
      const box = Buffer.alloc(8 + 4 + 108);
      box.writeUInt32BE(box.length, 0);
      box.write('mvhd', 4, 'latin1');
      box[8] = 1;
      box.writeUInt32BE(1, 8 + 4 + 16);
      box.writeBigUInt64BE(seconds, 8 + 4 + 20);
      return box;
    };
    const trak = v0.subarray(8 + 108);
    const year = 366n * 86_400n;
    assert.deepEqual(parseMoov(Buffer.concat([mvhd(year), trak])), {
      durationSeconds: 31_622_400,
      width: 10,
      height: 10,
    });
    assert.deepEqual(parseMoov(Buffer.concat([mvhd(year + 1n), trak])), {
      durationSeconds: null,
      width: 10,
      height: 10,
    });
    assert.deepEqual(parseMoov(Buffer.concat([mvhd(2n ** 64n - 1n), trak])).durationSeconds, null);
  });
});

for (const dialect of dialects) {
  describe(`media limits (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    before(async () => {
      t = await createTestApp(dialect);
      tenant = await createTenant(t);
    });
    after(() => t.close());

    it("an upload's file name is cut to 255 characters (code points, never half an emoji)", async () => {
      const name = `${'😀'.repeat(300)}.png`;
      const res = await upload(t.app, tenant.live.read_write, {
        data: await makeImage('png', 8, 8),
        filename: name,
        contentType: 'image/png',
      });
      assert.equal(res.status, 201, res.raw);
      assert.equal(res.body.data.filename, '😀'.repeat(255));
    });

    it('a brandId part longer than an id is 400 naming it', async () => {
      const res = await upload(
        t.app,
        tenant.live.read_write,
        { data: await makeImage('png', 8, 8), filename: 'a.png', contentType: 'image/png' },
        { brandId: `brand_${'x'.repeat(100)}` },
      );
      assert.equal(res.status, 400, res.raw);
      const problem = { field: 'brandId', reason: 'Must be at most 64 characters' };
      assert.deepEqual(res.body, {
        error: {
          code: 'INVALID_INPUT',
          message: 'brandId: must be at most 64 characters',
          details: { ...problem, errors: [problem], location: 'body' },
        },
      });
    });
  });
}
