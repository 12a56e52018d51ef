/* eslint-disable @typescript-eslint/no-explicit-any -- the documents are JSON of any shape */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { call, createTestApp, dialects, type TestApp } from '../../test/helpers/app.js';
import { POSTMAN_SCHEMA } from './postman.js';
import { CLEANUP_FOLDER, FOLDER_ORDER, OPERATION_RULES } from './postman.scripts.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** The operations the collection holds: all but those a rule leaves out (an endless event stream). */
function operationsOf(doc: any): { method: string; path: string; op: any }[] {
  return Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ method, path, op }))
      .filter(({ op }) => !OPERATION_RULES[op.operationId]?.exclude),
  );
}

const itemsOf = (collection: any): any[] => collection.item.flatMap((folder: any) => folder.item);

/** Replaces `{{name}}` by the collection variable's value (nested ones too), as Postman does. */
function substitute(text: string, variables: Record<string, string>): string {
  for (let i = 0; i < 5 && /\{\{\w+\}\}/.test(text); i++) {
    text = text.replace(/\{\{(\w+)\}\}/g, (m, name: string) => variables[name] ?? m);
  }
  return text;
}

const testLines = (item: any): string[] =>
  item.event.find((e: any) => e.listen === 'test')?.script.exec ?? [];

for (const dialect of dialects) {
  describe(`GET /postman.json (${dialect})`, () => {
    let t: TestApp;
    let doc: any;
    let collection: any;
    let operations: ReturnType<typeof operationsOf>;

    before(async () => {
      // Webhook endpoints on loopback pass the SSRF guard only when private URLs are allowed.
      t = await createTestApp(dialect);
      doc = (await call(t.app, 'GET', '/openapi.json')).body;
      operations = operationsOf(doc);
      const res = await call(t.app, 'GET', '/postman.json');
      assert.equal(res.status, 200, res.raw);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      collection = res.body;
    });
    after(() => t.close());

    it('is a Postman v2.1 collection with every OpenAPI operation once, in the folder of its first tag or the deletes', () => {
      assert.equal(collection.info.schema, POSTMAN_SCHEMA);
      assert.equal(collection.info.name, doc.info.title);
      assert.equal(collection.info.version, doc.info.version);
      const items = itemsOf(collection);
      assert.equal(items.length, operations.length);
      // The one left out, with its reason, is the event stream.
      const excluded = Object.entries(OPERATION_RULES).filter(([, rule]) => rule.exclude);
      assert.deepEqual(
        excluded.map(([id]) => id),
        ['streamEvents'],
      );
      assert.ok(!items.some((item: any) => item.id === 'streamEvents'));
      assert.ok(operations.length > 70);
      const seen = new Map(items.map((item: any) => [item.id, item]));
      assert.equal(seen.size, items.length, 'no operation twice');
      for (const { method, path, op } of operations) {
        const item: any = seen.get(op.operationId);
        assert.ok(item, `${op.operationId} is in the collection`);
        assert.equal(item.name, op.summary);
        assert.equal(item.request.method, method.toUpperCase());
        const folder = collection.item.find((f: any) => f.item.includes(item));
        const deletes = method === 'delete' && !op['x-session-only'];
        assert.equal(folder.name, deletes ? CLEANUP_FOLDER : op.tags[0], `${op.operationId}'s folder`);
        const url = item.request.url;
        assert.deepEqual(url.host, ['{{baseUrl}}']);
        assert.equal(`/${url.path.join('/')}`, path.replace(/\{(\w+)\}/g, ':$1'));
        assert.ok(url.raw.startsWith(`{{baseUrl}}/${url.path.join('/')}`), url.raw);
        assert.ok(Array.isArray(item.response));
      }
      // Folders in dependency order (tags not in the table after, in the document's order), the deletes
      // last; none is empty.
      const rank = (name: string) => (FOLDER_ORDER.includes(name) ? FOLDER_ORDER.indexOf(name) : 99);
      const tagOrder = doc.tags.map((tag: any) => tag.name).sort((a: string, b: string) => rank(a) - rank(b));
      const folderNames = collection.item.map((f: any) => f.name);
      assert.deepEqual(folderNames, [
        ...tagOrder.filter((n: string) => folderNames.includes(n)),
        CLEANUP_FOLDER,
      ]);
      const at = (name: string) => folderNames.indexOf(name);
      assert.ok(at('Brands') < at('Social accounts') && at('Social accounts') < at('Posts'));
      assert.ok(at('Posts') < at('Comments') && at('Posts') < at('Analytics'));
      assert.ok(collection.item.every((f: any) => f.item.length > 0));
      // Deletes in the reverse order of the folders that made what they delete: posts before brands.
      const cleanup = collection.item.at(-1).item.map((item: any) => item.id);
      assert.ok(cleanup.indexOf('deletePost') < cleanup.indexOf('deleteSocialAccount'));
      assert.ok(cleanup.indexOf('deleteSocialAccount') < cleanup.indexOf('deleteBrand'));
      assert.equal(cleanup.at(-1), 'deleteBrand');
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

    it('tests every request: its status and body, and saves the ids that later requests use', () => {
      const items = new Map(itemsOf(collection).map((item: any) => [item.id, item]));
      for (const { op } of operations) {
        const lines = testLines(items.get(op.operationId));
        assert.ok(
          lines.some((l) => l.includes('pm.response.to.have.status(')),
          op.operationId,
        );
      }
      const status = (id: string) =>
        Number(/to\.have\.status\((\d+)\)/.exec(testLines(items.get(id)).join('\n'))![1]);
      assert.equal(status('createPost'), 201);
      assert.equal(status('publishPost'), 202);
      assert.equal(status('createJob'), 202);
      assert.equal(status('revokeInvitation'), 204);
      assert.equal(status('getPost'), 200);
      assert.equal(status('getMe'), 403, 'an API key is refused where a session is needed');
      assert.ok(testLines(items.get('listPosts')).some((l) => l.includes("to.be.an('array')")));
      assert.ok(testLines(items.get('getPost')).some((l) => l.includes('json.data.id')));
      // Creates save their id; lists of what no request creates save their first item's.
      const saves = (id: string, name: string) =>
        testLines(items.get(id)).some((l) => l.includes(`pm.collectionVariables.set('${name}'`));
      assert.ok(saves('createBrand', 'brandId'));
      assert.ok(saves('createPost', 'postId'));
      assert.ok(saves('createWebhook', 'webhookId'));
      assert.ok(saves('listEvents', 'eventId'));
      assert.ok(saves('listWebhookDeliveries', 'deliveryId'));
      assert.ok(!saves('listPosts', 'postId'), 'a list of what the run creates saves nothing');
      // Within a folder, what saves an id runs before what uses it.
      const members = collection.item.find((f: any) => f.name === 'Members').item.map((i: any) => i.id);
      assert.ok(members.indexOf('listMembers') < members.indexOf('resetMemberPassword'));
      const jobs = collection.item.find((f: any) => f.name === 'Jobs').item.map((i: any) => i.id);
      assert.deepEqual(jobs.slice(-2), ['getJobResult', 'cancelJob']);
    });

    it('dates in bodies are relative to now, set before each request; URLs are variables', () => {
      const variables = Object.fromEntries(collection.variable.map((v: any) => [v.key, v.value]));
      const post = itemsOf(collection).find((item: any) => item.id === 'createPost');
      assert.equal(JSON.parse(post.request.body.raw).scheduledFor, '{{inOneHour}}');
      const campaign = itemsOf(collection).find((item: any) => item.id === 'createCampaign');
      const body = JSON.parse(campaign.request.body.raw);
      assert.deepEqual([body.startDate, body.endDate], ['{{dateInOneWeek}}', '{{dateInThreeWeeks}}']);
      assert.ok(Date.parse(variables.inOneHour) > Date.now(), variables.inOneHour);
      const [prerequest] = collection.event;
      assert.equal(prerequest.listen, 'prerequest');
      const script = prerequest.script.exec.join('\n');
      for (const name of ['inOneHour', 'inTwoWeeks', 'dateInOneWeek', 'dateInThreeWeeks']) {
        assert.ok(script.includes(`pm.variables.set('${name}'`), name);
      }
      // URLs the server calls are variables, defaulting to local servers (the README's receiver).
      assert.equal(variables.webhookUrl, 'http://127.0.0.1:4242/webhooks');
      assert.match(variables.mediaUrl, /^http:\/\/127\.0\.0\.1:\d+\//);
      const webhook = itemsOf(collection).find((item: any) => item.id === 'createWebhook');
      assert.equal(JSON.parse(webhook.request.body.raw).url, '{{webhookUrl}}');
      const media = itemsOf(collection).find((item: any) => item.id === 'createMedia');
      assert.equal(JSON.parse(media.request.body.raw).url, '{{mediaUrl}}');
      // No literal date is left in any body.
      for (const item of itemsOf(collection)) {
        assert.doesNotMatch(item.request.body?.raw ?? '', /"\d{4}-\d{2}-\d{2}/, item.id);
      }
    });
  });
}
