import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { startFakeOpenAi, type FakeOpenAi } from '../../../test/fakes/openai-server.js';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Answer,
  type TestApp,
  type Tenant,
} from '../../../test/helpers/app.js';
import { startJobsWorker, waitForJob } from '../../../test/helpers/job-types.js';
import { captionViolations } from '../../ai/index.js';
import type { Worker } from '../../worker/worker.js';

/** The stored bytes of a media item, as sharp sees them. */
async function contentOf(t: TestApp, key: string, id: string) {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/media/${id}/content`,
    headers: { authorization: `Bearer ${key}` },
  });
  assert.equal(res.statusCode, 200, res.body);
  return sharp(res.rawPayload).metadata();
}

function assertInvalid(res: Answer, field: string) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'INVALID_INPUT');
  assert.equal(res.body.error.details.field, field);
}

for (const dialect of dialects) {
  describe(`AI generation with the builtin provider (${dialect})`, () => {
    let t: TestApp;
    let a: Tenant;
    let b: Tenant;
    let brandId: string;
    let foreignBrandId: string;
    before(async () => {
      t = await createTestApp(dialect);
      a = await createTenant(t);
      b = await createTenant(t, { name: 'Other org' });
      const brand = { name: 'Acme Coffee', voice: 'Playful and warm', colors: ['#ff6600', '#222222'] };
      brandId = (await call(t.app, 'POST', '/api/v1/brands', { key: a.live.admin, body: brand })).body.data
        .id;
      foreignBrandId = (await call(t.app, 'POST', '/api/v1/brands', { key: b.live.admin, body: brand })).body
        .data.id;
    });
    after(() => t.close());

    it('POST /captions/generate answers n valid drafts, deterministically, in the brand voice', async () => {
      const body = { topic: 'Our new spring cold brew', platform: 'instagram', brandId, n: 4 };
      const res = await call(t.app, 'POST', '/api/v1/captions/generate', { key: a.live.read_write, body });
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.body.data.length, 4);
      for (const d of res.body.data) {
        assert.deepEqual(Object.keys(d).sort(), ['caption', 'hashtags']);
        assert.deepEqual(captionViolations('instagram', d.caption), []);
      }
      const again = await call(t.app, 'POST', '/api/v1/captions/generate', { key: a.live.read_write, body });
      assert.deepEqual(again.body, res.body);
      const playful = await call(t.app, 'POST', '/api/v1/captions/generate', {
        key: a.live.read_write,
        body: { ...body, brandId: undefined, tone: 'playful' },
      });
      assert.notDeepEqual(playful.body, res.body, 'the brand name changes the drafts');
      const defaults = await call(t.app, 'POST', '/api/v1/captions/generate', {
        key: a.live.read_write,
        body: { topic: 'Hello', platform: 'twitter' },
      });
      assert.equal(defaults.body.data.length, 3, 'n defaults to 3');
    });

    it('refuses bad input in the error envelope: n, platform, tone, blank topic, a foreign brand', async () => {
      const post = (body: object) =>
        call(t.app, 'POST', '/api/v1/captions/generate', { key: a.live.read_write, body });
      assertInvalid(await post({ topic: 'x', platform: 'twitter', n: 6 }), 'n');
      assertInvalid(await post({ topic: 'x', platform: 'twitter', n: 0 }), 'n');
      assertInvalid(await post({ topic: 'x', platform: 'myspace' }), 'platform');
      assertInvalid(await post({ topic: 'x', platform: 'twitter', tone: 'grumpy' }), 'tone');
      assertInvalid(await post({ topic: '   ', platform: 'twitter' }), 'topic');
      assertInvalid(await post({ platform: 'twitter' }), 'topic');
      const foreign = await post({ topic: 'x', platform: 'twitter', brandId: foreignBrandId });
      assertInvalid(foreign, 'brandId');
      assert.ok(!foreign.raw.includes('Other org'));
      const readOnly = await call(t.app, 'POST', '/api/v1/captions/generate', {
        key: a.live.read,
        body: { topic: 'x', platform: 'twitter' },
      });
      assert.equal(readOnly.status, 403);
    });

    it('POST /images/generate stores valid images of the requested aspect ratio as generated media', async () => {
      const res = await call(t.app, 'POST', '/api/v1/images/generate', {
        key: a.live.read_write,
        body: { prompt: 'Summer sale: 20 % off', brandId, aspectRatio: '1.91:1', n: 2 },
      });
      assert.equal(res.status, 201, res.raw);
      assert.equal(res.body.data.length, 2);
      for (const media of res.body.data) {
        assert.match(media.id, /^med_/);
        assert.deepEqual(
          [media.source, media.type, media.mimeType, media.brandId],
          ['generated', 'image', 'image/png', brandId],
        );
        const meta = await contentOf(t, a.live.read, media.id);
        assert.equal(meta.format, 'png');
        assert.ok(
          Math.abs(meta.width! / meta.height! - 1.91) * meta.height! <= 1,
          `${meta.width}x${meta.height}`,
        );
      }
      const listed = await call(t.app, 'GET', `/api/v1/media/${res.body.data[0].id}`, { key: a.live.read });
      assert.equal(listed.status, 200);

      const exact = await call(t.app, 'POST', '/api/v1/images/generate', {
        key: a.live.read_write,
        body: { prompt: 'Tall', size: '180x320', format: 'jpeg' },
      });
      assert.equal(exact.status, 201, exact.raw);
      const meta = await contentOf(t, a.live.read, exact.body.data[0].id);
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 180, 320]);
      const other = await call(t.app, 'GET', `/api/v1/media/${exact.body.data[0].id}`, { key: b.live.read });
      assert.equal(other.status, 404, 'another organization does not see it');
    });

    it('refuses bad image requests: aspect ratio, size, both, n, a foreign brand', async () => {
      const post = (body: object) =>
        call(t.app, 'POST', '/api/v1/images/generate', { key: a.live.read_write, body });
      assertInvalid(await post({ prompt: 'x', aspectRatio: '3:2' }), 'aspectRatio');
      assertInvalid(await post({ prompt: 'x', size: '10x10' }), 'size');
      assertInvalid(await post({ prompt: 'x', size: 'big' }), 'size');
      assertInvalid(await post({ prompt: 'x', size: '100x100', aspectRatio: '1:1' }), 'size');
      assertInvalid(await post({ prompt: 'x', n: 5 }), 'n');
      assertInvalid(await post({ prompt: 'x', brandId: foreignBrandId }), 'brandId');
    });
  });

  describe(`AI generation with an OpenAI-compatible provider (${dialect})`, () => {
    let fake: FakeOpenAi;
    let t: TestApp;
    let a: Tenant;
    let worker: Worker;
    before(async () => {
      fake = await startFakeOpenAi();
      t = await createTestApp(dialect, {
        env: {
          AI_PROVIDER: 'openai-compatible',
          OPENAI_BASE_URL: fake.url,
          OPENAI_API_KEY: fake.apiKey,
          AI_TIMEOUT_MS: '2000',
          AI_MAX_RETRIES: '1',
        },
      });
      a = await createTenant(t);
      worker = await startJobsWorker(t);
    });
    after(async () => {
      await worker.stop();
      await t.close();
      await fake.close();
    });

    const captions = { topic: 'Cold brew', platform: 'linkedin', n: 2 };

    it('captions come from the provider; failures are 502/503 envelopes without its body or our key', async () => {
      const ok = await call(t.app, 'POST', '/api/v1/captions/generate', {
        key: a.live.read_write,
        body: captions,
      });
      assert.equal(ok.status, 200, ok.raw);
      assert.deepEqual(ok.body.data[0], {
        caption: 'Fresh idea number 1\n\n#fresh #ideas',
        hashtags: ['fresh', 'ideas'],
      });

      fake.failNext({ kind: 'server_error' }, 2);
      const failed = await call(t.app, 'POST', '/api/v1/captions/generate', {
        key: a.live.read_write,
        body: captions,
      });
      assert.equal(failed.status, 502, failed.raw);
      assert.equal(failed.body.error.code, 'AI_PROVIDER_ERROR');
      assert.ok(
        !failed.raw.includes(fake.apiKey) && !failed.raw.includes('processing your request'),
        failed.raw,
      );

      fake.failNext({ kind: 'hang' });
      const slow = await call(t.app, 'POST', '/api/v1/captions/generate', {
        key: a.live.read_write,
        body: captions,
      });
      assert.equal(slow.status, 503, slow.raw);
      assert.equal(slow.body.error.code, 'AI_PROVIDER_UNAVAILABLE');
    });

    it('images run as an images.generate job whose result lists the stored media', async () => {
      const res = await call(t.app, 'POST', '/api/v1/images/generate', {
        key: a.live.read_write,
        body: { prompt: 'A cup of coffee', aspectRatio: '4:5', n: 2 },
      });
      assert.equal(res.status, 202, res.raw);
      assert.equal(res.body.data.type, 'images.generate');
      assert.equal(res.headers.location, `http://audenci.test/api/v1/jobs/${res.body.data.id}`);
      const job = await waitForJob(t, a.live.read, res.body.data.id);
      assert.equal(job.status, 'succeeded', JSON.stringify(job));
      assert.deepEqual(job.progress, { total: 2, processed: 2, succeeded: 2, failed: 0 });
      assert.equal(job.result.mediaIds.length, 2);
      for (const id of job.result.mediaIds) {
        const meta = await contentOf(t, a.live.read, id);
        assert.deepEqual([meta.width, meta.height], [1080, 1350]);
      }
    });
  });
}
