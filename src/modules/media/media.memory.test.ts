import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ftypBox, mdatHeader, moovBox } from '../../../test/fixtures/media.js';
import { createTenant, createTestApp, type Tenant, type TestApp } from '../../../test/helpers/app.js';

const MIB = 1024 * 1024;
const MDAT = 200 * MIB;

// One run (SQLite, local files) is enough: the point is the HTTP path and the storage write, not the data.
describe('a 200 MB upload through a listening server', () => {
  let t: TestApp;
  let tenant: Tenant;
  let base: string;

  before(async () => {
    t = await createTestApp('sqlite', { env: { AUDENCI_MEDIA_MAX_VIDEO_BYTES: String(300 * MIB) } });
    tenant = await createTenant(t);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(() => t.close());

  it('keeps the server memory flat (growth well under the file size) and stores the video', async (test) => {
    const boundary = 'audenci-memory-test';
    const head = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\n` +
          'Content-Type: video/mp4\r\n\r\n',
      ),
      ftypBox(),
      mdatHeader(MDAT),
    ]);
    const tail = Buffer.concat([
      moovBox({ durationSeconds: 600, width: 3840, height: 2160 }),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const chunk = Buffer.alloc(MIB, 7);
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${base}/api/v1/media`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tenant.live.read_write}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + MDAT + tail.length),
        },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      // Written with backpressure, one reused 1 MiB chunk at a time: the client holds no copy either.
      let sent = 0;
      const pump = () => {
        while (sent < MDAT) {
          sent += MIB;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end(tail);
      };
      req.write(head);
      pump();
    });
    clearInterval(sampler);
    assert.equal(answer.status, 201, answer.body);
    const media = JSON.parse(answer.body).data;
    const moov = moovBox({ durationSeconds: 600, width: 3840, height: 2160 });
    assert.equal(media.size, ftypBox().length + 8 + MDAT + moov.length);
    assert.deepEqual([media.durationSeconds, media.width, media.height], [600, 3840, 2160]);
    const growth = (peak - baseline) / MIB;
    test.diagnostic(`RSS growth during the upload: ${growth.toFixed(1)} MiB`);
    assert.ok(growth < 64, `RSS grew by ${growth.toFixed(1)} MiB during a 200 MiB upload`);
  });
});
