import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Runtime } from '../runtime.js';
import {
  type Answer,
  call,
  createTenant,
  createTestApp,
  dialects,
  type LoggedApp,
  startLoggedApp,
  type Tenant,
  type TestApp,
} from '../../test/helpers/app.js';

/** The value of one sample in Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2]!.split(',');
    if (wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return 0;
}

for (const dialect of dialects) {
  describe(`operational endpoints (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    before(async () => {
      t = await createTestApp(dialect);
      tenant = await createTenant(t);
    });
    after(() => t.close());

    it('GET /healthz answers 200 {status: ok} without a key', async () => {
      const res = await call(t.app, 'GET', '/healthz');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { status: 'ok' });
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      assert.ok(res.headers['x-request-id']);
    });

    it(`GET /readyz answers 200 naming the database (${dialect})`, async () => {
      const res = await call(t.app, 'GET', '/readyz');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        status: 'ready',
        database: dialect,
        checks: { database: 'ok', migrations: 'ok' },
      });
    });

    it(`the ${dialect} run really runs on ${dialect}`, async () => {
      const version = await t.runtime.db.serverVersion();
      if (dialect === 'postgres') {
        assert.match(version, /^PostgreSQL \d+/);
        const schema = await sql<{ s: string }>`select current_schema() as s`.execute(t.runtime.ctx.db);
        assert.equal(schema.rows[0]!.s, t.database.schema, 'the test works in its own schema');
      } else {
        assert.match(version, /^SQLite 3\./);
      }
      assert.equal(t.runtime.db.capabilities.name, dialect);
      // A brand written through the API is a row in that database.
      const created = await call(t.app, 'POST', '/api/v1/brands', {
        key: tenant.live.admin,
        body: { name: `Row in ${dialect}` },
      });
      assert.equal(created.status, 201);
      const row = await t.runtime.ctx.db
        .selectFrom('brands')
        .select('name')
        .where('id', '=', created.body.data.id)
        .executeTakeFirst();
      assert.deepEqual(row, { name: `Row in ${dialect}` });
    });

    it('GET /metrics counts requests by route pattern and status, in Prometheus text', async () => {
      const scrape = async () => {
        const res = await call(t.app, 'GET', '/metrics');
        assert.equal(res.status, 200);
        assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
        return res.raw;
      };
      const label = (route: string, status: string) => ({ method: 'GET', route, status_code: status });
      const before = await scrape();
      for (let i = 0; i < 3; i++) {
        assert.equal((await call(t.app, 'GET', '/api/v1/brands', { key: tenant.live.read })).status, 200);
      }
      assert.equal((await call(t.app, 'GET', '/api/v1/brands')).status, 401);
      assert.equal(
        (await call(t.app, 'GET', '/api/v1/brands/brand_0000000000', { key: tenant.live.read })).status,
        404,
      );
      assert.equal(
        (await call(t.app, 'GET', '/api/v1/no-such-thing-42', { key: tenant.live.read })).status,
        404,
      );
      const text = await scrape();

      assert.match(text, /^# HELP audenci_http_requests_total /m);
      assert.match(text, /^# TYPE audenci_http_requests_total counter$/m);
      const delta = (route: string, status: string) =>
        sample(text, 'audenci_http_requests_total', label(route, status)) -
        sample(before, 'audenci_http_requests_total', label(route, status));
      assert.equal(delta('/api/v1/brands', '200'), 3);
      assert.equal(delta('/api/v1/brands', '401'), 1);
      // Ids and unknown paths never become label values (bounded cardinality).
      assert.equal(delta('/api/v1/brands/:id', '404'), 1);
      assert.equal(delta('unmatched', '404'), 1);
      assert.ok(!text.includes('brand_0000000000'));
      assert.ok(!text.includes('no-such-thing-42'));
      assert.ok(
        sample(text, 'audenci_http_request_duration_seconds_count', label('/api/v1/brands', '200')) >= 3,
      );
      assert.match(text, /^audenci_process_cpu_user_seconds_total /m);
    });

    it('a GET carries an ETag; If-None-Match with it answers 304 with no body until the data changes', async () => {
      const key = tenant.test.admin;
      const first = await call(t.app, 'GET', '/api/v1/brands', { key });
      assert.equal(first.status, 200);
      const etag = String(first.headers.etag);
      assert.match(etag, /^"[A-Za-z0-9_-]+"$/);

      const again = await call(t.app, 'GET', '/api/v1/brands', { key, headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
      assert.equal(again.raw, '');
      assert.equal(again.headers.etag, etag);
      assert.equal(again.headers['content-type'], undefined);
      assert.equal(again.headers['cache-control'], 'private, no-cache');
      assert.ok(again.headers['x-request-id']);
      assert.ok(again.headers['x-ratelimit-remaining'] !== undefined);
      for (const variant of [`W/${etag}`, `"other", ${etag}`, '*']) {
        const res = await call(t.app, 'GET', '/api/v1/brands', {
          key,
          headers: { 'if-none-match': variant },
        });
        assert.equal(res.status, 304, variant);
      }
      const stale = await call(t.app, 'GET', '/api/v1/brands', {
        key,
        headers: { 'if-none-match': '"old"' },
      });
      assert.equal(stale.status, 200);
      assert.deepEqual(stale.body, first.body);

      const created = await call(t.app, 'POST', '/api/v1/brands', { key, body: { name: 'Etag Tea' } });
      assert.equal(created.status, 201);
      assert.equal(created.headers.etag, undefined, 'a POST carries no ETag');
      const changed = await call(t.app, 'GET', '/api/v1/brands', { key, headers: { 'if-none-match': etag } });
      assert.equal(changed.status, 200);
      assert.notEqual(changed.headers.etag, etag);
      assert.equal(changed.body.data[0].name, 'Etag Tea');

      const one = await call(t.app, 'GET', `/api/v1/brands/${created.body.data.id}`, { key });
      assert.equal(one.status, 200);
      const oneAgain = await call(t.app, 'GET', `/api/v1/brands/${created.body.data.id}`, {
        key,
        headers: { 'if-none-match': String(one.headers.etag) },
      });
      assert.equal(oneAgain.status, 304);
      await call(t.app, 'PATCH', `/api/v1/brands/${created.body.data.id}`, { key, body: { voice: 'Calm' } });
      const oneChanged = await call(t.app, 'GET', `/api/v1/brands/${created.body.data.id}`, {
        key,
        headers: { 'if-none-match': String(one.headers.etag) },
      });
      assert.equal(oneChanged.status, 200);
    });

    it('over HTTP, long and short answers: the ETag and Content-Length are those of the bytes sent', async () => {
      const key = tenant.live.admin;
      const name = (i: number) => `Café ✓ 東京 «${i}» ${'ü'.repeat(60)}`;
      for (let i = 0; i < 12; i++) {
        assert.equal(
          (await call(t.app, 'POST', '/api/v1/brands', { key, body: { name: name(i) } })).status,
          201,
        );
      }
      const short = await call(t.app, 'POST', '/api/v1/brands', { key, body: { name: 'Kurz' } });
      const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const list = await fetch(`${address}/api/v1/brands?limit=100`, {
        headers: { authorization: `Bearer ${key}` },
      });
      const one = await fetch(`${address}/api/v1/brands/${short.body.data.id}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      for (const [res, long] of [
        [list, true],
        [one, false],
      ] as const) {
        assert.equal(res.status, 200);
        const bytes = Buffer.from(await res.arrayBuffer());
        // The list is encoded once as bytes (long), the brand stays a string (short).
        assert.equal(bytes.length > 2048, long);
        assert.equal(res.headers.get('content-length'), String(bytes.length));
        assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
        assert.equal(res.headers.get('etag'), `"${createHash('sha1').update(bytes).digest('base64url')}"`);
        const again = await fetch(res.url, {
          headers: { authorization: `Bearer ${key}`, 'if-none-match': res.headers.get('etag')! },
        });
        assert.equal(again.status, 304);
        assert.equal((await again.arrayBuffer()).byteLength, 0);
      }
      const names = new Set(
        (
          JSON.parse(
            await (await fetch(list.url, { headers: { authorization: `Bearer ${key}` } })).text(),
          ) as { data: Array<{ name: string }> }
        ).data.map((brand) => brand.name),
      );
      for (let i = 0; i < 12; i++) assert.ok(names.has(name(i)), name(i));
    });

    it('errors carry no ETag', async () => {
      const res = await call(t.app, 'GET', '/api/v1/brands/brand_missing', { key: tenant.live.read });
      assert.equal(res.status, 404);
      assert.equal(res.headers.etag, undefined);
    });

    it('API answers, errors included, carry Cache-Control: private, no-cache', async () => {
      const key = tenant.live.admin;
      const answers = [
        await call(t.app, 'GET', '/api/v1/brands', { key }),
        await call(t.app, 'GET', '/api/brands', { key }),
        await call(t.app, 'POST', '/api/v1/brands', { key, body: { name: 'Cache Cocoa' } }),
        await call(t.app, 'POST', '/api/v1/brands', { key, body: {} }),
        await call(t.app, 'GET', '/api/v1/brands'),
        await call(t.app, 'GET', '/api/v1/brands/brand_missing', { key }),
        await call(t.app, 'GET', '/api/v1/organization', { key }),
      ];
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 200, 201, 400, 401, 404, 200],
      );
      for (const answer of answers) assert.equal(answer.headers['cache-control'], 'private, no-cache');
    });
  });

  describe(`request logs (${dialect})`, () => {
    let logged: LoggedApp;
    let runtime: Runtime;
    let app: FastifyInstance;
    before(async () => {
      // `trace`, the most verbose level: whatever is never logged there is never logged at all.
      logged = await startLoggedApp(dialect, 'trace');
      ({ app, runtime } = logged);
      await app.ready();
    });
    after(() => logged.close());

    it('log lines carry request ids but never a full API key', async () => {
      const tenant = await createTenant({ runtime, clock: runtime.ctx.clock });
      const ids: string[] = [];
      const keys = [tenant.live.read, tenant.live.admin, tenant.test.read_write];
      const record = (res: Answer) => {
        ids.push(String(res.headers['x-request-id']));
        return res;
      };

      for (const key of keys)
        assert.equal(record(await call(app, 'GET', '/api/v1/brands', { key })).status, 200);
      const created = record(
        await call(app, 'POST', '/api/v1/api-keys', {
          key: tenant.live.admin,
          body: { scope: 'read', name: 'Logs' },
        }),
      );
      assert.equal(created.status, 201);
      const newKey: string = created.body.data.key;
      assert.match(newKey, /^sk_prod_[A-Za-z0-9]{32,}$/);
      assert.equal(record(await call(app, 'GET', '/api/v1/organization', { key: newKey })).status, 200);
      const rotated = record(
        await call(app, 'POST', `/api/v1/api-keys/${created.body.data.id}/rotate`, {
          key: tenant.live.admin,
          body: { gracePeriodSeconds: 0 },
        }),
      );
      assert.equal(rotated.status, 201);
      const rotatedKey: string = rotated.body.data.key;
      // Refused keys and a key pasted into the URL are not logged either.
      assert.equal(record(await call(app, 'GET', '/api/v1/brands', { key: newKey })).status, 401);
      const tampered = `${tenant.live.read.slice(0, -1)}${tenant.live.read.endsWith('A') ? 'B' : 'A'}`;
      assert.equal(record(await call(app, 'GET', '/api/v1/brands', { key: tampered })).status, 401);
      const inUrl = record(
        await call(app, 'GET', `/api/v1/brands?api_key=${tenant.live.admin}`, { key: tenant.live.read }),
      );
      assert.equal(inUrl.status, 400);
      const inPath = record(
        await call(app, 'GET', `/api/v1/api-keys/${tenant.live.read}`, { key: tenant.live.admin }),
      );
      assert.equal(inPath.status, 404);

      const log = logged.log.join('');
      const lines = log
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { requestId?: string; msg: string; url?: string });
      for (const id of ids) {
        assert.ok(
          lines.some((line) => line.requestId === id && line.msg === 'request completed'),
          `no log line for ${id}`,
        );
      }
      for (const secret of [
        ...keys,
        tenant.live.read_write,
        tenant.test.admin,
        newKey,
        rotatedKey,
        tampered,
      ]) {
        assert.ok(!log.includes(secret), `the log shows the key ${secret.slice(0, 12)}…`);
        assert.ok(!log.includes(secret.slice(8)), 'the log shows the secret part of a key');
      }
      assert.ok(lines.some((line) => line.url === '/api/v1/brands?api_key=sk_prod_[redacted]'));
    });
  });
}
