/* eslint-disable @typescript-eslint/no-explicit-any -- the OpenAPI document is JSON of any shape */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Answer,
  type Tenant,
  type TestApp,
} from '../../test/helpers/app.js';
import { EVENT_TYPES } from '../modules/events/index.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const ENVELOPE_REF = '#/components/schemas/ErrorEnvelope';
const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

interface Operation {
  method: string;
  path: string;
  op: any;
}

function operationsOf(doc: any): Operation[] {
  return Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ method, path, op })),
  );
}

/** Validates JSON against a schema inside the document (by JSON pointer), `$ref`s and all. */
function documentValidator(doc: any) {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ ...doc, $id: 'openapi.json' });
  return (pointer: string, value: unknown): string[] => {
    const validate = ajv.compile({ $ref: `openapi.json#${pointer}` });
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const responsePointer = (path: string, method: string, status: string) =>
  `/paths/${escape(path)}/${method}/responses/${status}/content/${escape('application/json')}/schema`;

for (const dialect of dialects) {
  describe(`OpenAPI document (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let doc: any;
    let api: Operation[];
    before(async () => {
      t = await createTestApp(dialect);
      tenant = await createTenant(t);
      const res = await call(t.app, 'GET', '/openapi.json');
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      doc = res.body;
      api = operationsOf(doc).filter(({ path }) => path.startsWith('/api/v1/'));
      // The OAuth callback is the one public operation under /api: the platform redirects a browser to it.
      api = api.filter(({ op }) => op['x-required-scope'] !== 'public');
    });
    after(() => t.close());

    it('is a valid OpenAPI 3.1 document', async () => {
      assert.match(doc.openapi, /^3\.1\.\d+$/);
      await SwaggerParser.validate(structuredClone(doc));
      // The validator is not a formality: a broken copy is refused.
      const broken = structuredClone(doc);
      broken.paths['/api/v1/brands'].get.responses['200'].content['application/json'].schema = {
        $ref: '#/components/schemas/Nothing',
      };
      await assert.rejects(SwaggerParser.validate(broken));
    });

    it('declares the bearer security scheme that operations use', () => {
      assert.deepEqual(
        {
          type: doc.components.securitySchemes.bearerAuth.type,
          scheme: doc.components.securitySchemes.bearerAuth.scheme,
        },
        { type: 'http', scheme: 'bearer' },
      );
      assert.equal(doc.security, undefined, 'security is stated per operation');
    });

    it('lists the API under /api/v1, with operations for brands and API keys', () => {
      const ids = api.map(({ op }) => op.operationId);
      for (const id of ['getOrganization', 'listBrands', 'createBrand', 'createApiKey', 'rotateApiKey']) {
        assert.ok(ids.includes(id), `${id} is missing`);
      }
      const aliases = Object.keys(doc.paths).filter(
        (p) => p.startsWith('/api/') && !p.startsWith('/api/v1/'),
      );
      assert.deepEqual(aliases, []);
    });

    it('every operation has a unique operationId, a summary and declared tags', () => {
      const declared = new Set((doc.tags as { name: string }[]).map((tag) => tag.name));
      const seen = new Set<string>();
      for (const { method, path, op } of operationsOf(doc)) {
        const what = `${method} ${path}`;
        assert.match(op.operationId ?? '', /^[a-z][A-Za-z0-9]+$/, `${what}: operationId`);
        assert.ok(!seen.has(op.operationId), `${what}: operationId ${op.operationId} is used twice`);
        seen.add(op.operationId);
        assert.ok(typeof op.summary === 'string' && op.summary.length > 0, `${what}: summary`);
        assert.ok(Array.isArray(op.tags) && op.tags.length > 0, `${what}: tags`);
        for (const tag of op.tags) assert.ok(declared.has(tag), `${what}: tag ${tag} is not declared`);
      }
    });

    it('every /api/v1 operation requires the bearer key and names its scope', () => {
      for (const { method, path, op } of api) {
        const what = `${method} ${path}`;
        assert.deepEqual(op.security, [{ bearerAuth: [] }], `${what}: security`);
        assert.ok(['read', 'read_write', 'admin'].includes(op['x-required-scope']), `${what}: scope`);
        assert.match(op.description ?? '', new RegExp(`Requires scope \`${op['x-required-scope']}\``));
      }
    });

    it('every /api/v1 operation documents a JSON 2xx with request-id and rate-limit headers', () => {
      for (const { method, path, op } of api) {
        const what = `${method} ${path}`;
        // 206 (a byte range) accompanies the 200 of a download.
        const success = Object.keys(op.responses).filter(
          (status) => /^2\d\d$/.test(status) && status !== '206',
        );
        assert.equal(success.length, 1, `${what}: one 2xx response`);
        const response = op.responses[success[0]!];
        assert.ok(response.description && response.description !== '', `${what}: description`);
        const schema = response.content?.['application/json']?.schema;
        // A file download (a job's result) answers its own media type, as a binary string.
        const download = Object.values(response.content ?? {}).some(
          (media: any) => media.schema?.type === 'string' && media.schema?.format === 'binary',
        );
        assert.ok(download || (schema && (schema.type === 'object' || schema.$ref)), `${what}: JSON schema`);
        for (const header of ['X-Request-Id', ...RATE_LIMIT_HEADERS]) {
          assert.deepEqual(
            response.headers?.[header],
            { $ref: `#/components/headers/${header}` },
            `${what}: ${header}`,
          );
          assert.ok(doc.components.headers[header], `${header} is declared`);
        }
        if (method === 'get') {
          assert.deepEqual(response.headers.ETag, { $ref: '#/components/headers/ETag' }, `${what}: ETag`);
          assert.ok(op.responses['304'], `${what}: 304`);
        }
      }
    });

    it("a response schema's description becomes the response's description", () => {
      assert.equal(doc.paths['/api/v1/brands'].get.responses['200'].description, 'A page of brands');
      assert.equal(doc.paths['/api/v1/brands'].post.responses['201'].description, 'The brand, created');
      assert.equal(doc.paths['/healthz'].get.responses['200'].description, 'The process is up');
      assert.equal(doc.paths['/readyz'].get.responses['200'].description, 'Ready to serve requests');
    });

    it('every /api/v1 operation documents its error responses with the error envelope', () => {
      for (const { method, path, op } of api) {
        const what = `${method} ${path}`;
        const expected = ['401', '403', '429', '500'];
        if ((op.parameters ?? []).length > 0 || op.requestBody) expected.push('400');
        if ((op.parameters ?? []).some((p: any) => p.in === 'path')) expected.push('404');
        if (op.requestBody) expected.push('413', '415');
        for (const status of expected) {
          const response = op.responses[status];
          assert.ok(response, `${what}: ${status} is missing`);
          assert.ok(response.description, `${what}: ${status} description`);
          assert.deepEqual(
            response.content,
            { 'application/json': { schema: { $ref: ENVELOPE_REF } } },
            `${what}: ${status} body`,
          );
          assert.deepEqual(response.headers['X-Request-Id'], { $ref: '#/components/headers/X-Request-Id' });
        }
        assert.ok(op.responses['401'].headers['WWW-Authenticate'], `${what}: 401 WWW-Authenticate`);
        assert.ok(op.responses['429'].headers['Retry-After'], `${what}: 429 Retry-After`);
      }
      assert.equal(doc.components.schemas.ErrorEnvelope.required[0], 'error');
    });

    it('request bodies are JSON, and their examples satisfy their schema', () => {
      const check = documentValidator(doc);
      let examples = 0;
      for (const { method, path, op } of api) {
        if (!op.requestBody) continue;
        const media = op.requestBody.content['application/json'];
        assert.ok(media?.schema, `${method} ${path}: JSON body schema`);
        if (media.example === undefined) continue;
        examples++;
        const pointer = `/paths/${escape(path)}/${method}/requestBody/content/${escape('application/json')}/schema`;
        assert.deepEqual(check(pointer, media.example), [], `${method} ${path}: example`);
      }
      assert.ok(examples >= 2);
    });

    it('real answers match their documented schema', async () => {
      const check = documentValidator(doc);
      const admin = tenant.live.admin;
      const brand = await call(t.app, 'POST', '/api/v1/brands', { key: admin, body: { name: 'Doc Coffee' } });
      const key = await call(t.app, 'POST', '/api/v1/api-keys', {
        key: admin,
        body: { scope: 'read', name: 'Docs' },
      });
      const cases: [string, string, string, Answer][] = [
        ['/api/v1/brands', 'post', '201', brand],
        ['/api/v1/api-keys', 'post', '201', key],
        [
          '/api/v1/organization',
          'get',
          '200',
          await call(t.app, 'GET', '/api/v1/organization', { key: admin }),
        ],
        ['/api/v1/brands', 'get', '200', await call(t.app, 'GET', '/api/v1/brands', { key: admin })],
        [
          '/api/v1/brands/{id}',
          'get',
          '200',
          await call(t.app, 'GET', `/api/v1/brands/${brand.body.data.id}`, { key: admin }),
        ],
        ['/api/v1/api-keys', 'get', '200', await call(t.app, 'GET', '/api/v1/api-keys', { key: admin })],
        [
          '/api/v1/brands',
          'get',
          '400',
          await call(t.app, 'GET', '/api/v1/brands', { key: admin, query: { limit: 0 } }),
        ],
        ['/api/v1/brands', 'get', '401', await call(t.app, 'GET', '/api/v1/brands')],
        [
          '/api/v1/brands',
          'post',
          '403',
          await call(t.app, 'POST', '/api/v1/brands', { key: tenant.live.read }),
        ],
        [
          '/api/v1/brands/{id}',
          'get',
          '404',
          await call(t.app, 'GET', '/api/v1/brands/brand_x', { key: admin }),
        ],
        ['/readyz', 'get', '200', await call(t.app, 'GET', '/readyz')],
        ['/healthz', 'get', '200', await call(t.app, 'GET', '/healthz')],
      ];
      for (const [path, method, status, res] of cases) {
        const what = `${method} ${path} ${status}`;
        assert.equal(String(res.status), status, what);
        assert.deepEqual(check(responsePointer(path, method, status), res.body), [], what);
      }
      // And the schemas are strict enough to notice a wrong answer.
      const extra = { ...brand.body, data: { ...brand.body.data, secret: 'x' } };
      assert.notDeepEqual(check(responsePointer('/api/v1/brands', 'post', '201'), extra), []);
    });

    it('the Event schema names every event type the log records, so a client can switch on it', async () => {
      assert.deepEqual(doc.components.schemas.Event.properties.type.enum, [...EVENT_TYPES]);
      const admin = tenant.live.admin;
      await call(t.app, 'POST', '/api/v1/brands', { key: admin, body: { name: 'Evented' } });
      const posted = await call(t.app, 'POST', '/api/v1/posts', {
        key: admin,
        body: {
          brandId: (await call(t.app, 'GET', '/api/v1/brands', { key: admin })).body.data[0].id,
          platform: 'twitter',
          caption: 'Hello',
        },
      });
      assert.equal(posted.status, 201);
      const events = await call(t.app, 'GET', '/api/v1/events', { key: admin });
      assert.equal(events.status, 200);
      assert.ok(events.body.data.some((e: { type: string }) => e.type === 'post.created'));
      const check = documentValidator(doc);
      assert.deepEqual(check(responsePointer('/api/v1/events', 'get', '200'), events.body), []);
      const unknown = { ...events.body, data: [{ ...events.body.data[0], type: 'post.exploded' }] };
      assert.notDeepEqual(check(responsePointer('/api/v1/events', 'get', '200'), unknown), []);
    });

    it('/docs serves the interactive reference, reading the same document', async () => {
      const page = await call(t.app, 'GET', '/docs');
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(page.raw, /<html/i);
      assert.match(page.raw, /swagger-ui/i);
      const json = await call(t.app, 'GET', '/docs/json');
      assert.equal(json.status, 200);
      assert.deepEqual(json.body, doc);
    });
  });
}
