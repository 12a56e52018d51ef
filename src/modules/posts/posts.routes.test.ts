import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMediaItem } from '../../../test/helpers/media.js';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { updateRuleTests } from '../../../test/helpers/update-rule.js';

const HOUR = 3600_000;

for (const dialect of dialects) {
  describe(`posts routes (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let brandId: string;
    let clock: ManualClock;
    const key = () => tenant.live.read_write;
    const future = (hours: number) => new Date(clock.now() + hours * HOUR).toISOString();

    before(async () => {
      clock = new ManualClock(Date.parse('2026-06-01T12:00:00Z'));
      t = await createTestApp(dialect, { clock });
      tenant = await createTenant(t);
      const brand = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'Brand' },
      });
      brandId = brand.body.data.id;
    });
    after(() => t.close());

    async function create(body: Record<string, unknown>) {
      return call(t.app, 'POST', '/api/v1/posts', {
        key: key(),
        body: { brandId, platform: 'twitter', caption: 'Hi', ...body },
      });
    }

    it('creates a DRAFT without scheduledFor and a SCHEDULED post with a future one', async () => {
      const draft = await create({ caption: 'Draft', metadata: { team: 'growth' } });
      assert.equal(draft.status, 201);
      assert.equal(draft.body.data.status, 'DRAFT');
      assert.match(draft.body.data.id, /^post_[0-9A-Z]{26}$/);
      assert.equal(draft.headers.location, `http://audenci.test/api/v1/posts/${draft.body.data.id}`);
      assert.deepEqual(
        { ...draft.body.data, id: undefined, createdAt: undefined, updatedAt: undefined },
        {
          id: undefined,
          brandId,
          platform: 'twitter',
          socialAccountId: null,
          caption: 'Draft',
          mediaIds: [],
          link: null,
          firstComment: null,
          campaignId: null,
          status: 'DRAFT',
          scheduledFor: null,
          publishedAt: null,
          platformPostId: null,
          platformUrl: null,
          error: null,
          metadata: { team: 'growth' },
          createdAt: undefined,
          updatedAt: undefined,
        },
      );
      const scheduled = await create({ scheduledFor: future(2) });
      assert.equal(scheduled.status, 201);
      assert.equal(scheduled.body.data.status, 'SCHEDULED');
      assert.equal(scheduled.body.data.scheduledFor, future(2));
      const read = await call(t.app, 'GET', `/api/v1/posts/${scheduled.body.data.id}`, {
        key: tenant.live.read,
      });
      assert.deepEqual(read.body.data, scheduled.body.data);
    });

    it('refuses a past scheduledFor, an unknown brand and a campaign of another brand', async () => {
      const past = await create({ scheduledFor: new Date(clock.now() - 1000).toISOString() });
      assert.equal(past.status, 400);
      assert.equal(past.body.error.details.field, 'scheduledFor');
      const noBrand = await create({ brandId: 'brand_01M8FHSW4FSXDVQCQJRMA72QE2' });
      assert.equal(noBrand.status, 400);
      assert.equal(noBrand.body.error.details.field, 'brandId');
      const other = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'Other' },
      });
      const campaign = await call(t.app, 'POST', '/api/v1/campaigns', {
        key: key(),
        body: { brandId: other.body.data.id, name: 'C', startDate: '2026-07-01', endDate: '2026-07-31' },
      });
      assert.equal(campaign.status, 201);
      const wrong = await create({ campaignId: campaign.body.data.id });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.error.details.field, 'campaignId');
    });

    it('a 281-weighted-character X post cannot be scheduled; 280 can; validate agrees', async () => {
      const long = 'a'.repeat(281);
      const refused = await create({ caption: long, scheduledFor: future(1) });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error.code, 'INVALID_INPUT');
      assert.equal(refused.body.error.details.rule, 'text.maxLength');
      assert.equal(refused.body.error.details.field, 'caption');
      const validation = await call(t.app, 'POST', '/api/v1/posts/validate', {
        key: tenant.live.read_write,
        body: { platform: 'twitter', caption: long },
      });
      assert.equal(validation.status, 200);
      assert.equal(validation.body.data.valid, false);
      assert.equal(validation.body.data.violations[0].rule, 'text.maxLength');

      // CJK characters weigh 2: 141 of them are 282 > 280.
      const cjk = await create({ caption: '漢'.repeat(141), scheduledFor: future(1) });
      assert.equal(cjk.status, 400);
      assert.equal(cjk.body.error.details.rule, 'text.maxLength');

      const ok = await create({ caption: 'a'.repeat(280), scheduledFor: future(1) });
      assert.equal(ok.status, 201);
      const okValidation = await call(t.app, 'POST', '/api/v1/posts/validate', {
        key: tenant.live.read_write,
        body: { platform: 'twitter', caption: 'a'.repeat(280) },
      });
      assert.deepEqual(okValidation.body.data, {
        valid: true,
        platform: 'twitter',
        violations: [],
        measurements: {
          text: { length: 280, limit: 280, counting: 'twitter-weighted', includesLink: false },
          hashtags: { count: 0, limit: null, includesFirstComment: false },
          mentions: { count: 0, limit: null },
          media: { count: 0, limit: 4, required: false },
          firstComment: { length: 0, limit: null, supported: false },
        },
      });

      // A draft may break the rules until it is scheduled.
      const draft = await create({ caption: long });
      assert.equal(draft.status, 201);
      const promote = await call(t.app, 'PATCH', `/api/v1/posts/${draft.body.data.id}`, {
        key: key(),
        body: { status: 'SCHEDULED', scheduledFor: future(3) },
      });
      assert.equal(promote.status, 400);
      assert.equal(promote.body.error.details.rule, 'text.maxLength');
      const unchanged = await call(t.app, 'GET', `/api/v1/posts/${draft.body.data.id}`, { key: key() });
      assert.deepEqual(unchanged.body.data, draft.body.data);
    });

    it('an Instagram post without media cannot be scheduled; with media it can', async () => {
      const refused = await create({ platform: 'instagram', caption: 'Look', scheduledFor: future(1) });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error.details.rule, 'media.required');
      const validation = await call(t.app, 'POST', '/api/v1/posts/validate', {
        key: tenant.live.read_write,
        body: { platform: 'instagram', caption: 'Look' },
      });
      assert.equal(validation.body.data.valid, false);
      assert.equal(validation.body.data.violations[0].rule, 'media.required');
      const ok = await create({
        platform: 'instagram',
        caption: 'Look',
        mediaIds: [await createMediaItem(t, { organizationId: tenant.org.id, environment: 'live' })],
        scheduledFor: future(1),
      });
      assert.equal(ok.status, 201);
      assert.equal(ok.body.data.status, 'SCHEDULED');
    });

    it('allows only DRAFT ⇄ SCHEDULED and → CANCELLED; nothing changes on a refusal', async () => {
      const post = (await create({ caption: 'Flow' })).body.data;
      const patch = (body: unknown) => call(t.app, 'PATCH', `/api/v1/posts/${post.id}`, { key: key(), body });
      const read = async () =>
        (await call(t.app, 'GET', `/api/v1/posts/${post.id}`, { key: key() })).body.data;

      // SCHEDULED needs a time.
      const noTime = await patch({ status: 'SCHEDULED' });
      assert.equal(noTime.status, 400);
      assert.equal(noTime.body.error.details.field, 'scheduledFor');
      for (const status of ['PUBLISHING', 'PUBLISHED', 'FAILED', 'published']) {
        const res = await patch({ status });
        assert.equal(res.status, 400, status);
        assert.equal(res.body.error.details.field, 'status');
      }
      for (const field of [
        'id',
        'publishedAt',
        'platformPostId',
        'platformUrl',
        'error',
        'createdAt',
        'updatedAt',
      ]) {
        const res = await patch({ [field]: field === 'error' ? { code: 'x', message: 'y' } : 'x' });
        assert.equal(res.status, 400, field);
        assert.equal(res.body.error.details.field, field);
        assert.match(res.body.error.details.reason, /Read-only/);
      }
      // socialAccountId is settable, but only to an account of the post's brand and platform.
      const noAccount = await patch({ socialAccountId: 'acct_01M8FHSW4FSXDVQCQJRMA72QE2' });
      assert.equal(noAccount.status, 400);
      assert.equal(noAccount.body.error.details.field, 'socialAccountId');
      assert.match(noAccount.body.error.details.reason, /No social account/);
      assert.deepEqual(await read(), post);

      const scheduled = await patch({ status: 'SCHEDULED', scheduledFor: future(5) });
      assert.equal(scheduled.status, 200);
      assert.equal(scheduled.body.data.status, 'SCHEDULED');
      const back = await patch({ status: 'DRAFT' });
      assert.equal(back.body.data.status, 'DRAFT');
      assert.equal(back.body.data.scheduledFor, future(5));
      const cancelled = await patch({ status: 'CANCELLED' });
      assert.equal(cancelled.status, 200);
      assert.equal(cancelled.body.data.status, 'CANCELLED');
      const snapshot = await read();
      for (const body of [
        { status: 'DRAFT' },
        { status: 'SCHEDULED', scheduledFor: future(6) },
        { caption: 'edit' },
      ]) {
        const res = await patch(body);
        assert.equal(res.status, 409, JSON.stringify(body));
        assert.equal(res.body.error.code, 'CONFLICT');
      }
      const put = await call(t.app, 'PUT', `/api/v1/posts/${post.id}`, {
        key: key(),
        body: { brandId, platform: 'twitter', caption: 'edit' },
      });
      assert.equal(put.status, 409);
      assert.deepEqual(await read(), snapshot);
    });

    it('published and publishing posts cannot be edited (409); deleting a published post removes it from Audenci', async () => {
      for (const status of ['PUBLISHED', 'PUBLISHING'] as const) {
        const post = (await create({ caption: status })).body.data;
        await t.runtime.ctx.db.updateTable('posts').set({ status }).where('id', '=', post.id).execute();
        const res = await call(t.app, 'PATCH', `/api/v1/posts/${post.id}`, {
          key: key(),
          body: { caption: 'x' },
        });
        assert.equal(res.status, 409);
        const del = await call(t.app, 'DELETE', `/api/v1/posts/${post.id}`, { key: key() });
        if (status === 'PUBLISHING') {
          assert.equal(del.status, 409);
        } else {
          assert.equal(del.status, 200);
          assert.deepEqual(del.body.data, { id: post.id, deleted: true });
          assert.equal((await call(t.app, 'GET', `/api/v1/posts/${post.id}`, { key: key() })).status, 404);
        }
      }
    });

    it('PUT replaces the editable fields; PATCH changes only those given', async () => {
      const post = (
        await create({
          caption: 'Orig',
          link: 'https://example.com/a',
          firstComment: 'first',
          metadata: { a: 1 },
        })
      ).body.data;
      const patched = await call(t.app, 'PATCH', `/api/v1/posts/${post.id}`, {
        key: key(),
        body: { caption: 'Patched' },
      });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.data.caption, 'Patched');
      assert.equal(patched.body.data.link, 'https://example.com/a');
      assert.deepEqual(patched.body.data.metadata, { a: 1 });
      const replaced = await call(t.app, 'PUT', `/api/v1/posts/${post.id}`, {
        key: key(),
        body: { brandId, platform: 'facebook', caption: 'Replaced' },
      });
      assert.equal(replaced.status, 200);
      assert.equal(replaced.body.data.platform, 'facebook');
      assert.equal(replaced.body.data.link, null);
      assert.equal(replaced.body.data.firstComment, null);
      assert.deepEqual(replaced.body.data.metadata, {});
      const oversized = await call(t.app, 'PATCH', `/api/v1/posts/${post.id}`, {
        key: key(),
        body: { metadata: { blob: 'x'.repeat(17 * 1024) } },
      });
      assert.equal(oversized.status, 400);
      assert.equal(oversized.body.error.details.field, 'metadata');
    });

    describe('the update rule: PATCH merges, PUT replaces, GET → edit → PUT works', () => {
      updateRuleTests(
        () => t,
        () => tenant,
        {
          collection: '/api/v1/posts',
          scope: 'read_write',
          async create(owner) {
            const brand = await call(t.app, 'POST', '/api/v1/brands', {
              key: owner.live.admin,
              body: { name: 'Owner brand' },
            });
            const campaign = await call(t.app, 'POST', '/api/v1/campaigns', {
              key: owner.live.read_write,
              body: {
                brandId: brand.body.data.id,
                name: 'C',
                startDate: '2026-07-01',
                endDate: '2026-07-31',
              },
            });
            const res = await call(t.app, 'POST', '/api/v1/posts', {
              key: owner.live.read_write,
              body: {
                brandId: brand.body.data.id,
                platform: 'twitter',
                caption: 'Orig',
                link: 'https://example.com/a',
                firstComment: 'first',
                campaignId: campaign.body.data.id,
                metadata: { a: 1, nested: { list: [1, 2] } },
              },
            });
            assert.equal(res.status, 201, res.raw);
            return (await call(t.app, 'GET', res.headers.location as string, { key: owner.live.read })).body
              .data;
          },
          createBody: async () => ({ brandId, platform: 'twitter', caption: 'Another' }),
          patch: { caption: 'Patched', link: 'https://example.com/b' },
          required: ['brandId', 'platform', 'caption'],
          resets: { link: null, firstComment: null, campaignId: null, metadata: {} },
          edit: { caption: 'Edited' },
          changedReadOnly: (read) => ({
            id: 'post_01M8FHSW4FSXDVQCQJRMA72QE2',
            publishedAt: read.createdAt,
            platformPostId: '1790000000000000000',
            platformUrl: 'https://x.com/audenci/status/1790000000000000000',
            error: { code: 'rate_limited', message: 'Try later' },
            createdAt: '2020-01-01T00:00:00.000Z',
            updatedAt: read.updatedAt.replace(/\.\d{3}Z$/, 'Z'),
          }),
          hiddenReadOnly: { organizationId: 'org_01M8FHSW4FSXDVQCQJRMA72QE2', environment: 'test' },
        },
      );

      it('PUT keeps the status it leaves out; a status only the publisher sets is 400; a published post is 409', async () => {
        const scheduled = (await create({ caption: 'Later', scheduledFor: future(5) })).body.data;
        const kept = await call(t.app, 'PUT', `/api/v1/posts/${scheduled.id}`, {
          key: key(),
          body: {
            brandId,
            platform: 'twitter',
            caption: 'Later still',
            scheduledFor: scheduled.scheduledFor,
          },
        });
        assert.equal(kept.status, 200, kept.raw);
        assert.equal(kept.body.data.status, 'SCHEDULED');
        assert.equal(kept.body.data.caption, 'Later still');

        const draft = (await create({ caption: 'Draft' })).body.data;
        for (const status of ['PUBLISHING', 'PUBLISHED', 'FAILED']) {
          const res = await call(t.app, 'PUT', `/api/v1/posts/${draft.id}`, {
            key: key(),
            body: { ...draft, status },
          });
          const reason =
            'Must be one of: DRAFT, SCHEDULED, CANCELLED (PUBLISHING, PUBLISHED, FAILED are set by the publisher)';
          assert.equal(res.status, 400, res.raw);
          assert.deepEqual(res.body, {
            error: {
              code: 'INVALID_INPUT',
              message: `status: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`,
              details: { field: 'status', reason, errors: [{ field: 'status', reason }] },
            },
          });
          const patched = await call(t.app, 'PATCH', `/api/v1/posts/${draft.id}`, {
            key: key(),
            body: { status },
          });
          assert.equal(patched.status, 400, patched.raw);
          assert.equal(patched.body.error.details.field, 'status');
        }
        assert.deepEqual(
          (await call(t.app, 'GET', `/api/v1/posts/${draft.id}`, { key: key() })).body.data,
          draft,
        );

        // Published: its GET sent back (status PUBLISHED, publishedAt…) is a 409, not a complaint about status.
        const published = (await create({ caption: 'Out' })).body.data;
        await t.runtime.ctx.db
          .updateTable('posts')
          .set({
            status: 'PUBLISHED',
            published_at: clock.now(),
            platform_post_id: '17',
            platform_url: 'https://x.com/a/status/17',
          })
          .where('id', '=', published.id)
          .execute();
        const read = (await call(t.app, 'GET', `/api/v1/posts/${published.id}`, { key: key() })).body.data;
        const frozen = await call(t.app, 'PUT', `/api/v1/posts/${published.id}`, {
          key: key(),
          body: { ...read, caption: 'Edited after publishing' },
        });
        assert.equal(frozen.status, 409, frozen.raw);
        assert.deepEqual(frozen.body, {
          error: {
            code: 'CONFLICT',
            message: 'A PUBLISHED post cannot be edited',
            details: { status: 'PUBLISHED' },
          },
        });
        assert.deepEqual(
          (await call(t.app, 'GET', `/api/v1/posts/${published.id}`, { key: key() })).body.data,
          read,
        );
      });
    });

    it('Idempotency-Key: a replay returns the first answer, another body is 422, a race creates one post', async () => {
      const body = { brandId, platform: 'twitter', caption: 'Once only', scheduledFor: future(9) };
      const headers = { 'idempotency-key': `post-${dialect}-1` };
      const first = await call(t.app, 'POST', '/api/v1/posts', { key: key(), body, headers });
      assert.equal(first.status, 201);
      const replay = await call(t.app, 'POST', '/api/v1/posts', { key: key(), body, headers });
      assert.equal(replay.status, 201);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.raw, first.raw);
      assert.equal(replay.headers.location, first.headers.location);
      const other = await call(t.app, 'POST', '/api/v1/posts', {
        key: key(),
        body: { ...body, caption: 'Twice' },
        headers,
      });
      assert.equal(other.status, 422);
      assert.equal(other.body.error.code, 'IDEMPOTENCY_KEY_REUSED');

      const raceHeaders = { 'idempotency-key': `post-${dialect}-race` };
      const raceBody = { ...body, caption: 'Raced' };
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          call(t.app, 'POST', '/api/v1/posts', { key: key(), body: raceBody, headers: raceHeaders }),
        ),
      );
      const fresh = answers.filter((a) => a.status === 201 && a.headers['idempotent-replayed'] === undefined);
      assert.equal(fresh.length, 1);
      for (const a of answers) assert.ok(a.status === 201 || a.status === 409, String(a.status));
      const listed = await call(t.app, 'GET', '/api/v1/posts', { key: key(), query: { limit: 100 } });
      assert.equal(listed.body.data.filter((p: { caption: string }) => p.caption === 'Raced').length, 1);
      assert.equal(listed.body.data.filter((p: { caption: string }) => p.caption === 'Once only').length, 1);
    });

    it('a read key cannot create, update or delete a post', async () => {
      const res = await call(t.app, 'POST', '/api/v1/posts', {
        key: tenant.live.read,
        body: { brandId, platform: 'twitter', caption: 'x' },
      });
      assert.equal(res.status, 403);
      assert.equal(res.body.error.details.requiredScope, 'read_write');
    });
  });
}
