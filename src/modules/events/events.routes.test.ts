import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  startWorker,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { startDueCampaigns } from '../campaigns/index.js';

/**
 * docs/webhooks.md ("Events"): every listed state change writes an event in the transaction of the change;
 * `GET /events` lists them with `type` and date-range filters and the standard pagination. The payload's
 * `data` is the object as the API showed it at that moment.
 */

const T0 = Date.parse('2026-06-01T12:00:00Z');

interface ApiEvent {
  id: string;
  type: string;
  createdAt: string;
  organizationId: string;
  environment: string;
  brandId: string | null;
  data: Record<string, unknown> & {
    id: string;
    status?: string;
    startedAt?: string | null;
    error?: { code: string } | null;
  };
}

for (const dialect of dialects) {
  describe(`events (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let other: Tenant;
    let brandId: string;
    const clock = new ManualClock(T0);

    before(async () => {
      t = await createTestApp(dialect, { clock });
      tenant = await createTenant(t);
      other = await createTenant(t, { name: 'Other org' });
      const brand = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: 'Acme' },
      });
      brandId = brand.body.data.id;
    });
    after(() => t.close());

    async function events(key: string, query: Record<string, string | number> = {}) {
      const res = await call(t.app, 'GET', '/api/v1/events', { key, query: { limit: 100, ...query } });
      assert.equal(res.status, 200, res.raw);
      return res.body as { data: ApiEvent[]; pagination: { totalCount: number; nextCursor: string | null } };
    }
    const typesOf = (list: ApiEvent[]) => list.map((e) => e.type);

    it('records a post’s life: created, scheduled, updated, rescheduled and deleted, with the post as the API showed it', async () => {
      clock.set(T0);
      const since = new Date(T0).toISOString();
      const created = await call(t.app, 'POST', '/api/v1/posts', {
        key: tenant.live.read_write,
        body: {
          brandId,
          platform: 'twitter',
          caption: 'First',
          scheduledFor: new Date(T0 + 3600_000).toISOString(),
        },
      });
      assert.equal(created.status, 201, created.raw);
      const post = created.body.data;

      clock.advance(1000);
      const edited = await call(t.app, 'PATCH', `/api/v1/posts/${post.id}`, {
        key: tenant.live.read_write,
        body: { caption: 'Second' },
      });
      assert.equal(edited.status, 200, edited.raw);
      clock.advance(1000);
      const moved = await call(t.app, 'PATCH', `/api/v1/posts/${post.id}`, {
        key: tenant.live.read_write,
        body: { scheduledFor: new Date(T0 + 7200_000).toISOString() },
      });
      assert.equal(moved.status, 200, moved.raw);
      clock.advance(1000);
      const deleted = await call(t.app, 'DELETE', `/api/v1/posts/${post.id}`, {
        key: tenant.live.read_write,
      });
      assert.equal(deleted.status, 200, deleted.raw);

      const list = (await events(tenant.live.read, { startDate: since })).data.filter(
        (e) => e.data.id === post.id,
      );
      // Newest first.
      assert.deepEqual(typesOf(list), [
        'post.deleted',
        'post.scheduled',
        'post.updated',
        'post.updated',
        'post.scheduled',
        'post.created',
      ]);
      const [del, resched, moveUpd, editUpd, sched, create] = list as [
        ApiEvent,
        ApiEvent,
        ApiEvent,
        ApiEvent,
        ApiEvent,
        ApiEvent,
      ];
      assert.deepEqual(create.data, post);
      assert.deepEqual(sched.data, post);
      assert.deepEqual(editUpd.data, edited.body.data);
      assert.deepEqual(moveUpd.data, moved.body.data);
      assert.deepEqual(resched.data, moved.body.data);
      assert.deepEqual(del.data, moved.body.data);
      for (const e of list) {
        assert.match(e.id, /^evt_[0-9A-Z]{26}$/);
        assert.equal(e.organizationId, tenant.org.id);
        assert.equal(e.environment, 'live');
        assert.equal(e.brandId, brandId);
      }
      assert.equal(create.createdAt, new Date(T0).toISOString());
      assert.equal(del.createdAt, new Date(T0 + 3000).toISOString());

      const one = await call(t.app, 'GET', `/api/v1/events/${create.id}`, { key: tenant.live.read });
      assert.equal(one.status, 200);
      assert.deepEqual(one.body.data, create);
    });

    it('filters by type and by a createdAt range, and pages with a cursor', async () => {
      const base = T0 + 86_400_000;
      clock.set(base);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await call(t.app, 'POST', '/api/v1/posts', {
          key: tenant.live.read_write,
          body: { brandId, platform: 'facebook', caption: `Post ${i}` },
        });
        assert.equal(res.status, 201);
        ids.push(res.body.data.id);
        clock.advance(60_000);
      }
      const range = {
        type: 'post.created',
        startDate: new Date(base + 60_000).toISOString(),
        endDate: new Date(base + 4 * 60_000).toISOString(),
      };
      const inRange = await events(tenant.live.read, range);
      assert.deepEqual(
        inRange.data.map((e) => e.data.id),
        [ids[3], ids[2], ids[1]],
      );
      assert.equal(inRange.pagination.totalCount, 3);

      const first = await events(tenant.live.read, { ...range, limit: 2 });
      assert.equal(first.data.length, 2);
      assert.ok(first.pagination.nextCursor);
      const second = await events(tenant.live.read, {
        ...range,
        limit: 2,
        cursor: first.pagination.nextCursor,
      });
      assert.deepEqual(
        [...first.data, ...second.data].map((e) => e.data.id),
        [ids[3], ids[2], ids[1]],
      );

      const none = await events(tenant.live.read, { type: 'post.published', startDate: range.startDate });
      assert.deepEqual(none.data, []);
    });

    it('answers 400 for an unknown type or a bad range, and 404 for an unknown or foreign event', async () => {
      const badType = await call(t.app, 'GET', '/api/v1/events', {
        key: tenant.live.read,
        query: { type: 'post.exploded' },
      });
      assert.equal(badType.status, 400);
      assert.equal(badType.body.error.code, 'INVALID_INPUT');
      const badDate = await call(t.app, 'GET', '/api/v1/events', {
        key: tenant.live.read,
        query: { startDate: 'yesterday-ish' },
      });
      assert.equal(badDate.status, 400);
      assert.equal(badDate.body.error.details.field, 'startDate');
      const backwards = await call(t.app, 'GET', '/api/v1/events', {
        key: tenant.live.read,
        query: { startDate: '2026-06-02', endDate: '2026-06-01' },
      });
      assert.equal(backwards.status, 400);
      assert.equal(backwards.body.error.details.field, 'endDate');
      const missing = await call(t.app, 'GET', '/api/v1/events/evt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8', {
        key: tenant.live.read,
      });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'NOT_FOUND');
    });

    it('keeps each organization and environment to its own events', async () => {
      const mine = await events(tenant.live.read);
      assert.ok(mine.data.length > 0);
      const someId = mine.data[0]!.id;
      for (const key of [other.live.admin, tenant.test.admin]) {
        const theirs = await events(key);
        assert.ok(theirs.data.every((e) => !mine.data.some((m) => m.id === e.id)));
        const read = await call(t.app, 'GET', `/api/v1/events/${someId}`, { key });
        assert.equal(read.status, 404);
      }
    });

    it('campaign.started fires once: at creation when already due, when the start date arrives, or at a late activation', async () => {
      clock.set(T0 + 10 * 86_400_000);
      const now = clock.now();
      const since = new Date(now).toISOString();
      const campaign = async (body: Record<string, unknown>) => {
        const res = await call(t.app, 'POST', '/api/v1/campaigns', {
          key: tenant.live.read_write,
          body: { brandId, name: 'C', endDate: new Date(now + 30 * 86_400_000).toISOString(), ...body },
        });
        assert.equal(res.status, 201, res.raw);
        return res.body.data;
      };
      const already = await campaign({ status: 'ACTIVE', startDate: new Date(now - 1000).toISOString() });
      assert.equal(already.startedAt, new Date(now).toISOString());
      const later = await campaign({ status: 'ACTIVE', startDate: new Date(now + 60_000).toISOString() });
      assert.equal(later.startedAt, null);
      const draft = await campaign({ startDate: new Date(now - 1000).toISOString() });
      assert.equal(draft.startedAt, null, 'a DRAFT campaign does not start');

      const started = async () =>
        (await events(tenant.live.read, { type: 'campaign.started', startDate: since })).data;
      assert.deepEqual(
        (await started()).map((e) => e.data.id),
        [already.id],
      );

      // The sweep does nothing before the start date, starts it once when it arrives.
      assert.equal(await startDueCampaigns(t.runtime.ctx), 0);
      clock.advance(60_000);
      assert.equal(await startDueCampaigns(t.runtime.ctx), 1);
      assert.equal(await startDueCampaigns(t.runtime.ctx), 0);
      const afterSweep = await started();
      assert.deepEqual(
        afterSweep.map((e) => e.data.id),
        [later.id, already.id],
      );
      assert.equal(afterSweep[0]!.data.startedAt, new Date(now + 60_000).toISOString());
      assert.equal(afterSweep[0]!.data.status, 'ACTIVE');

      // Activated after its start date: starts at the activation.
      clock.advance(1000);
      const activated = await call(t.app, 'PATCH', `/api/v1/campaigns/${draft.id}`, {
        key: tenant.live.read_write,
        body: { status: 'ACTIVE' },
      });
      assert.equal(activated.status, 200, activated.raw);
      assert.equal(activated.body.data.startedAt, new Date(now + 61_000).toISOString());
      // Edits after the start fire nothing more.
      await call(t.app, 'PATCH', `/api/v1/campaigns/${draft.id}`, {
        key: tenant.live.read_write,
        body: { name: 'Renamed' },
      });
      assert.equal(await startDueCampaigns(t.runtime.ctx), 0);
      assert.deepEqual(
        (await started()).map((e) => e.data.id),
        [draft.id, later.id, already.id],
      );
    });
  });

  describe(`events commit with their change (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let brandId: string;

    before(async () => {
      t = await createTestApp(dialect);
      tenant = await createTenant(t);
      brandId = (
        await call(t.app, 'POST', '/api/v1/brands', { key: tenant.live.admin, body: { name: 'Acme' } })
      ).body.data.id;
    });
    after(() => t.close());

    /** Makes every insert into `events` fail inside the database, after the change it follows. */
    async function breakEvents(): Promise<() => Promise<void>> {
      const { db } = t.runtime.ctx;
      if (dialect === 'sqlite') {
        await sql`create trigger fail_events before insert on events begin select raise(abort, 'injected failure'); end`.execute(
          db,
        );
        return async () => void (await sql`drop trigger fail_events`.execute(db));
      }
      await sql`create function fail_events() returns trigger language plpgsql as $$ begin raise exception 'injected failure'; end $$`.execute(
        db,
      );
      await sql`create trigger fail_events before insert on events for each row execute function fail_events()`.execute(
        db,
      );
      return async () => {
        await sql`drop trigger fail_events on events`.execute(db);
        await sql`drop function fail_events()`.execute(db);
      };
    }

    it('a failure between the change and its commit leaves neither the change nor the event', async () => {
      const kept = await call(t.app, 'POST', '/api/v1/posts', {
        key: tenant.live.read_write,
        body: { brandId, platform: 'twitter', caption: 'Kept' },
      });
      assert.equal(kept.status, 201);
      const countPosts = async () =>
        Number(
          (
            await t.runtime.ctx.db
              .selectFrom('posts')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('organization_id', '=', tenant.org.id)
              .executeTakeFirstOrThrow()
          ).n,
        );
      const countEvents = async () =>
        Number(
          (
            await t.runtime.ctx.db
              .selectFrom('events')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('organization_id', '=', tenant.org.id)
              .executeTakeFirstOrThrow()
          ).n,
        );
      const postsBefore = await countPosts();
      const eventsBefore = await countEvents();

      const restore = await breakEvents();
      try {
        const created = await call(t.app, 'POST', '/api/v1/posts', {
          key: tenant.live.read_write,
          body: { brandId, platform: 'twitter', caption: 'Lost' },
        });
        assert.equal(created.status, 500);
        assert.equal(created.body.error.code, 'INTERNAL_ERROR');
        assert.doesNotMatch(created.raw, /injected|insert|events/i, 'no SQL or internals in the answer');

        const edited = await call(t.app, 'PATCH', `/api/v1/posts/${kept.body.data.id}`, {
          key: tenant.live.read_write,
          body: { caption: 'Changed' },
        });
        assert.equal(edited.status, 500);
        const deleted = await call(t.app, 'DELETE', `/api/v1/posts/${kept.body.data.id}`, {
          key: tenant.live.read_write,
        });
        assert.equal(deleted.status, 500);
        const campaign = await call(t.app, 'POST', '/api/v1/campaigns', {
          key: tenant.live.read_write,
          body: { brandId, name: 'Now', status: 'ACTIVE', startDate: '2020-01-01', endDate: '2030-01-01' },
        });
        assert.equal(campaign.status, 500);
      } finally {
        await restore();
      }
      assert.equal(await countPosts(), postsBefore, 'no post was created or deleted');
      assert.equal(await countEvents(), eventsBefore, 'no event was written');
      const read = await call(t.app, 'GET', `/api/v1/posts/${kept.body.data.id}`, { key: tenant.live.read });
      assert.equal(read.body.data.caption, 'Kept', 'the edit did not commit');
      const campaigns = await call(t.app, 'GET', '/api/v1/campaigns', { key: tenant.live.read });
      assert.equal(campaigns.body.data.length, 0, 'the campaign did not commit');
    });
  });

  describe(`publishing events (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let brandId: string;

    before(async () => {
      t = await createTestApp(dialect);
      tenant = await createTenant(t);
      brandId = (
        await call(t.app, 'POST', '/api/v1/brands', { key: tenant.test.admin, body: { name: 'Sandbox' } })
      ).body.data.id;
    });
    after(() => t.close());

    it('post.published carries the published post; post.failed the failed one with its error', async () => {
      const worker = await startWorker(t);
      try {
        const publish = async (metadata: Record<string, unknown>) => {
          const created = await call(t.app, 'POST', '/api/v1/posts', {
            key: tenant.test.read_write,
            body: { brandId, platform: 'twitter', caption: 'Hello', metadata },
          });
          assert.equal(created.status, 201, created.raw);
          const res = await call(t.app, 'POST', `/api/v1/posts/${created.body.data.id}/publish`, {
            key: tenant.test.read_write,
          });
          assert.equal(res.status, 202, res.raw);
          return created.body.data.id as string;
        };
        const ok = await publish({});
        const bad = await publish({ sandbox: { outcome: 'fail' } });
        const settled = async (id: string) => {
          for (let i = 0; i < 200; i++) {
            const post = (await call(t.app, 'GET', `/api/v1/posts/${id}`, { key: tenant.test.read })).body
              .data;
            if (post.status === 'PUBLISHED' || post.status === 'FAILED') return post;
            await sleep(25);
          }
          throw new Error(`post ${id} did not settle`);
        };
        const published = await settled(ok);
        const failed = await settled(bad);
        assert.equal(published.status, 'PUBLISHED');
        assert.equal(failed.status, 'FAILED');

        const list = (
          await call(t.app, 'GET', '/api/v1/events', { key: tenant.test.read, query: { limit: 100 } })
        ).body.data as ApiEvent[];
        const ofPost = (id: string) => list.filter((e) => e.data.id === id).map((e) => e.type);
        assert.deepEqual(ofPost(ok), ['post.published', 'post.created']);
        assert.deepEqual(ofPost(bad), ['post.failed', 'post.created']);
        const publishedEvent = list.find((e) => e.type === 'post.published')!;
        assert.deepEqual(publishedEvent.data, published);
        assert.equal(publishedEvent.environment, 'test');
        const failedEvent = list.find((e) => e.type === 'post.failed')!;
        assert.deepEqual(failedEvent.data, failed);
        assert.ok(failedEvent.data.error?.code);
      } finally {
        await worker.stop(2000);
      }
    });
  });
}
