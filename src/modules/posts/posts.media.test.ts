import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { startFakeX, type FakeX } from '../../../test/fakes/x-server.js';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  startWorker,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { connectLiveAccount } from '../../../test/helpers/platforms.js';
import type { Worker } from '../../worker/index.js';
import { publishingMedia, storeMedia } from '../media/index.js';

/**
 * Live posts with media: the worker hands each item to the connector as a signed link (which serves
 * the bytes without an API key) and as bytes; X receives the very file through its chunked upload and
 * the post references the uploaded media. A media item deleted before publishing fails the post with
 * `media_unavailable`, and nothing reaches the platform.
 */
for (const dialect of dialects) {
  describe(`publishing media (${dialect})`, () => {
    let x: FakeX;
    let t: TestApp;
    let tenant: Tenant;
    let worker: Worker;
    let brandId: string;
    let accountId: string;
    let png: Buffer;

    before(async () => {
      x = await startFakeX();
      t = await createTestApp(dialect, {
        env: {
          TWITTER_CLIENT_ID: x.clientId,
          TWITTER_CLIENT_SECRET: x.clientSecret!,
          TWITTER_API_BASE_URL: x.url,
          TWITTER_AUTH_BASE_URL: x.url,
          AUDENCI_PUBLISH_RETRY_DELAYS: '0.2,0.2',
        },
      });
      tenant = await createTenant(t);
      brandId = (
        await call(t.app, 'POST', '/api/v1/brands', { key: tenant.live.admin, body: { name: 'Live brand' } })
      ).body.data.id;
      accountId = await connectLiveAccount(t, tenant.live.read_write, brandId, 'twitter');
      png = await sharp({
        create: { width: 640, height: 480, channels: 3, background: { r: 111, g: 78, b: 55 } },
      })
        .png()
        .toBuffer();
      worker = await startWorker(t);
    });
    after(async () => {
      await worker.stop(2000);
      await t.close();
      await x.close();
    });

    const live = () => ({ organizationId: tenant.org.id, environment: 'live' as const });

    async function settle(id: string) {
      for (let i = 0; i < 200; i++) {
        const post = (await call(t.app, 'GET', `/api/v1/posts/${id}`, { key: tenant.live.read })).body.data;
        if (post.status === 'PUBLISHED' || post.status === 'FAILED') return post;
        await sleep(25);
      }
      throw new Error(`post ${id} did not settle`);
    }

    async function draftWith(mediaIds: string[]) {
      const created = await call(t.app, 'POST', '/api/v1/posts', {
        key: tenant.live.read_write,
        body: { brandId, platform: 'twitter', socialAccountId: accountId, caption: 'Fresh roast', mediaIds },
      });
      assert.equal(created.status, 201, created.raw);
      return created.body.data.id as string;
    }

    it('uploads the media to X and publishes the post with it', async () => {
      const media = await storeMedia(t.runtime.media, live(), {
        body: png,
        declaredType: 'image/png',
        brandId,
        source: 'upload',
      });
      const id = await draftWith([media.id]);
      const publish = await call(t.app, 'POST', `/api/v1/posts/${id}/publish`, {
        key: tenant.live.read_write,
      });
      assert.equal(publish.status, 202, publish.raw);
      const post = await settle(id);
      assert.equal(post.status, 'PUBLISHED', JSON.stringify(post.error));

      const tweet = x.state.tweets.find((tw) => tw.id === post.platformPostId);
      assert.ok(tweet, 'the post is on X');
      assert.equal(tweet.mediaIds.length, 1);
      const uploaded = x.state.media.get(tweet.mediaIds[0]!);
      assert.ok(uploaded?.bytes, 'X received the file');
      assert.ok(uploaded.bytes.equals(png), 'byte for byte');
      assert.equal(uploaded.mediaType, 'image/png');
    });

    it('hands platforms a signed link that serves the bytes without a key', async () => {
      const media = await storeMedia(t.runtime.media, live(), {
        body: png,
        declaredType: 'image/png',
        source: 'upload',
      });
      const [item] = await publishingMedia(t.runtime.media, live(), [media.id]);
      assert.ok(item);
      assert.deepEqual([item.type, item.mimeType], ['image', 'image/png']);
      assert.ok((await item.read()).equals(png));
      const link = new URL(item.url);
      const fetched = await t.app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
      assert.equal(fetched.statusCode, 200);
      assert.ok(fetched.rawPayload.equals(png));
      // One character of the signature changed (to another one, whatever it was).
      const signature = link.searchParams.get('signature')!;
      link.searchParams.set('signature', (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1));
      const tampered = await t.app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
      assert.notEqual(tampered.statusCode, 200);
    });

    it('fails a post whose media was deleted, without reaching X', async () => {
      const media = await storeMedia(t.runtime.media, live(), {
        body: png,
        declaredType: 'image/png',
        brandId,
        source: 'upload',
      });
      const id = await draftWith([media.id]);
      const removed = await call(t.app, 'DELETE', `/api/v1/media/${media.id}`, {
        key: tenant.live.read_write,
      });
      assert.equal(removed.status, 200, removed.raw);
      const tweetsBefore = x.state.tweets.length;
      const uploadsBefore = x.requestsTo('mediaInitialize').length;
      const publish = await call(t.app, 'POST', `/api/v1/posts/${id}/publish`, {
        key: tenant.live.read_write,
      });
      if (publish.status === 202) {
        const post = await settle(id);
        assert.equal(post.status, 'FAILED');
        assert.equal(post.error.code, 'media_unavailable');
        assert.match(post.error.message, new RegExp(media.id));
      } else {
        // Refused up front is as good: the post names the missing item.
        assert.equal(publish.status, 400, publish.raw);
      }
      assert.equal(x.state.tweets.length, tweetsBefore);
      assert.equal(x.requestsTo('mediaInitialize').length, uploadsBefore);
    });
  });
}
