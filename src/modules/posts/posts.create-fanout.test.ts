import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';

/**
 * `POST /posts` writes the post, its events and their webhook deliveries in one transaction — on
 * PostgreSQL the post, the events and the fan-out's read of the endpoints are one statement
 * (`insertPostWithEvents`). The deliveries go to the tenant's enabled, subscribed endpoints only.
 */
for (const dialect of dialects) {
  describe(`POST /posts: events and webhook fan-out (${dialect})`, () => {
    let t: TestApp;
    let a: Tenant;
    let b: Tenant;
    let brandA: string;
    const endpoints: Record<string, string> = {};

    async function endpoint(key: string, name: string, events: string[], enabled = true) {
      const res = await call(t.app, 'POST', '/api/v1/webhooks', {
        key,
        // No worker runs: the deliveries are only recorded, never sent.
        body: { url: `http://127.0.0.1:9/${name}`, events, enabled },
      });
      assert.equal(res.status, 201, res.raw);
      endpoints[name] = res.body.data.id as string;
    }

    before(async () => {
      t = await createTestApp(dialect, { env: { AUDENCI_ALLOW_PRIVATE_URLS: 'true' } });
      a = await createTenant(t, { name: 'A' });
      b = await createTenant(t, { name: 'B' });
      const brand = await call(t.app, 'POST', '/api/v1/brands', {
        key: a.live.admin,
        body: { name: 'A brand', timezone: 'UTC' },
      });
      brandA = brand.body.data.id as string;
      await endpoint(a.live.admin, 'a-all', ['*']);
      await endpoint(a.live.admin, 'a-scheduled', ['post.scheduled']);
      await endpoint(a.live.admin, 'a-deleted', ['post.deleted']);
      await endpoint(a.live.admin, 'a-off', ['*'], false);
      await endpoint(a.test.admin, 'a-test', ['*']);
      await endpoint(b.live.admin, 'b-all', ['*']);
    });
    after(() => t.close());

    /** The deliveries of the events of `postId`, as `endpoint name: event type`, sorted. */
    async function deliveriesOf(postId: string): Promise<string[]> {
      const { db } = t.runtime.ctx;
      const events = await db
        .selectFrom('events')
        .select(['id', 'type', 'data', 'organization_id', 'environment'])
        .execute();
      const mine = events.filter((e) => (JSON.parse(e.data) as { id?: string }).id === postId);
      const rows = await db
        .selectFrom('webhook_deliveries')
        .select(['endpoint_id', 'event_id', 'event_type', 'organization_id', 'environment'])
        .execute();
      const names = new Map(Object.entries(endpoints).map(([name, id]) => [id, name]));
      return rows
        .filter((r) => mine.some((e) => e.id === r.event_id))
        .map((r) => `${names.get(r.endpoint_id)}: ${r.event_type}`)
        .sort();
    }

    it('a draft: post.created, delivered to the tenant’s enabled endpoints that take it', async () => {
      const res = await call(t.app, 'POST', '/api/v1/posts', {
        key: a.live.read_write,
        body: { brandId: brandA, platform: 'twitter', caption: 'A draft' },
      });
      assert.equal(res.status, 201, res.raw);
      assert.deepEqual(await deliveriesOf(res.body.data.id), ['a-all: post.created']);
      const events = await call(t.app, 'GET', '/api/v1/events', { key: a.live.read });
      const types = (events.body.data as { type: string; data: { id: string } }[])
        .filter((e) => e.data.id === res.body.data.id)
        .map((e) => e.type);
      assert.deepEqual(types, ['post.created']);
    });

    it('a scheduled post: post.created and post.scheduled, each to the endpoints that take it', async () => {
      const res = await call(t.app, 'POST', '/api/v1/posts', {
        key: a.live.read_write,
        body: {
          brandId: brandA,
          platform: 'twitter',
          caption: 'Scheduled',
          scheduledFor: new Date(Date.now() + 86_400_000).toISOString(),
        },
      });
      assert.equal(res.status, 201, res.raw);
      assert.deepEqual(await deliveriesOf(res.body.data.id), [
        'a-all: post.created',
        'a-all: post.scheduled',
        'a-scheduled: post.scheduled',
      ]);
      const { db } = t.runtime.ctx;
      const jobs = await db
        .selectFrom('jobs')
        .select(['organization_id', 'environment'])
        .where('type', '=', 'webhook.deliver')
        .execute();
      assert.ok(jobs.length >= 4, 'one delivery job per delivery');
      assert.ok(jobs.every((j) => j.organization_id === a.org.id && j.environment === 'live'));
    });

    it('a refused post records nothing: no post, no event, no delivery', async () => {
      const { db } = t.runtime.ctx;
      const count = async (table: 'posts' | 'events' | 'webhook_deliveries') =>
        Number(
          (
            await db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await Promise.all([count('posts'), count('events'), count('webhook_deliveries')]);
      const res = await call(t.app, 'POST', '/api/v1/posts', {
        key: a.live.read_write,
        body: { brandId: 'brd_unknown', platform: 'twitter', caption: 'No brand' },
      });
      assert.equal(res.status, 400, res.raw);
      assert.deepEqual(
        await Promise.all([count('posts'), count('events'), count('webhook_deliveries')]),
        before,
      );
    });

    it('another tenant’s post reaches only its own endpoints', async () => {
      const brand = await call(t.app, 'POST', '/api/v1/brands', {
        key: b.live.admin,
        body: { name: 'B brand', timezone: 'UTC' },
      });
      const res = await call(t.app, 'POST', '/api/v1/posts', {
        key: b.live.read_write,
        body: { brandId: brand.body.data.id, platform: 'twitter', caption: 'B draft' },
      });
      assert.equal(res.status, 201, res.raw);
      assert.deepEqual(await deliveriesOf(res.body.data.id), ['b-all: post.created']);
    });
  });
}
