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
import { idBoundary, newId } from '../../shared/ids.js';
import { purgeOldEvents } from './events.jobs.js';

const DAY = 86_400_000;

/** An id of `kind` made at `at` (newId keeps ids monotonic within a process, so it cannot go back). */
let counter = 0;
const idAt = (kind: 'event' | 'delivery', at: number) =>
  `${idBoundary(kind, at)}${String(++counter).padStart(16, '0')}`;

describe('idBoundary', () => {
  it('sorts above every id made earlier and at or below every id made from then on', () => {
    const t = Date.parse('2026-10-01T00:00:00Z');
    const boundary = idBoundary('event', t);
    for (const at of [t - 1, t - DAY, 0]) assert.ok(idAt('event', at) < boundary, `${at}`);
    for (const at of [t, t + 1, t + DAY]) assert.ok(idAt('event', at) >= boundary, `${at}`);
    const now = Date.now();
    const id = newId('event');
    assert.ok(id >= idBoundary('event', now - 1000) && id < idBoundary('event', now + 60_000), id);
  });
});

/**
 * Events and finished webhook deliveries older than AUDENCI_EVENT_RETENTION_DAYS are deleted (the
 * deliveries' attempts with them); newer ones and deliveries still being retried stay.
 */
for (const dialect of dialects) {
  describe(`event retention (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let endpointId: string;

    before(async () => {
      t = await createTestApp(dialect, { env: { AUDENCI_ALLOW_PRIVATE_URLS: 'true' } });
      tenant = await createTenant(t);
      const hook = await call(t.app, 'POST', '/api/v1/webhooks', {
        key: tenant.live.admin,
        body: { url: 'http://127.0.0.1:9/audenci', events: ['post.created'] },
      });
      assert.equal(hook.status, 201, hook.raw);
      endpointId = hook.body.data.id;
    });
    after(() => t.close());

    it('deletes what is past the retention period, in batches, and keeps the rest', async () => {
      const db = t.runtime.ctx.db;
      const now = Date.now();
      const old = now - 40 * DAY;
      const base = { organization_id: tenant.org.id, environment: 'live' as const };
      const event = (at: number) => ({
        ...base,
        id: idAt('event', at),
        type: 'post.created' as const,
        brand_id: null,
        data: '{}',
        created_at: at,
      });
      const events = [event(old), event(old + 1), event(old + 2), event(now - DAY)];
      await db.insertInto('events').values(events).execute();
      const delivery = (at: number, status: 'pending' | 'succeeded' | 'failed') => ({
        ...base,
        id: idAt('delivery', at),
        endpoint_id: endpointId,
        event_id: events[0]!.id,
        event_type: 'post.created',
        payload: '{}',
        status,
        attempt_count: 1,
        next_attempt_at: status === 'pending' ? now + 60_000 : null,
        last_response_status: null,
        last_error: null,
        created_at: at,
        updated_at: at,
      });
      const deliveries = [
        delivery(old, 'succeeded'),
        delivery(old + 1, 'failed'),
        delivery(old + 2, 'pending'),
        delivery(old + 3, 'succeeded'),
        delivery(now - DAY, 'succeeded'),
      ];
      await db.insertInto('webhook_deliveries').values(deliveries).execute();
      await db
        .insertInto('webhook_attempts')
        .values({
          ...base,
          id: idAt('delivery', old),
          delivery_id: deliveries[0]!.id,
          attempt: 1,
          started_at: old,
          duration_ms: 12,
          response_status: 200,
          response_body: 'ok',
          error: null,
          outcome: 'succeeded',
        })
        .execute();

      const report = await purgeOldEvents(db, t.runtime.ctx.clock, { olderThanMs: 30 * DAY, batchSize: 2 });
      assert.deepEqual(report, { events: 3, deliveries: 3 });
      const keptEvents = await db
        .selectFrom('events')
        .select('id')
        .where(
          'id',
          'in',
          events.map((e) => e.id),
        )
        .execute();
      assert.deepEqual(
        keptEvents.map((r) => r.id),
        [events[3]!.id],
      );
      const keptDeliveries = await db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('endpoint_id', '=', endpointId)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        keptDeliveries.map((r) => r.id),
        [deliveries[2]!.id, deliveries[4]!.id],
        'a delivery still being retried stays',
      );
      const attempts = await db
        .selectFrom('webhook_attempts')
        .select('id')
        .where('delivery_id', '=', deliveries[0]!.id)
        .execute();
      assert.equal(attempts.length, 0, 'attempts go with their delivery');

      const again = await purgeOldEvents(db, t.runtime.ctx.clock, { olderThanMs: 30 * DAY });
      assert.deepEqual(again, { events: 0, deliveries: 0 });
    });
  });
}
