import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  ManualClock,
  type Answer,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { updateRuleTests } from '../../../test/helpers/update-rule.js';

import type { AppError } from '../../shared/errors.js';
import type { LookupFn } from '../../shared/ssrf.js';
import { createEndpoint, type WebhooksContext } from './webhooks.service.js';
import { SYSTEM_ORIGIN } from '../audit/index.js';

const MISSING_WEBHOOK = 'whk_01M8FHSW4FSXDVQCQJRMA72QE2';
const MISSING_DELIVERY = 'dlv_01M8FHSW4FSXDVQCQJRMA72QE2';
const HOUR = 3600_000;

function assertError(res: Answer, status: number, code: string, what = ''): void {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.raw}`);
  assert.deepEqual(Object.keys(res.body), ['error'], what);
  assert.equal(res.body.error.code, code, what);
  assert.equal(typeof res.body.error.message, 'string', what);
}

function assertInvalid(res: Answer, field: string, what = ''): void {
  assertError(res, 400, 'INVALID_INPUT', what);
  assert.equal(res.body.error.details.field, field, `${what}: ${res.raw}`);
}

for (const dialect of dialects) {
  describe(`webhook endpoint routes (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let clock: ManualClock;
    const admin = () => tenant.live.admin;

    before(async () => {
      clock = new ManualClock(Date.parse('2026-06-01T12:00:00Z'));
      // No worker runs here: deliveries stay pending. Names are not resolved with the override.
      t = await createTestApp(dialect, { clock, env: { AUDENCI_ALLOW_PRIVATE_URLS: 'true' } });
      tenant = await createTenant(t);
    });
    after(() => t.close());

    async function create(body: Record<string, unknown> = {}, key = admin()) {
      return call(t.app, 'POST', '/api/v1/webhooks', {
        key,
        body: { url: 'https://hooks.example.com/audenci', events: ['post.published'], ...body },
      });
    }
    async function read(id: string, key = admin()) {
      return call(t.app, 'GET', `/api/v1/webhooks/${id}`, { key });
    }

    it('creates an endpoint (201, Location) and shows its whsec_ secret only then', async () => {
      const res = await create({ description: 'CRM sync', events: ['post.published', 'post.failed'] });
      assert.equal(res.status, 201, res.raw);
      const data = res.body.data;
      assert.match(data.id, /^whk_[0-9A-Z]{26}$/);
      assert.equal(res.headers.location, `http://audenci.test/api/v1/webhooks/${data.id}`);
      assert.match(data.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      const now = new Date(clock.now()).toISOString();
      const { secret, ...endpoint } = data;
      assert.deepEqual(endpoint, {
        id: data.id,
        url: 'https://hooks.example.com/audenci',
        description: 'CRM sync',
        events: ['post.published', 'post.failed'],
        enabled: true,
        disabledReason: null,
        failingSince: null,
        previousSecretExpiresAt: null,
        createdAt: now,
        updatedAt: now,
      });
      const got = await read(data.id);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body.data, endpoint, 'GET shows everything but the secret');
      assert.ok(!got.raw.includes(secret));
      const list = await call(t.app, 'GET', '/api/v1/webhooks', { key: admin(), query: { limit: 100 } });
      assert.ok(!list.raw.includes(secret) && !list.raw.includes('"secret"'));

      // At rest the secret is sealed: no plaintext, and it opens only with the webhook key and this id.
      const row = await t.runtime.ctx.db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('id', '=', data.id)
        .executeTakeFirstOrThrow();
      assert.ok(!row.secret.includes('whsec_') && !row.secret.includes(secret.slice(6)));
      assert.equal(t.runtime.webhookBox.open(row.secret, data.id), secret);
      assert.throws(() => t.runtime.tokenBox.open(row.secret, data.id));

      const star = await create({ events: ['*'], enabled: false, description: null });
      assert.equal(star.status, 201, star.raw);
      assert.deepEqual(star.body.data.events, ['*']);
      assert.equal(star.body.data.enabled, false);
      assert.equal(star.body.data.disabledReason, null);
      assert.notEqual(star.body.data.secret, secret);
    });

    it('refuses bad bodies with 400 naming the field; unknown event types are named', async () => {
      const unknown = await create({ events: ['post.created', 'post.exploded', 'user.signup'] });
      assertInvalid(unknown, 'events.1');
      assert.match(unknown.body.error.message, /'post\.exploded'.*'user\.signup'/);
      assert.deepEqual(
        unknown.body.error.details.errors.map((e: { field: string }) => e.field),
        ['events.1', 'events.2'],
      );
      assert.match(unknown.body.error.details.reason, /post\.exploded.*post\.published/);
      assert.match((await create({ events: ['webhook.test'] })).body.error.message, /webhook\.test/);

      for (const [body, field] of [
        [{ url: undefined }, 'url'],
        [{ url: '' }, 'url'],
        [{ url: 42 }, 'url'],
        [{ url: 'not a url' }, 'url'],
        [{ url: 'ftp://hooks.example.com/x' }, 'url'],
        [{ url: 'https://user:pass@hooks.example.com/x' }, 'url'],
        [{ url: `https://hooks.example.com/${'x'.repeat(2100)}` }, 'url'],
        [{ events: undefined }, 'events'],
        [{ events: [] }, 'events'],
        [{ events: 'post.created' }, 'events'],
        [{ events: ['post.created', 'post.created'] }, 'events'],
        [{ enabled: 'yes' }, 'enabled'],
        [{ description: 'x'.repeat(501) }, 'description'],
        [{ color: 'blue' }, 'color'],
        [{ secret: 'whsec_mine' }, 'secret'],
        [{ id: 'whk_mine' }, 'id'],
      ] as const) {
        assertInvalid(await create(body), field, JSON.stringify(body).slice(0, 80));
      }
      const readOnly = await create({ secret: 'whsec_mine' });
      assert.match(readOnly.body.error.details.reason, /Read-only/);
      const notJson = await call(t.app, 'POST', '/api/v1/webhooks', {
        key: admin(),
        body: '{"url":',
        headers: { 'content-type': 'application/json' },
      });
      assertError(notJson, 400, 'INVALID_INPUT', 'malformed JSON');
    });

    it('PATCH changes url, events, description and enabled; refuses what POST refuses; unknown ids are 404', async () => {
      const created = (await create()).body.data;
      clock.advance(1000);
      const res = await call(t.app, 'PATCH', `/api/v1/webhooks/${created.id}`, {
        key: admin(),
        body: { url: 'https://other.example.com/in', events: ['*'], description: 'Moved' },
      });
      assert.equal(res.status, 200, res.raw);
      const { secret: _secret, ...before } = created;
      assert.deepEqual(res.body.data, {
        ...before,
        url: 'https://other.example.com/in',
        events: ['*'],
        description: 'Moved',
        updatedAt: new Date(clock.now()).toISOString(),
      });
      assert.deepEqual((await read(created.id)).body.data, res.body.data);

      const disabled = await call(t.app, 'PATCH', `/api/v1/webhooks/${created.id}`, {
        key: admin(),
        body: { enabled: false },
      });
      assert.equal(disabled.body.data.enabled, false);
      assert.equal(disabled.body.data.disabledReason, null, 'disabled by its owner: no reason of ours');

      for (const [body, field] of [
        [{}, ''],
        [{ url: 'gopher://x.example.com' }, 'url'],
        [{ events: ['post.created', 'nope'] }, 'events.1'],
        [{ events: [] }, 'events'],
        [{ secret: 'whsec_x' }, 'secret'],
        [{ failingSince: null }, 'failingSince'],
        [{ nickname: 'x' }, 'nickname'],
      ] as const) {
        const refused = await call(t.app, 'PATCH', `/api/v1/webhooks/${created.id}`, { key: admin(), body });
        assertError(refused, 400, 'INVALID_INPUT', JSON.stringify(body));
        if (field) assert.equal(refused.body.error.details.field, field, JSON.stringify(body));
      }
      assert.deepEqual((await read(created.id)).body.data, disabled.body.data, 'refusals change nothing');

      for (const id of [MISSING_WEBHOOK, 'whk_nope', 'cmp_01M8FHSW4FSXDVQCQJRMA72QE2']) {
        assertError(await read(id), 404, 'NOT_FOUND', `GET ${id}`);
        assertError(
          await call(t.app, 'PATCH', `/api/v1/webhooks/${id}`, { key: admin(), body: { enabled: true } }),
          404,
          'NOT_FOUND',
          `PATCH ${id}`,
        );
        assertError(
          await call(t.app, 'DELETE', `/api/v1/webhooks/${id}`, { key: admin() }),
          404,
          'NOT_FOUND',
        );
      }
    });

    describe('the update rule: PATCH merges, PUT replaces, GET → edit → PUT works', () => {
      updateRuleTests(
        () => t,
        () => tenant,
        {
          collection: '/api/v1/webhooks',
          scope: 'admin',
          async create(owner) {
            const res = await create(
              { description: 'CRM', events: ['post.published', 'post.failed'] },
              owner.live.admin,
            );
            assert.equal(res.status, 201, res.raw);
            return (await read(res.body.data.id, owner.live.admin)).body.data;
          },
          createBody: async () => ({ url: 'https://hooks.example.com/other', events: ['*'] }),
          patch: { description: 'Ops', events: ['*'] },
          required: ['url', 'events'],
          resets: { description: null },
          edit: { url: 'https://hooks.example.com/moved' },
          changedReadOnly: (read) => ({
            id: MISSING_WEBHOOK,
            disabledReason: 'gone',
            failingSince: read.createdAt,
            previousSecretExpiresAt: read.createdAt,
            createdAt: '2020-01-01T00:00:00.000Z',
            updatedAt: read.updatedAt.replace(/\.\d{3}Z$/, 'Z'),
          }),
          hiddenReadOnly: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3nRJ4Kz2Jxo=' },
        },
      );

      /** An endpoint Audenci disabled after a 410, failing since an hour ago, as GET shows it. */
      async function disabledByAudenci() {
        const created = (await create()).body.data;
        await t.runtime.ctx.db
          .updateTable('webhook_endpoints')
          .set({ enabled: 0, disabled_reason: 'gone', failing_since: clock.now() - HOUR })
          .where('id', '=', created.id)
          .execute();
        return (await read(created.id)).body.data;
      }

      it('GET → PUT keeps a disabled endpoint disabled with its reason; PUT with enabled: true re-enables it', async () => {
        const disabled = await disabledByAudenci();
        assert.deepEqual(
          [disabled.enabled, disabled.disabledReason, disabled.failingSince],
          [false, 'gone', new Date(clock.now() - HOUR).toISOString()],
        );
        clock.advance(1000);
        const kept = await call(t.app, 'PUT', `/api/v1/webhooks/${disabled.id}`, {
          key: admin(),
          body: { ...disabled, description: 'Still off' },
        });
        assert.equal(kept.status, 200, kept.raw);
        assert.deepEqual(kept.body.data, {
          ...disabled,
          description: 'Still off',
          updatedAt: new Date(clock.now()).toISOString(),
        });
        clock.advance(1000);
        const enabled = await call(t.app, 'PUT', `/api/v1/webhooks/${disabled.id}`, {
          key: admin(),
          body: { ...kept.body.data, enabled: true },
        });
        assert.equal(enabled.status, 200, enabled.raw);
        assert.deepEqual(enabled.body.data, {
          ...kept.body.data,
          enabled: true,
          disabledReason: null,
          failingSince: null,
          updatedAt: new Date(clock.now()).toISOString(),
        });
        assert.deepEqual((await read(disabled.id)).body.data, enabled.body.data);
      });

      it('a PUT that leaves enabled out enables the endpoint (its default); PATCH leaves it as it is', async () => {
        const patched = await disabledByAudenci();
        const untouched = await call(t.app, 'PATCH', `/api/v1/webhooks/${patched.id}`, {
          key: admin(),
          body: { description: 'Off still' },
        });
        assert.equal(untouched.status, 200, untouched.raw);
        assert.deepEqual(
          [untouched.body.data.enabled, untouched.body.data.disabledReason, untouched.body.data.failingSince],
          [false, 'gone', patched.failingSince],
        );
        const replaced = await call(t.app, 'PUT', `/api/v1/webhooks/${patched.id}`, {
          key: admin(),
          body: { url: patched.url, events: patched.events },
        });
        assert.equal(replaced.status, 200, replaced.raw);
        assert.deepEqual(
          [replaced.body.data.enabled, replaced.body.data.disabledReason, replaced.body.data.failingSince],
          [true, null, null],
        );
        assert.equal(replaced.body.data.description, null);
      });

      it('enabled: true on an endpoint already enabled keeps its failure run (failingSince)', async () => {
        const created = (await create()).body.data;
        const since = clock.now() - HOUR;
        await t.runtime.ctx.db
          .updateTable('webhook_endpoints')
          .set({ failing_since: since })
          .where('id', '=', created.id)
          .execute();
        for (const method of ['PATCH', 'PUT'] as const) {
          const current = (await read(created.id)).body.data;
          const body = method === 'PUT' ? { ...current, enabled: true } : { enabled: true };
          const res = await call(t.app, method, `/api/v1/webhooks/${created.id}`, { key: admin(), body });
          assert.equal(res.status, 200, res.raw);
          assert.deepEqual(res.body.data, { ...current, updatedAt: res.body.data.updatedAt }, method);
          assert.equal(res.body.data.failingSince, new Date(since).toISOString(), method);
        }
      });
    });

    it('DELETE answers {id, deleted: true} and takes the delivery log with it', async () => {
      const created = (await create()).body.data;
      const test = await call(t.app, 'POST', `/api/v1/webhooks/${created.id}/test`, { key: admin() });
      assert.equal(test.status, 202, test.raw);
      const del = await call(t.app, 'DELETE', `/api/v1/webhooks/${created.id}`, { key: admin() });
      assert.equal(del.status, 200, del.raw);
      assert.deepEqual(del.body, { data: { id: created.id, deleted: true } });
      assertError(await read(created.id), 404, 'NOT_FOUND');
      assertError(
        await call(t.app, 'DELETE', `/api/v1/webhooks/${created.id}`, { key: admin() }),
        404,
        'NOT_FOUND',
      );
      const left = await t.runtime.ctx.db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('endpoint_id', '=', created.id)
        .execute();
      assert.deepEqual(left, []);
    });

    it('lists endpoints newest first with pagination and cursors', async () => {
      const other = await createTenant(t, { name: 'Lister' });
      const made: string[] = [];
      for (let i = 0; i < 3; i++) {
        clock.advance(10);
        made.push((await create({ description: `n${i}` }, other.live.admin)).body.data.id);
      }
      const first = await call(t.app, 'GET', '/api/v1/webhooks', {
        key: other.live.admin,
        query: { limit: 2 },
      });
      assert.equal(first.status, 200, first.raw);
      assert.deepEqual(
        first.body.data.map((w: { id: string }) => w.id),
        [made[2], made[1]],
      );
      assert.equal(first.body.pagination.totalCount, 3);
      assert.equal(first.body.pagination.hasMore, true);
      const next = await call(t.app, 'GET', '/api/v1/webhooks', {
        key: other.live.admin,
        query: { limit: 2, cursor: first.body.pagination.nextCursor },
      });
      assert.deepEqual(
        next.body.data.map((w: { id: string }) => w.id),
        [made[0]],
      );
      assert.equal(next.body.pagination.nextCursor, null);
      const bad: Record<string, string | number>[] = [
        { limit: 101 },
        { page: 0 },
        { sortBy: 'url' },
        { cursor: 'forged' },
        { enabled: 'true' },
      ];
      for (const query of bad) {
        assertError(
          await call(t.app, 'GET', '/api/v1/webhooks', { key: other.live.admin, query }),
          400,
          'INVALID_INPUT',
          JSON.stringify(query),
        );
      }
    });

    it('rotates the secret: the new one is shown once; the old one signs on for the overlap (default 24 h)', async () => {
      const created = (await create()).body.data;
      clock.advance(1000);
      const rotate = (body?: Record<string, unknown>, id = created.id) =>
        call(t.app, 'POST', `/api/v1/webhooks/${id}/rotate-secret`, { key: admin(), body });
      const rotated = await rotate();
      assert.equal(rotated.status, 200, rotated.raw);
      assert.match(rotated.body.data.secret, /^whsec_/);
      assert.notEqual(rotated.body.data.secret, created.secret);
      assert.equal(
        rotated.body.data.previousSecretExpiresAt,
        new Date(clock.now() + 24 * HOUR).toISOString(),
      );
      const row = await t.runtime.ctx.db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('id', '=', created.id)
        .executeTakeFirstOrThrow();
      assert.equal(t.runtime.webhookBox.open(row.secret, created.id), rotated.body.data.secret);
      assert.equal(t.runtime.webhookBox.open(row.previous_secret!, created.id), created.secret);
      const got = (await read(created.id)).body.data;
      assert.equal(got.secret, undefined);
      assert.equal(got.previousSecretExpiresAt, rotated.body.data.previousSecretExpiresAt);
      clock.advance(24 * HOUR);
      assert.equal((await read(created.id)).body.data.previousSecretExpiresAt, null, 'the overlap ended');

      const hour = await rotate({ overlapSeconds: 3600 });
      assert.equal(hour.body.data.previousSecretExpiresAt, new Date(clock.now() + HOUR).toISOString());
      const now = await rotate({ overlapSeconds: 0 });
      assert.equal(now.status, 200);
      assert.equal(now.body.data.previousSecretExpiresAt, null);
      for (const body of [
        { overlapSeconds: 7 * 86_400 + 1 },
        { overlapSeconds: -1 },
        { overlapSeconds: 1.5 },
        { grace: 1 },
      ]) {
        assertInvalid(await rotate(body), Object.keys(body)[0]!, JSON.stringify(body));
      }
      assert.equal((await rotate({ overlapSeconds: 7 * 86_400 })).status, 200);
      assertError(await rotate({}, MISSING_WEBHOOK), 404, 'NOT_FOUND');
    });

    it('a test event is a pending delivery (202, Location), kept out of the event log; retry while pending is 409', async () => {
      const created = (await create({ events: ['post.created'] })).body.data;
      const res = await call(t.app, 'POST', `/api/v1/webhooks/${created.id}/test`, { key: admin() });
      assert.equal(res.status, 202, res.raw);
      const delivery = res.body.data;
      assert.match(delivery.id, /^dlv_[0-9A-Z]{26}$/);
      assert.equal(
        res.headers.location,
        `http://audenci.test/api/v1/webhooks/${created.id}/deliveries/${delivery.id}`,
      );
      const now = new Date(clock.now()).toISOString();
      assert.deepEqual(delivery, {
        id: delivery.id,
        webhookId: created.id,
        eventId: delivery.eventId,
        eventType: 'webhook.test',
        status: 'pending',
        attemptCount: 0,
        nextAttemptAt: now,
        lastResponseStatus: null,
        lastError: null,
        payload: {
          id: delivery.eventId,
          type: 'webhook.test',
          createdAt: now,
          organizationId: tenant.org.id,
          environment: 'live',
          brandId: null,
          data: { webhookId: created.id, message: delivery.payload.data.message },
        },
        attempts: [],
        createdAt: now,
        updatedAt: now,
      });
      assert.match(delivery.eventId, /^evt_/);
      const events = await call(t.app, 'GET', '/api/v1/events', { key: admin(), query: { limit: 100 } });
      assert.ok(!events.body.data.some((e: { id: string }) => e.id === delivery.eventId));

      const url = `/api/v1/webhooks/${created.id}/deliveries`;
      const one = await call(t.app, 'GET', `${url}/${delivery.id}`, { key: admin() });
      assert.equal(one.status, 200, one.raw);
      assert.deepEqual(one.body.data, delivery);
      const list = await call(t.app, 'GET', url, { key: admin(), query: { status: 'pending' } });
      assert.deepEqual(list.body.data, [delivery]);
      assert.deepEqual(list.body.pagination, {
        page: 1,
        limit: 20,
        totalCount: 1,
        hasMore: false,
        nextCursor: null,
      });
      assert.deepEqual(
        (await call(t.app, 'GET', url, { key: admin(), query: { status: 'failed' } })).body.data,
        [],
      );

      const retry = await call(t.app, 'POST', `${url}/${delivery.id}/retry`, { key: admin() });
      assertError(retry, 409, 'CONFLICT', 'retry while pending');
      const jobs = await t.runtime.ctx.db
        .selectFrom('jobs')
        .select(['type', 'payload', 'max_attempts'])
        .where('type', '=', 'webhook.deliver')
        .where('payload', 'like', `%${delivery.id}%`)
        .execute();
      assert.equal(jobs.length, 1, 'one job per delivery');
      assert.equal(jobs[0]!.max_attempts, t.runtime.config.webhookRetryDelays.length + 1);

      // Unknown or foreign ids, bad filters.
      assertError(await call(t.app, 'GET', `${url}/${MISSING_DELIVERY}`, { key: admin() }), 404, 'NOT_FOUND');
      assertError(
        await call(t.app, 'POST', `${url}/${MISSING_DELIVERY}/retry`, { key: admin() }),
        404,
        'NOT_FOUND',
      );
      const elsewhere = (await create()).body.data.id;
      const wrongParent = `/api/v1/webhooks/${elsewhere}/deliveries/${delivery.id}`;
      assertError(
        await call(t.app, 'GET', wrongParent, { key: admin() }),
        404,
        'NOT_FOUND',
        'other endpoint',
      );
      assertError(await call(t.app, 'POST', `${wrongParent}/retry`, { key: admin() }), 404, 'NOT_FOUND');
      for (const path of [
        `/test`,
        `/deliveries`,
        `/deliveries/${delivery.id}`,
        `/deliveries/${delivery.id}/retry`,
      ]) {
        const method =
          path === '/deliveries' || (!path.includes('retry') && path !== '/test') ? 'GET' : 'POST';
        assertError(
          await call(t.app, method, `/api/v1/webhooks/${MISSING_WEBHOOK}${path}`, { key: admin() }),
          404,
          'NOT_FOUND',
          `${method} ${path}`,
        );
      }
      const bad: Record<string, string | number>[] = [
        { status: 'delivered' },
        { limit: 0 },
        { sortBy: 'status' },
      ];
      for (const query of bad) {
        assertInvalid(await call(t.app, 'GET', url, { key: admin(), query }), Object.keys(query)[0]!);
      }
    });

    it('a disabled endpoint cannot be sent a test event (409)', async () => {
      const created = (await create()).body.data;
      await call(t.app, 'PATCH', `/api/v1/webhooks/${created.id}`, {
        key: admin(),
        body: { enabled: false },
      });
      const res = await call(t.app, 'POST', `/api/v1/webhooks/${created.id}/test`, { key: admin() });
      assertError(res, 409, 'CONFLICT');
      assert.match(res.body.error.message, /enable/);
    });

    it('a read_write or read key gets 403 on every webhook route; admin is required', async () => {
      const created = (await create()).body.data;
      const delivery = (await call(t.app, 'POST', `/api/v1/webhooks/${created.id}/test`, { key: admin() }))
        .body.data;
      const base = `/api/v1/webhooks/${created.id}`;
      const routes: [string, string, unknown?][] = [
        ['GET', '/api/v1/webhooks'],
        ['POST', '/api/v1/webhooks', { url: 'https://x.example.com', events: ['*'] }],
        ['GET', base],
        ['PUT', base, { url: 'https://x.example.com', events: ['*'], enabled: false }],
        ['PATCH', base, { enabled: false }],
        ['DELETE', base],
        ['POST', `${base}/rotate-secret`, {}],
        ['POST', `${base}/test`],
        ['GET', `${base}/deliveries`],
        ['GET', `${base}/deliveries/${delivery.id}`],
        ['POST', `${base}/deliveries/${delivery.id}/retry`],
      ];
      for (const scope of ['read_write', 'read'] as const) {
        for (const [method, url, body] of routes) {
          const res = await call(t.app, method as 'GET', url, { key: tenant.live[scope], body });
          assertError(res, 403, 'FORBIDDEN', `${scope} ${method} ${url}`);
          assert.equal(res.body.error.details.requiredScope, 'admin');
        }
      }
      assert.equal((await read(created.id)).body.data.enabled, true, 'nothing changed');
    });

    it("another organization, or A's test environment, sees none of A's endpoints (404, empty lists)", async () => {
      const created = (await create()).body.data;
      const delivery = (await call(t.app, 'POST', `/api/v1/webhooks/${created.id}/test`, { key: admin() }))
        .body.data;
      const other = await createTenant(t, { name: 'Intruder' });
      const base = `/api/v1/webhooks/${created.id}`;
      for (const [who, key] of [
        ['org B live', other.live.admin],
        ['org B test', other.test.admin],
        ["A's test environment", tenant.test.admin],
      ] as const) {
        for (const [method, url, body] of [
          ['GET', base],
          ['PUT', base, { url: 'https://evil.example.com', events: ['*'], enabled: true }],
          ['PATCH', base, { url: 'https://evil.example.com', enabled: true }],
          ['DELETE', base],
          ['POST', `${base}/rotate-secret`, { overlapSeconds: 0 }],
          ['POST', `${base}/test`],
          ['GET', `${base}/deliveries`],
          ['GET', `${base}/deliveries/${delivery.id}`],
          ['POST', `${base}/deliveries/${delivery.id}/retry`],
        ] as const) {
          const res = await call(t.app, method, url, { key, body });
          assertError(res, 404, 'NOT_FOUND', `${who}: ${method} ${url}`);
          assert.match(res.body.error.message, new RegExp(created.id));
          assert.equal(res.body.error.details, undefined);
        }
        const list = await call(t.app, 'GET', '/api/v1/webhooks', { key });
        assert.ok(!list.body.data.some((w: { id: string }) => w.id === created.id), who);
      }
      const still = await read(created.id);
      assert.equal(still.body.data.url, created.url);
      assert.equal(still.body.data.updatedAt, created.updatedAt);
      const row = await t.runtime.ctx.db
        .selectFrom('webhook_endpoints')
        .select(['secret', 'previous_secret'])
        .where('id', '=', created.id)
        .executeTakeFirstOrThrow();
      assert.equal(t.runtime.webhookBox.open(row.secret, created.id), created.secret, 'not rotated');
      assert.equal(row.previous_secret, null);
    });
  });

  describe(`webhook URLs and the SSRF guard (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    before(async () => {
      t = await createTestApp(dialect); // AUDENCI_ALLOW_PRIVATE_URLS is off
      tenant = await createTenant(t);
    });
    after(() => t.close());

    const create = (url: string) =>
      call(t.app, 'POST', '/api/v1/webhooks', { key: tenant.live.admin, body: { url, events: ['*'] } });

    it('refuses private, loopback, link-local and non-http URLs at registration with 400 naming url', async () => {
      for (const [url, reason] of [
        ['http://127.0.0.1/hook', /private, loopback or link-local.*127\.0\.0\.1/],
        ['http://127.1:8080/hook', /private, loopback or link-local/],
        ['http://10.0.0.1/hook', /private, loopback or link-local.*10\.0\.0\.1/],
        ['http://192.168.1.20/hook', /private/],
        ['http://172.16.5.4/hook', /private/],
        ['http://169.254.169.254/latest/meta-data', /link-local.*169\.254\.169\.254/],
        ['http://0.0.0.0/', /private/],
        ['http://[::1]/hook', /private.*::1/],
        ['http://[::ffff:127.0.0.1]/hook', /private/],
        ['http://[fe80::1]/hook', /private/],
        ['http://[fd00:ec2::254]/', /private/],
        ['http://2130706433/', /private/],
        ['ftp://files.example.com/hook', /http or https/],
        ['file:///etc/passwd', /http or https/],
        ['javascript:alert(1)', /http or https/],
        ['https://user:secret@hooks.example.com/', /user name or password/],
        ['//hooks.example.com/', /absolute/],
      ] as const) {
        const res = await create(url);
        assertInvalid(res, 'url', url);
        assert.match(res.body.error.details.reason, reason, url);
        assert.ok(!res.raw.includes('secret@'), 'the URL is not echoed');
      }
      const stored = await t.runtime.ctx.db.selectFrom('webhook_endpoints').select('id').execute();
      assert.deepEqual(stored, []);
    });

    it('resolves a host name and refuses it when any of its addresses is private', async () => {
      const lookup: LookupFn = (hostname, _options, callback) =>
        callback(null, [
          { address: '93.184.215.14', family: 4 },
          ...(hostname === 'internal.example.com' ? [{ address: '10.1.2.3', family: 4 }] : []),
        ]);
      const ctx: WebhooksContext = {
        ...t.runtime.ctx,
        secrets: t.runtime.webhookBox,
        allowPrivateUrls: false,
        lookup,
      };
      const tenantOfA = { organizationId: tenant.org.id, environment: 'live' as const };
      await assert.rejects(
        createEndpoint(
          ctx,
          tenantOfA,
          { url: 'https://internal.example.com/hook', events: ['*'] },
          SYSTEM_ORIGIN,
        ),
        (error: AppError) => {
          assert.equal(error.code, 'INVALID_INPUT');
          assert.equal(error.details?.field, 'url');
          assert.match(String(error.details?.reason), /private.*10\.1\.2\.3/);
          return true;
        },
      );
      const ok = await createEndpoint(
        ctx,
        tenantOfA,
        {
          url: 'https://public.example.com/hook',
          events: ['*'],
        },
        SYSTEM_ORIGIN,
      );
      assert.equal(ok.url, 'https://public.example.com/hook');
    });

    it('accepts a public address, and refuses an update to a private one', async () => {
      // An IP literal is checked without DNS; no worker runs here, so nothing is sent to it.
      const created = await create('https://93.184.215.14/hook');
      assert.equal(created.status, 201, created.raw);
      const update = await call(t.app, 'PATCH', `/api/v1/webhooks/${created.body.data.id}`, {
        key: tenant.live.admin,
        body: { url: 'http://169.254.169.254/' },
      });
      assertInvalid(update, 'url');
      const replace = await call(t.app, 'PUT', `/api/v1/webhooks/${created.body.data.id}`, {
        key: tenant.live.admin,
        body: { ...created.body.data, secret: undefined, url: 'http://169.254.169.254/' },
      });
      assertInvalid(replace, 'url');
      const got = await call(t.app, 'GET', `/api/v1/webhooks/${created.body.data.id}`, {
        key: tenant.live.admin,
      });
      assert.equal(got.body.data.url, 'https://93.184.215.14/hook');
    });
  });
}
