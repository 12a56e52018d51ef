import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import type { Environment } from '../../shared/tenant.js';
import { storeMedia } from '../media/index.js';
import { updatePost } from './posts.repository.js';

/**
 * `GET /posts?mediaId=` answers the posts of the caller's organization and environment whose
 * `mediaIds` hold exactly that id: not another tenant's post holding the same id, not an id that only
 * differs by case or where `_` stands, as a LIKE would match.
 */
for (const dialect of dialects) {
  describe(`posts filtered by media item (${dialect})`, () => {
    let t: TestApp;
    let a: Tenant;
    let b: Tenant;
    let brandA: string;
    let mediaId: string;
    let otherMediaId: string;
    const ids: Record<string, string> = {};

    async function brand(key: string) {
      const res = await call(t.app, 'POST', '/api/v1/brands', { key, body: { name: 'Roastery' } });
      assert.equal(res.status, 201, res.raw);
      return res.body.data.id as string;
    }

    async function draft(key: string, brandId: string, caption: string, mediaIds: string[] = []) {
      const res = await call(t.app, 'POST', '/api/v1/posts', {
        key,
        body: { brandId, platform: 'twitter', caption, mediaIds },
      });
      assert.equal(res.status, 201, res.raw);
      return res.body.data.id as string;
    }

    /** Writes `media_ids` as stored text, bypassing the API's checks (ids of another tenant, odd ids). */
    async function setMediaIds(tenant: Tenant, environment: Environment, postId: string, mediaIds: string[]) {
      const changed = await updatePost(
        t.runtime.ctx.db,
        { organizationId: tenant.org.id, environment },
        postId,
        'DRAFT',
        { media_ids: JSON.stringify(mediaIds) },
      );
      assert.equal(changed, 1);
    }

    async function using(key: string, query: Record<string, string> = {}) {
      const res = await call(t.app, 'GET', '/api/v1/posts', { key, query: { mediaId, ...query } });
      assert.equal(res.status, 200, res.raw);
      return (res.body.data as { id: string }[]).map((p) => p.id).sort();
    }

    before(async () => {
      t = await createTestApp(dialect);
      a = await createTenant(t, { name: 'A' });
      b = await createTenant(t, { name: 'B' });
      brandA = await brand(a.live.admin);
      const png = await sharp({
        create: { width: 64, height: 64, channels: 3, background: { r: 90, g: 60, b: 40 } },
      })
        .png()
        .toBuffer();
      const live = { organizationId: a.org.id, environment: 'live' as const };
      const store = async () =>
        (await storeMedia(t.runtime.media, live, { body: png, declaredType: 'image/png', source: 'upload' }))
          .id;
      mediaId = await store();
      otherMediaId = await store();
      const rw = a.live.read_write;
      ids.only = await draft(rw, brandA, 'Only this item', [mediaId]);
      ids.second = await draft(rw, brandA, 'Second of two', [otherMediaId, mediaId]);
      ids.other = await draft(rw, brandA, 'Another item', [otherMediaId]);
      ids.none = await draft(rw, brandA, 'No media');
      // Same id in another organization, and in the other environment of the same one.
      ids.otherOrg = await draft(b.live.read_write, await brand(b.live.admin), 'B uses it');
      await setMediaIds(b, 'live', ids.otherOrg, [mediaId]);
      ids.testEnv = await draft(a.test.read_write, await brand(a.test.admin), 'Test env uses it');
      await setMediaIds(a, 'test', ids.testEnv, [mediaId]);
      // Near misses a LIKE would have matched: another case, and a character where `_` stands.
      ids.lower = await draft(rw, brandA, 'Lower case');
      await setMediaIds(a, 'live', ids.lower, [mediaId.toLowerCase()]);
      ids.wildcard = await draft(rw, brandA, 'Wildcard');
      await setMediaIds(a, 'live', ids.wildcard, [mediaId.replace('_', 'X')]);
      ids.prefix = await draft(rw, brandA, 'Longer id');
      await setMediaIds(a, 'live', ids.prefix, [`${mediaId}0`]);
    });
    after(async () => t.close());

    it("lists exactly the tenant's posts that use the item", async () => {
      assert.deepEqual(await using(a.live.read), [ids.only!, ids.second!].sort());
      assert.deepEqual(await using(a.live.read, { mediaId: otherMediaId }), [ids.second!, ids.other!].sort());
    });

    it("never shows another organization's or environment's post using the same id", async () => {
      assert.deepEqual(await using(b.live.read), [ids.otherOrg!]);
      assert.deepEqual(await using(a.test.read), [ids.testEnv!]);
    });

    it('combines with the other filters and counts', async () => {
      const res = await call(t.app, 'GET', '/api/v1/posts', {
        key: a.live.read,
        query: { mediaId, brandId: brandA, status: 'DRAFT', limit: 1 },
      });
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.body.data.length, 1);
      assert.equal(res.body.pagination.totalCount, 2);
      assert.deepEqual(await using(a.live.read, { status: 'SCHEDULED' }), []);
    });

    it('an id no post uses lists nothing; a malformed one is 400 naming mediaId', async () => {
      assert.deepEqual(await using(a.live.read, { mediaId: 'med_01JD7Q8ZK2M4N6P8R0T2V4X6Z8' }), []);
      for (const bad of ['post_01JD7Q8ZK2M4N6P8R0T2V4X6Z8', 'med_%', '', `med_${'A'.repeat(80)}`]) {
        const res = await call(t.app, 'GET', '/api/v1/posts', { key: a.live.read, query: { mediaId: bad } });
        assert.equal(res.status, 400, `${bad}: ${res.raw}`);
        assert.match(res.raw, /mediaId/);
      }
    });
  });
}
