import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ftypBox, mdatHeader, moovBox } from '../../../test/fixtures/media.js';
import { createTenant, createTestApp, type Tenant, type TestApp } from '../../../test/helpers/app.js';

const MIB = 1024 * 1024;
const MDAT = 200 * MIB;

// A full garbage collection on demand (the runner does not pass --expose-gc). V8 collects the Buffers
// an upload streams through only once ~64 MiB of them are garbage, or later on a loaded machine, so RSS
// alone measures the collector's timing as much as the code: the bound is on what is still held after a
// collection — the live heap and Buffers — sampled through the upload.
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;
function liveBytes(): number {
  collect();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

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
    const baseline = liveBytes();
    let peak = baseline;
    const baselineRss = process.memoryUsage().rss;
    let peakRss = baselineRss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, liveBytes());
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
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
    const rssGrowth = (peakRss - baselineRss) / MIB;
    test.diagnostic(
      `held during the upload: ${growth.toFixed(1)} MiB more; RSS ${rssGrowth.toFixed(1)} MiB more`,
    );
    assert.ok(growth < 32, `the server held ${growth.toFixed(1)} MiB more during a 200 MiB upload`);
    // And the process as the system sees it: a buffered upload would take at least the file's size.
    assert.ok(rssGrowth < 128, `RSS grew by ${rssGrowth.toFixed(1)} MiB during a 200 MiB upload`);
  });
});
