/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are JSON of any shape */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { makeImage, makeMp4, type ImageFormat } from '../../../test/fixtures/media.js';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { drivers, startStorage, upload, type StorageFixture } from '../../../test/helpers/media.js';
import { signedContentUrl } from './index.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const future = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
const IMAGE_LIMIT = 300_000;
const MIB = 1024 * 1024;
const VIDEO_LIMIT = 12 * MIB;

for (const dialect of dialects) {
  for (const driver of drivers) {
    describe(`media (${dialect}, ${driver} storage)`, () => {
      let storage: StorageFixture;
      let t: TestApp;
      let a: Tenant;
      let b: Tenant;
      let brandId: string;
      const blobs = () => storage.list(t);

      before(async () => {
        storage = await startStorage(driver);
        t = await createTestApp(dialect, {
          env: {
            ...storage.env,
            AUDENCI_MEDIA_MAX_IMAGE_BYTES: String(IMAGE_LIMIT),
            AUDENCI_MEDIA_MAX_VIDEO_BYTES: String(VIDEO_LIMIT),
          },
        });
        a = await createTenant(t, { name: 'A' });
        b = await createTenant(t, { name: 'B' });
        const brand = await call(t.app, 'POST', '/api/v1/brands', {
          key: a.live.admin,
          body: { name: 'Coffee' },
        });
        brandId = brand.body.data.id;
      });
      after(async () => {
        await t.close();
        await storage.close();
      });

      const content = (id: string, headers: Record<string, string> = {}, key = a.live.read) =>
        t.app.inject({
          method: 'GET',
          url: `/api/v1/media/${id}/content`,
          headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
        });

      it('PNG, JPEG, GIF, WebP and MP4 round-trip byte for byte, with metadata read from the bytes', async () => {
        const cases: [string, Buffer, Record<string, unknown>][] = [];
        for (const [format, mime] of [
          ['png', 'image/png'],
          ['jpeg', 'image/jpeg'],
          ['gif', 'image/gif'],
          ['webp', 'image/webp'],
        ] as [ImageFormat, string][]) {
          const type = format === 'gif' ? 'gif' : 'image';
          cases.push([
            mime,
            await makeImage(format, 400, 250),
            { type, mimeType: mime, width: 400, height: 250, durationSeconds: null },
          ]);
        }
        cases.push([
          'video/mp4',
          makeMp4({ durationSeconds: 12.5, width: 1080, height: 1920, moovLast: true }),
          { type: 'video', mimeType: 'video/mp4', width: 1080, height: 1920, durationSeconds: 12.5 },
        ]);
        for (const [mime, data, expected] of cases) {
          const res = await upload(
            t.app,
            a.live.read_write,
            { data, filename: `f.${mime.split('/')[1]}`, contentType: mime },
            { brandId },
          );
          assert.equal(res.status, 201, res.raw);
          const media = res.body.data;
          assert.match(media.id, /^med_/);
          assert.equal(res.headers.location, `http://audenci.test/api/v1/media/${media.id}`);
          assert.deepEqual(
            {
              type: media.type,
              mimeType: media.mimeType,
              width: media.width,
              height: media.height,
              durationSeconds: media.durationSeconds,
            },
            expected,
          );
          assert.equal(media.size, data.length);
          assert.equal(media.sha256, sha256(data));
          assert.equal(media.brandId, brandId);
          assert.equal(media.source, 'upload');
          assert.equal(media.url, `http://audenci.test/api/v1/media/${media.id}/content`);
          const got = await content(media.id);
          assert.equal(got.statusCode, 200);
          assert.ok(got.rawPayload.equals(data), `${mime} bytes`);
          assert.equal(got.headers['content-type'], mime);
          assert.equal(got.headers['content-length'], String(data.length));
          assert.equal(got.headers.etag, `"${media.sha256}"`);
          assert.equal(got.headers['accept-ranges'], 'bytes');
          const thumb = await t.app.inject({
            method: 'GET',
            url: `/api/v1/media/${media.id}/thumbnail`,
            headers: { authorization: `Bearer ${a.live.read}` },
          });
          if (expected.type === 'video') {
            assert.equal(media.thumbnailUrl, null);
            assert.equal(thumb.statusCode, 404);
          } else {
            assert.equal(media.thumbnailUrl, `http://audenci.test/api/v1/media/${media.id}/thumbnail`);
            assert.equal(thumb.statusCode, 200);
            assert.equal(thumb.headers['content-type'], 'image/jpeg');
            const meta = await sharp(thumb.rawPayload).metadata();
            assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 320, 200]);
          }
          const one = await call(t.app, 'GET', `/api/v1/media/${media.id}`, { key: a.live.read });
          assert.deepEqual(one.body.data, media);
        }
      });

      it('a text file sent as image/png, or a PNG declared as video, is 415 and nothing is stored', async () => {
        const before_ = await blobs();
        const text = await upload(t.app, a.live.read_write, {
          data: Buffer.from('just some words, definitely not a picture of anything at all'.repeat(3)),
          filename: 'notes.png',
          contentType: 'image/png',
        });
        assert.equal(text.status, 415, text.raw);
        assert.equal(text.body.error.code, 'UNSUPPORTED_MEDIA_TYPE');
        assert.equal(text.body.error.details.field, 'file');
        const lying = await upload(t.app, a.live.read_write, {
          data: await makeImage('png', 20, 20),
          contentType: 'video/mp4',
        });
        assert.equal(lying.status, 415, lying.raw);
        assert.equal(lying.body.error.details.detectedType, 'image/png');
        const generic = await upload(t.app, a.live.read_write, {
          data: await makeImage('png', 21, 21),
          contentType: 'application/octet-stream',
        });
        assert.equal(generic.status, 201, 'a generic declared type is no contradiction');
        assert.equal((await blobs()).length, before_.length + 2, 'the PNG and its thumbnail, nothing else');
      });

      it('an image over the limit is 413 and leaves nothing in storage', async () => {
        const before_ = await blobs();
        const png = Buffer.concat([
          (await makeImage('png', 4, 4)).subarray(0, 16),
          Buffer.alloc(IMAGE_LIMIT + 1),
        ]);
        const res = await upload(t.app, a.live.read_write, { data: png, contentType: 'image/png' });
        assert.equal(res.status, 413, res.raw);
        assert.equal(res.body.error.code, 'PAYLOAD_TOO_LARGE');
        assert.equal(res.body.error.details.limitBytes, IMAGE_LIMIT);
        assert.deepEqual(await blobs(), before_);
      });

      it('identical uploads share one blob, deleted with the last item that uses it (any tenant)', async () => {
        const data = await makeImage('png', 64, 48);
        const before_ = await blobs();
        const first = await upload(t.app, a.live.read_write, { data, contentType: 'image/png' });
        const second = await upload(t.app, b.live.read_write, { data });
        assert.equal(first.status, 201);
        assert.equal(second.status, 201);
        assert.notEqual(first.body.data.id, second.body.data.id);
        assert.equal(first.body.data.sha256, second.body.data.sha256);
        const stored = await blobs();
        assert.equal(stored.length, before_.length + 2, 'one blob and one thumbnail');
        assert.ok(stored.some((k) => k.endsWith(sha256(data))));
        const del = await call(t.app, 'DELETE', `/api/v1/media/${first.body.data.id}`, {
          key: a.live.read_write,
        });
        assert.equal(del.status, 200, del.raw);
        assert.deepEqual(del.body.data, { id: first.body.data.id, deleted: true });
        assert.deepEqual(await blobs(), stored, "B's item still uses the bytes");
        const still = await content(second.body.data.id, {}, b.live.read);
        assert.ok(still.rawPayload.equals(data));
        await call(t.app, 'DELETE', `/api/v1/media/${second.body.data.id}`, { key: b.live.read_write });
        assert.deepEqual(await blobs(), before_, 'the last user gone, so are the bytes');
      });

      it('a video larger than one storage part round-trips; one over the limit is 413 and leaves nothing', async () => {
        const before_ = await blobs();
        const big = makeMp4({
          durationSeconds: 61,
          width: 1280,
          height: 720,
          mdatBytes: 10 * MIB,
          moovLast: true,
        });
        const res = await upload(t.app, a.live.read_write, { data: big, contentType: 'video/mp4' });
        assert.equal(res.status, 201, res.raw);
        assert.deepEqual(
          [res.body.data.size, res.body.data.sha256, res.body.data.durationSeconds],
          [big.length, sha256(big), 61],
        );
        const got = await content(res.body.data.id);
        assert.equal(sha256(got.rawPayload), sha256(big));
        assert.equal((await blobs()).length, before_.length + 1, 'no temporary object left');
        const over = makeMp4({ durationSeconds: 1, width: 2, height: 2, mdatBytes: VIDEO_LIMIT });
        const refused = await upload(t.app, a.live.read_write, { data: over, contentType: 'video/mp4' });
        assert.equal(refused.status, 413, refused.raw);
        assert.equal((await blobs()).length, before_.length + 1);
        await call(t.app, 'DELETE', `/api/v1/media/${res.body.data.id}`, { key: a.live.read_write });
        assert.deepEqual(await blobs(), before_);
      });

      it('range requests: 206 with Content-Range, suffix ranges, 416 past the end; If-None-Match is 304', async () => {
        const data = makeMp4({ durationSeconds: 3, width: 640, height: 360, mdatBytes: 5000 });
        const { id } = (await upload(t.app, a.live.read_write, { data, contentType: 'video/mp4' })).body.data;
        const part = await content(id, { range: 'bytes=10-19' });
        assert.equal(part.statusCode, 206);
        assert.equal(part.headers['content-range'], `bytes 10-19/${data.length}`);
        assert.equal(part.headers['content-length'], '10');
        assert.ok(part.rawPayload.equals(data.subarray(10, 20)));
        const tail = await content(id, { range: 'bytes=-7' });
        assert.equal(tail.statusCode, 206);
        assert.ok(tail.rawPayload.equals(data.subarray(data.length - 7)));
        const open = await content(id, { range: `bytes=${data.length - 3}-` });
        assert.ok(open.rawPayload.equals(data.subarray(data.length - 3)));
        const past = await content(id, { range: `bytes=${data.length}-` });
        assert.equal(past.statusCode, 416);
        assert.equal(past.headers['content-range'], `bytes */${data.length}`);
        assert.equal(JSON.parse(past.body).error.code, 'RANGE_NOT_SATISFIABLE');
        const cached = await content(id, { 'if-none-match': `"${sha256(data)}"` });
        assert.equal(cached.statusCode, 304);
        assert.equal(cached.rawPayload.length, 0);
      });

      it('a signed link works without a key; tampered, moved to another id or expired it is 403', async () => {
        const data = await makeImage('webp', 30, 30);
        const mine = (await upload(t.app, a.live.read_write, { data, contentType: 'image/webp' })).body.data;
        const other = (await upload(t.app, a.live.read_write, { data: await makeImage('png', 31, 31) })).body
          .data;
        const link = new URL(signedContentUrl(t.runtime.media, mine.id, 60_000));
        assert.equal(link.origin + link.pathname, mine.url);
        const get = (url: URL) => t.app.inject({ method: 'GET', url: url.pathname + url.search });
        const ok = await get(link);
        assert.equal(ok.statusCode, 200);
        assert.ok(ok.rawPayload.equals(data));
        const tampered = new URL(link);
        const sig = tampered.searchParams.get('signature')!;
        tampered.searchParams.set('signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
        const moved = new URL(link.href.replace(mine.id, other.id));
        const later = new URL(link);
        later.searchParams.set('expires', String(Number(link.searchParams.get('expires')) + 60));
        const expired = new URL(signedContentUrl(t.runtime.media, mine.id, -1000));
        for (const [url, reason] of [
          [tampered, 'invalid_signature'],
          [moved, 'invalid_signature'],
          [later, 'invalid_signature'],
          [expired, 'expired'],
        ] as const) {
          const res = await get(url);
          assert.equal(res.statusCode, 403, url.href);
          assert.equal(JSON.parse(res.body).error.details.reason, reason);
        }
        const bare = await get(new URL(mine.url));
        assert.equal(bare.statusCode, 401, 'no key and no signature');
        const meta = await t.app.inject({ method: 'GET', url: `/api/v1/media/${mine.id}${link.search}` });
        assert.equal(meta.statusCode, 401, 'a signature opens the content only');
      });

      it('every route is tenant-scoped: other organizations and the other environment see 404', async () => {
        const { id } = (await upload(t.app, a.live.read_write, { data: await makeImage('gif', 8, 8) })).body
          .data;
        for (const key of [b.live.admin, a.test.admin]) {
          for (const path of ['', '/content', '/thumbnail']) {
            const res = await call(t.app, 'GET', `/api/v1/media/${id}${path}`, { key });
            assert.equal(res.status, 404, `GET ${path}`);
            assert.equal(res.body.error.code, 'NOT_FOUND');
          }
          assert.equal((await call(t.app, 'DELETE', `/api/v1/media/${id}`, { key })).status, 404);
          const list = await call(t.app, 'GET', '/api/v1/media', { key, query: { limit: 100 } });
          assert.ok(!list.body.data.some((m: any) => m.id === id));
        }
        const foreignBrand = await upload(
          t.app,
          b.live.read_write,
          { data: await makeImage('gif', 9, 9) },
          { brandId },
        );
        assert.equal(foreignBrand.status, 400);
        assert.equal(foreignBrand.body.error.details.field, 'brandId');
        assert.equal((await call(t.app, 'GET', `/api/v1/media/${id}`, { key: a.live.read })).status, 200);
      });

      it('scopes: read lists and downloads, read_write uploads and deletes', async () => {
        const refused = await upload(t.app, a.live.read, { data: await makeImage('png', 5, 5) });
        assert.equal(refused.status, 403);
        assert.equal(refused.body.error.details.requiredScope, 'read_write');
        const { id } = (await upload(t.app, a.live.read_write, { data: await makeImage('png', 6, 6) })).body
          .data;
        assert.equal((await call(t.app, 'DELETE', `/api/v1/media/${id}`, { key: a.live.read })).status, 403);
        assert.equal((await call(t.app, 'GET', '/api/v1/media', { key: a.live.read })).status, 200);
      });

      it('lists filter by type and brand, newest first, with pagination', async () => {
        const other = await call(t.app, 'POST', '/api/v1/brands', {
          key: a.test.admin,
          body: { name: 'Listed' },
        });
        const listedBrand = other.body.data.id;
        const key = a.test.read_write;
        const ids: string[] = [];
        for (const data of [
          await makeImage('png', 10, 10),
          makeMp4({ durationSeconds: 1, width: 2, height: 2 }),
          await makeImage('gif', 10, 10),
        ]) {
          ids.push((await upload(t.app, key, { data }, { brandId: listedBrand })).body.data.id);
        }
        await upload(t.app, key, { data: await makeImage('png', 11, 11) });
        const byBrand = await call(t.app, 'GET', '/api/v1/media', {
          key,
          query: { brandId: listedBrand, limit: 2 },
        });
        assert.deepEqual(
          byBrand.body.data.map((m: any) => m.id),
          [ids[2], ids[1]],
        );
        assert.equal(byBrand.body.pagination.totalCount, 3);
        assert.equal(byBrand.body.pagination.hasMore, true);
        const next = await call(t.app, 'GET', '/api/v1/media', {
          key,
          query: { brandId: listedBrand, limit: 2, cursor: byBrand.body.pagination.nextCursor },
        });
        assert.deepEqual(
          next.body.data.map((m: any) => m.id),
          [ids[0]],
        );
        const videos = await call(t.app, 'GET', '/api/v1/media', { key, query: { type: 'video' } });
        assert.deepEqual(
          videos.body.data.map((m: any) => m.id),
          [ids[1]],
        );
        const bad = await call(t.app, 'GET', '/api/v1/media', { key, query: { type: 'audio' } });
        assert.equal(bad.status, 400);
        assert.equal(bad.body.error.details.field, 'type');
      });

      it('posts check their media: unknown ids are 400 naming them, rules see type and duration, delete waits for the post', async () => {
        const key = a.live.read_write;
        const image = (await upload(t.app, key, { data: await makeImage('png', 100, 100) })).body.data;
        const long = (
          await upload(t.app, key, { data: makeMp4({ durationSeconds: 150, width: 1280, height: 720 }) })
        ).body.data;
        const foreign = (await upload(t.app, b.live.read_write, { data: await makeImage('png', 12, 12) }))
          .body.data;
        const post = (body: object) =>
          call(t.app, 'POST', '/api/v1/posts', {
            key,
            body: { brandId, platform: 'twitter', caption: 'Media', ...body },
          });
        const unknown = await post({ mediaIds: [image.id, 'med_01M8FHSW4FSXDVQCQJRMA72QE2'] });
        assert.equal(unknown.status, 400, unknown.raw);
        assert.equal(unknown.body.error.details.field, 'mediaIds[1]');
        const other = await post({ mediaIds: [foreign.id] });
        assert.equal(other.status, 400);
        assert.equal(other.body.error.details.field, 'mediaIds[0]');
        const tooLong = await post({ mediaIds: [long.id], scheduledFor: future(2) });
        assert.equal(tooLong.status, 400, tooLong.raw);
        assert.equal(tooLong.body.error.details.rule, 'media.videoDuration');
        const draft = await post({ mediaIds: [long.id] });
        assert.equal(draft.status, 201, 'a draft is not held to the rules yet');
        const scheduled = await post({ mediaIds: [image.id], scheduledFor: future(2) });
        assert.equal(scheduled.status, 201, scheduled.raw);
        const refused = await call(t.app, 'DELETE', `/api/v1/media/${image.id}`, { key });
        assert.equal(refused.status, 409, refused.raw);
        assert.equal(refused.body.error.details.postId, scheduled.body.data.id);
        await call(t.app, 'PATCH', `/api/v1/posts/${scheduled.body.data.id}`, {
          key,
          body: { status: 'DRAFT' },
        });
        assert.equal((await call(t.app, 'DELETE', `/api/v1/media/${image.id}`, { key })).status, 200);
      });

      it('imports from a URL: private addresses are refused (400 naming url) unless allowed', async () => {
        const data = await makeImage('png', 40, 30);
        const server = http.createServer((req, res) => {
          if (req.url === '/pic.png') res.writeHead(200, { 'content-type': 'image/png' }).end(data);
          else res.writeHead(404).end();
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const open = await createTestApp(dialect, {
          env: { ...storage.env, AUDENCI_ALLOW_PRIVATE_URLS: 'true' },
        });
        try {
          const refused = await call(t.app, 'POST', '/api/v1/media', {
            key: a.live.read_write,
            body: { url: `${base}/pic.png` },
          });
          assert.equal(refused.status, 400, refused.raw);
          assert.equal(refused.body.error.details.field, 'url');
          const tenant = await createTenant(open);
          const imported = await call(open.app, 'POST', '/api/v1/media', {
            key: tenant.live.read_write,
            body: { url: `${base}/pic.png` },
          });
          assert.equal(imported.status, 201, imported.raw);
          assert.deepEqual(
            [
              imported.body.data.source,
              imported.body.data.filename,
              imported.body.data.width,
              imported.body.data.sha256,
            ],
            ['url', 'pic.png', 40, sha256(data)],
          );
          const missing = await call(open.app, 'POST', '/api/v1/media', {
            key: tenant.live.read_write,
            body: { url: `${base}/gone.png` },
          });
          assert.equal(missing.status, 400);
          assert.match(missing.body.error.message, /HTTP 404/);
        } finally {
          await open.close();
          server.close();
        }
      });
    });
  }
}
