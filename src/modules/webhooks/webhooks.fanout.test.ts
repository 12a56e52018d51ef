import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, sql } from 'kysely';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  startWorker,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/fakes/webhook-receiver.js';
import { eventually } from '../../../test/helpers/webhooks.js';
import type { Worker } from '../../worker/index.js';
import { recordEvent } from '../events/index.js';
import { enabledEndpointsQuery } from './webhooks.repository.js';

const EVENTS = 1000;

for (const dialect of dialects) {
  describe(`webhook fan-out (${dialect})`, () => {
    let t: TestApp;
    let a: Tenant;
    let b: Tenant;
    let worker: Worker;
    let receiver: WebhookReceiver;

    before(async () => {
      receiver = await startWebhookReceiver();
      t = await createTestApp(dialect, { env: { AUDENCI_ALLOW_PRIVATE_URLS: 'true' } });
      a = await createTenant(t, { name: 'A' });
      b = await createTenant(t, { name: 'B' });
      worker = await startWorker(t, { concurrency: 16 });
    });
    after(async () => {
      await worker.stop();
      await t.close();
      await receiver.close();
    });

    async function endpoint(key: string, path: string, events: string[]) {
      const res = await call(t.app, 'POST', '/api/v1/webhooks', {
        key,
        body: { url: receiver.url(path), events },
      });
      assert.equal(res.status, 201, res.raw);
      return res.body.data.id as string;
    }

    it('with no endpoint an event makes no delivery and no job', async () => {
      const { ctx } = t.runtime;
      const tenant = { organizationId: a.org.id, environment: 'live' as const };
      await ctx.db
        .transaction()
        .execute((trx) =>
          recordEvent(ctx, trx, tenant, { type: 'post.updated', brandId: null, data: { quiet: true } }),
        );
      const deliveries = await ctx.db.selectFrom('webhook_deliveries').select('id').execute();
      const jobs = await ctx.db
        .selectFrom('jobs')
        .select('id')
        .where('type', '=', 'webhook.deliver')
        .execute();
      assert.deepEqual([deliveries, jobs], [[], []]);
    });

    it('the fan-out lookup of enabled endpoints runs on its index', async () => {
      const { ctx } = t.runtime;
      const compiled = enabledEndpointsQuery(ctx.db, {
        organizationId: a.org.id,
        environment: 'live',
      }).compile();
      const plan = await ctx.db.transaction().execute(async (trx) => {
        if (dialect === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
        const prefix = dialect === 'sqlite' ? 'explain query plan' : 'explain';
        const result = await trx.executeQuery<Record<string, string>>(
          CompiledQuery.raw(`${prefix} ${compiled.sql}`, [...compiled.parameters]),
        );
        return result.rows.map((r) => Object.values(r).join(' ')).join('\n');
      });
      assert.match(plan, /webhook_endpoints_fanout/, plan);
    });

    it(`${EVENTS} events reach both subscribed endpoints once each, and no other tenant's endpoint`, async () => {
      await endpoint(a.live.admin, '/all', ['*']);
      await endpoint(a.live.admin, '/updates', ['post.updated']);
      await endpoint(a.live.admin, '/published', ['post.published']);
      await endpoint(a.test.admin, '/a-test', ['*']);
      await endpoint(b.live.admin, '/b-live', ['*']);
      const { ctx } = t.runtime;
      const tenant = { organizationId: a.org.id, environment: 'live' as const };
      const ids: string[] = [];
      for (let batch = 0; batch < EVENTS / 100; batch++) {
        await ctx.db.transaction().execute(async (trx) => {
          for (let i = 0; i < 100; i++) {
            const row = await recordEvent(ctx, trx, tenant, {
              type: 'post.updated',
              brandId: null,
              data: { n: batch * 100 + i },
            });
            ids.push(row.id);
          }
        });
      }

      await receiver.waitFor((r) => r.path === '/all' || r.path === '/updates', 2 * EVENTS, 60_000);
      // Every delivery recorded as succeeded: nothing is left to arrive late (and so be counted twice).
      await eventually(async () => {
        const open = await ctx.db
          .selectFrom('webhook_deliveries')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '!=', 'succeeded')
          .executeTakeFirstOrThrow();
        return Number(open.n) === 0 ? true : undefined;
      }, 30_000);
      for (const path of ['/all', '/updates']) {
        const got = receiver.requests
          .filter((r) => r.path === path)
          .map((r) => String(r.headers['webhook-id']));
        assert.equal(got.length, EVENTS, `${path}: none duplicated`);
        assert.deepEqual([...got].sort(), [...ids].sort(), `${path}: none lost`);
      }
      for (const path of ['/published', '/a-test', '/b-live']) {
        assert.equal(receiver.requests.filter((r) => r.path === path).length, 0, `${path} got nothing`);
      }
    });
  });
}
