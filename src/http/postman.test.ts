/* eslint-disable @typescript-eslint/no-explicit-any -- the documents are JSON of any shape */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import newman, { type NewmanRunSummary } from 'newman';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Tenant,
  type TestApp,
} from '../../test/helpers/app.js';
import { upload } from '../../test/helpers/media.js';
import { signUpMember } from '../../test/helpers/people.js';
import { makeImage } from '../../test/fixtures/media.js';
import { POSTMAN_SCHEMA, STATUS_TEST } from './postman.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function operationsOf(doc: any): { method: string; path: string; op: any }[] {
  return Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ method, path, op })),
  );
}

const itemsOf = (collection: any): any[] => collection.item.flatMap((folder: any) => folder.item);

/** Replaces `{{name}}` by the collection variable's value, as Postman does before sending. */
function substitute(text: string, variables: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (m, name: string) => variables[name] ?? m);
}

/** Runs newman over a collection in memory; resolves with its summary. */
function runNewman(collection: object, envVar: { key: string; value: string }[]): Promise<NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    newman.run({ collection, envVar, timeoutRequest: 15_000 }, (error, summary) =>
      error ? reject(error) : resolve(summary),
    );
  });
}

for (const dialect of dialects) {
  describe(`GET /postman.json (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let doc: any;
    let collection: any;
    let operations: ReturnType<typeof operationsOf>;

    before(async () => {
      // Webhook endpoints on loopback pass the SSRF guard only when private URLs are allowed.
      t = await createTestApp(dialect, { env: { AUDENCI_ALLOW_PRIVATE_URLS: 'true' } });
      tenant = await createTenant(t);
      doc = (await call(t.app, 'GET', '/openapi.json')).body;
      operations = operationsOf(doc);
      const res = await call(t.app, 'GET', '/postman.json');
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      collection = res.body;
    });
    after(() => t.close());

    it('is a Postman v2.1 collection with every OpenAPI operation once, in the folder of its first tag', () => {
      assert.equal(collection.info.schema, POSTMAN_SCHEMA);
      assert.equal(collection.info.name, doc.info.title);
      assert.equal(collection.info.version, doc.info.version);
      const items = itemsOf(collection);
      assert.equal(items.length, operations.length);
      assert.ok(operations.length > 70);
      const seen = new Map(items.map((item: any) => [item.id, item]));
      assert.equal(seen.size, items.length, 'no operation twice');
      for (const { method, path, op } of operations) {
        const item: any = seen.get(op.operationId);
        assert.ok(item, `${op.operationId} is in the collection`);
        assert.equal(item.name, op.summary);
        assert.equal(item.request.method, method.toUpperCase());
        const folder = collection.item.find((f: any) => f.item.includes(item));
        assert.equal(folder.name, op.tags[0], `${op.operationId} is in its tag's folder`);
        const url = item.request.url;
        assert.deepEqual(url.host, ['{{baseUrl}}']);
        assert.equal(`/${url.path.join('/')}`, path.replace(/\{(\w+)\}/g, ':$1'));
        assert.ok(url.raw.startsWith(`{{baseUrl}}/${url.path.join('/')}`), url.raw);
        assert.ok(Array.isArray(item.response));
      }
      // Folders follow the document's tag order and none is empty.
      const tagOrder = doc.tags.map((tag: any) => tag.name);
      const folderNames = collection.item.map((f: any) => f.name);
      assert.deepEqual(
        folderNames,
        tagOrder.filter((n: string) => folderNames.includes(n)),
      );
      assert.ok(collection.item.every((f: any) => f.item.length > 0));
    });

    it('matches the response schema the OpenAPI document gives it', () => {
      const ajv = new Ajv2020.default({ strict: false, allErrors: true });
      addFormats.default(ajv);
      ajv.addSchema({ ...doc, $id: 'openapi.json' });
      const pointer = '/paths/~1postman.json/get/responses/200/content/application~1json/schema';
      const validate = ajv.compile({ $ref: `openapi.json#${pointer}` });
      assert.ok(validate(collection), JSON.stringify(validate.errors));
      const op = doc.paths['/postman.json'].get;
      assert.deepEqual(op.security, [], 'unauthenticated, like /openapi.json');
      assert.deepEqual(op.tags, ['Operations']);
    });

    it('authenticates with {{apiKey}} as a bearer token, except operations that declare security: []', async () => {
      assert.deepEqual(collection.auth, {
        type: 'bearer',
        bearer: [{ key: 'token', value: '{{apiKey}}', type: 'string' }],
      });
      const variables = Object.fromEntries(collection.variable.map((v: any) => [v.key, v.value]));
      assert.equal(variables.baseUrl, 'http://audenci.test', "the server's own public URL");
      assert.equal(variables.apiKey, '');
      const items = new Map(itemsOf(collection).map((item: any) => [item.id, item]));
      const open = operations.filter(({ op }) => op.security.length === 0).map(({ op }) => op.operationId);
      assert.ok(open.includes('getOpenApiDocument') && open.includes('getPostmanCollection'));
      for (const { op } of operations) {
        const auth = (items.get(op.operationId) as any).request.auth;
        assert.deepEqual(auth, op.security.length === 0 ? { type: 'noauth' } : undefined, op.operationId);
      }
      // The collection is built once and then served as is.
      const again = await call(t.app, 'GET', '/postman.json');
      assert.equal(again.raw, JSON.stringify(collection));
    });

    it('takes path ids from variables defaulting to examples, and lists query parameters disabled with their descriptions', () => {
      const variables = Object.fromEntries(collection.variable.map((v: any) => [v.key, v.value]));
      assert.match(variables.postId, /^post_/);
      assert.match(variables.socialAccountId, /^acct_/);
      assert.match(variables.deliveryId, /^\w+_/);
      const get = (id: string) => itemsOf(collection).find((item: any) => item.id === id);
      const delivery = get('getWebhookDelivery').request.url;
      assert.equal(delivery.raw, '{{baseUrl}}/api/v1/webhooks/:id/deliveries/:deliveryId');
      assert.deepEqual(
        delivery.variable.map((v: any) => [v.key, v.value]),
        [
          ['id', '{{webhookId}}'],
          ['deliveryId', '{{deliveryId}}'],
        ],
      );
      const list = get('listPosts').request.url;
      const params = doc.paths['/api/v1/posts'].get.parameters.filter((p: any) => p.in === 'query');
      assert.deepEqual(
        list.query.map((q: any) => q.key),
        params.map((p: any) => p.name),
      );
      for (const q of list.query) {
        assert.equal(q.disabled, true, q.key);
        assert.equal(q.description, params.find((p: any) => p.name === q.key).description);
      }
      assert.equal(list.query.find((q: any) => q.key === 'limit').value, '20');
      assert.equal(list.query.find((q: any) => q.key === 'status').value, 'DRAFT');
      assert.equal(list.query.find((q: any) => q.key === 'brandId').value, '{{brandId}}');
      for (const item of itemsOf(collection)) {
        const names = (item.request.url.raw.match(/:(\w+)/g) ?? []).map((m: string) => m.slice(1));
        assert.deepEqual(
          (item.request.url.variable ?? []).map((v: any) => v.key),
          names,
          `${item.id}: every path segment has a variable`,
        );
        for (const v of item.request.url.variable ?? []) {
          const name = v.value.replace(/[{}]/g, '');
          assert.ok(name in variables, `${item.id}: ${v.value} is a collection variable`);
        }
      }
    });

    it('gives every JSON body an example that satisfies the request schema, once variables are filled', () => {
      const ajv = new Ajv2020.default({ strict: false, allErrors: true });
      addFormats.default(ajv);
      ajv.addSchema({ ...doc, $id: 'openapi.json' });
      const variables = Object.fromEntries(collection.variable.map((v: any) => [v.key, v.value]));
      const items = new Map(itemsOf(collection).map((item: any) => [item.id, item]));
      let bodies = 0;
      for (const { path, method, op } of operations) {
        const item: any = items.get(op.operationId);
        const json = op.requestBody?.content?.['application/json'];
        if (!json) {
          assert.equal(item.request.body, undefined, op.operationId);
          continue;
        }
        bodies++;
        assert.equal(item.request.body.mode, 'raw');
        assert.deepEqual(item.request.body.options, { raw: { language: 'json' } });
        assert.ok(
          item.request.header.some((h: any) => h.key === 'Content-Type' && h.value === 'application/json'),
        );
        const body = JSON.parse(substitute(item.request.body.raw, variables));
        const escaped = path.replace(/~/g, '~0').replace(/\//g, '~1');
        const pointer = `/paths/${escaped}/${method}/requestBody/content/application~1json/schema`;
        const validate = ajv.compile({ $ref: `openapi.json#${pointer}` });
        assert.ok(validate(body), `${op.operationId}: ${JSON.stringify(validate.errors)}`);
      }
      assert.ok(bodies > 20, `${bodies} bodies`);
    });

    it('newman runs every read-only request against a live server with no failure', async () => {
      const admin = tenant.test.admin;
      const post = async (url: string, body: unknown, status = 201) => {
        const res = await call(t.app, 'POST', url, { key: admin, body });
        assert.equal(res.status, status, `${url}: ${res.raw}`);
        return res.body.data;
      };
      const brand = await post('/api/v1/brands', { name: 'Newman Coffee' });
      const campaign = await post('/api/v1/campaigns', {
        brandId: brand.id,
        name: 'Launch',
        startDate: '2030-01-01',
        endDate: '2030-01-31',
      });
      const account = await post('/api/v1/social-accounts', {
        brandId: brand.id,
        platform: 'twitter',
        name: 'Sandbox',
      });
      const created = await post('/api/v1/posts', {
        brandId: brand.id,
        platform: 'twitter',
        caption: 'Hello from newman',
        campaignId: campaign.id,
      });
      const plan = await post('/api/v1/plans', {
        name: 'Plan',
        brandId: brand.id,
        startDate: '2030-02-01',
        endDate: '2030-02-15',
        platforms: ['twitter'],
        postsPerWeek: 2,
      });
      const webhook = await post('/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['*'] });
      const delivery = await post(`/api/v1/webhooks/${webhook.id}/test`, undefined, 202);
      const job = await post(
        '/api/v1/jobs',
        {
          type: 'posts.import',
          payload: { brandId: brand.id, posts: [{ platform: 'twitter', caption: 'x' }] },
        },
        202,
      );
      const image = await upload(t.app, admin, {
        data: await makeImage('png', 8, 8),
        contentType: 'image/png',
      });
      assert.equal(image.status, 201, image.raw);
      const event = (await call(t.app, 'GET', '/api/v1/events', { key: admin })).body.data[0];
      const apiKey = (await call(t.app, 'GET', '/api/v1/api-keys', { key: admin })).body.data[0];
      await signUpMember(t, tenant.org.id, 'viewer', 'newman@example.com');
      const member = (await call(t.app, 'GET', '/api/v1/members', { key: admin })).body.data[0];

      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.app.server.address() as AddressInfo;
      const values: Record<string, string> = {
        baseUrl: `http://127.0.0.1:${port}`,
        apiKey: admin,
        brandId: brand.id,
        campaignId: campaign.id,
        socialAccountId: account.id,
        postId: created.id,
        planId: plan.id,
        webhookId: webhook.id,
        deliveryId: delivery.id,
        jobId: job.id,
        mediaId: image.body.data.id,
        eventId: event.id,
        apiKeyId: apiKey.id,
        memberId: member.id,
        platform: 'twitter',
      };

      // GETs that answer JSON or text: not file downloads (media, a job's CSV), not the OAuth callback (a
      // browser redirect), and not what needs a session.
      const byId = new Map(operations.map((o) => [o.op.operationId, o]));
      const readable = (id: string) => {
        const content: Record<string, any> = byId.get(id)!.op.responses['200']?.content ?? {};
        return Object.entries(content).every(
          ([type, media]) => /^(application\/json|text\/)/.test(type) && media.schema?.format !== 'binary',
        );
      };
      const selected = structuredClone(collection);
      for (const folder of selected.item) {
        folder.item = folder.item.filter(
          (item: any) =>
            item.request.method === 'GET' &&
            readable(item.id) &&
            item.id !== 'socialAccountCallback' &&
            // A key is refused by the operations about the signed-in person (`/me`).
            !byId.get(item.id)!.op['x-session-only'],
        );
      }
      selected.item = selected.item.filter((folder: any) => folder.item.length > 0);
      const count = itemsOf(selected).length;
      assert.ok(count > 20, `${count} requests`);
      for (const item of itemsOf(selected)) {
        assert.deepEqual(item.event, [
          { listen: 'test', script: { type: 'text/javascript', exec: [STATUS_TEST] } },
        ]);
      }

      const summary = await runNewman(
        selected,
        Object.entries(values).map(([key, value]) => ({ key, value })),
      );
      const report = summary.run.executions.map(
        (e) =>
          `${e.response?.code ?? e.requestError?.message} ${e.request.method} ${e.request.url.toString()}`,
      );
      assert.deepEqual(
        summary.run.failures.map((f) => `${f.source?.name}: ${f.error.message}`),
        [],
        report.join('\n'),
      );
      assert.equal(summary.run.stats.requests.total, count);
      assert.equal(summary.run.stats.requests.failed, 0);
      assert.equal(summary.run.stats.assertions.total, count, 'one status assertion per request');
      assert.equal(summary.run.stats.assertions.failed, 0);
      // The variables reached the server: real ids, the key, and the live port.
      assert.ok(
        report.includes(`200 GET http://127.0.0.1:${port}/api/v1/posts/${created.id}`),
        report.join('\n'),
      );
      assert.ok(
        report.every((line) => /^2\d\d /.test(line)),
        report.join('\n'),
      );
    });
  });
}
