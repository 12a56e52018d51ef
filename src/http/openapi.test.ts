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

/**
 * Every schema of the document that states no limit (the OWASP API ruleset's string, integer and array
 * limits, and numbers too): a string without `maxLength` (or `enum`/`const`), an integer without
 * `minimum`, `maximum` and format `int32`/`int64` (an int32 within 32 bits), a number without `minimum`
 * and `maximum`, an array without `maxItems`. Examples and defaults are data, not schemas.
 */
function unboundedSchemas(doc: any): string[] {
  const problems: string[] = [];
  const data = new Set(['example', 'examples', 'default', 'enum', 'const', 'x-examples']);
  // `names`: the node maps names to schemas (`properties`, `components.schemas`…), none of them data.
  const visit = (node: any, at: string, names = false): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((item, i) => visit(item, `${at}/${i}`));
    const types: unknown[] = Array.isArray(node.type) ? node.type : [node.type];
    const bounded = (...keys: string[]) => keys.every((k) => typeof node[k] === 'number');
    if (types.includes('string') && node.maxLength === undefined && !('enum' in node) && !('const' in node))
      problems.push(`${at}: string without maxLength, enum or const`);
    if (types.includes('integer')) {
      if (!bounded('minimum', 'maximum')) problems.push(`${at}: integer without minimum and maximum`);
      if (node.format !== 'int32' && node.format !== 'int64')
        problems.push(`${at}: integer without format int32 or int64`);
      if (node.format === 'int32' && !(node.minimum >= -(2 ** 31) && node.maximum <= 2 ** 31 - 1))
        problems.push(`${at}: int32 beyond 32 bits`);
    }
    if (types.includes('number') && !bounded('minimum', 'maximum'))
      problems.push(`${at}: number without minimum and maximum`);
    if (types.includes('array') && typeof node.maxItems !== 'number')
      problems.push(`${at}: array without maxItems`);
    for (const [key, value] of Object.entries(node)) {
      if (names || !data.has(key))
        visit(value, `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, key === 'properties');
    }
  };
  visit(doc.paths, '#/paths');
  visit(doc.components, '#/components');
  return problems;
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

    it('declares the bearer and session-cookie security schemes that operations use', () => {
      assert.deepEqual(
        {
          type: doc.components.securitySchemes.bearerAuth.type,
          scheme: doc.components.securitySchemes.bearerAuth.scheme,
        },
        { type: 'http', scheme: 'bearer' },
      );
      assert.deepEqual(
        {
          type: doc.components.securitySchemes.sessionCookie.type,
          in: doc.components.securitySchemes.sessionCookie.in,
          name: doc.components.securitySchemes.sessionCookie.name,
        },
        { type: 'apiKey', in: 'cookie', name: 'audenci_session' },
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
        assert.deepEqual(op.security, [{ bearerAuth: [] }, { sessionCookie: [] }], `${what}: security`);
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
        // The event stream answers server-sent events, a text without end.
        const stream = response.content?.['text/event-stream'] !== undefined;
        // 204 (a removal, a revocation) answers no body at all.
        if (success[0] === '204') assert.equal(response.content, undefined, `${what}: 204 without body`);
        else {
          assert.ok(
            download || stream || (schema && (schema.type === 'object' || schema.$ref)),
            `${what}: JSON schema`,
          );
        }
        for (const header of ['X-Request-Id', ...RATE_LIMIT_HEADERS]) {
          assert.deepEqual(
            response.headers?.[header],
            { $ref: `#/components/headers/${header}` },
            `${what}: ${header}`,
          );
          assert.ok(doc.components.headers[header], `${header} is declared`);
        }
        if (method === 'get' && !stream) {
          assert.deepEqual(response.headers.ETag, { $ref: '#/components/headers/ETag' }, `${what}: ETag`);
          assert.ok(op.responses['304'], `${what}: 304`);
        } else if (stream) {
          // An event stream never ends: no ETag, never a 304.
          assert.equal(response.headers.ETag, undefined, `${what}: no ETag`);
          assert.equal(op.responses['304'], undefined, `${what}: no 304`);
          assert.ok(
            !op.parameters.some((p: any) => p.$ref?.endsWith('/IfNoneMatch')),
            `${what}: no If-None-Match`,
          );
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
        const expected = ['401', '403', '429', '500', '503'];
        const own = (op.parameters ?? []).filter((p: any) => !p.$ref);
        if (own.length > 0 || op.requestBody) expected.push('400');
        if (own.some((p: any) => p.in === 'path')) expected.push('404');
        if (op.requestBody) expected.push('413', '415');
        if (method === 'post') expected.push('409', '422');
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

    it('declares the request headers the server reads, and names every request body', () => {
      const param = (name: string) => doc.components.parameters[name];
      assert.equal(param('IdempotencyKey').name, 'Idempotency-Key');
      assert.equal(param('IdempotencyKey').schema.maxLength, 255);
      assert.equal(param('IfNoneMatch').name, 'If-None-Match');
      assert.equal(param('RequestId').name, 'X-Request-Id');
      for (const { method, path, op } of operationsOf(doc)) {
        const what = `${method} ${path}`;
        const refs = (op.parameters ?? []).map((p: any) => p.$ref).filter(Boolean);
        assert.ok(refs.includes('#/components/parameters/RequestId'), `${what}: X-Request-Id`);
        const idempotent = method === 'post' && op['x-required-scope'] !== 'public';
        assert.equal(
          refs.includes('#/components/parameters/IdempotencyKey'),
          idempotent || op.operationId === 'updatePostsBatch',
          `${what}: Idempotency-Key`,
        );
        // An event stream never answers 304, so it takes no If-None-Match.
        const stream = op.responses['200']?.content?.['text/event-stream'] !== undefined;
        if (method === 'get')
          assert.equal(
            refs.includes('#/components/parameters/IfNoneMatch'),
            !stream,
            `${what}: If-None-Match`,
          );
        if (refs.includes('#/components/parameters/IdempotencyKey')) {
          assert.ok(op.responses['409'] && op.responses['422'], `${what}: 409 and 422`);
          assert.ok(op.responses['409'].headers['Retry-After'], `${what}: 409 Retry-After`);
        }
        assert.ok(op.responses['503']?.headers['Retry-After'], `${what}: 503 with Retry-After`);
        for (const [type, media] of Object.entries((op.requestBody?.content ?? {}) as Record<string, any>)) {
          assert.match(
            media.schema.$ref ?? '',
            /^#\/components\/schemas\/[A-Z]\w+$/,
            `${what} ${type}: named body`,
          );
        }
      }
      const schemas = doc.components.schemas;
      for (const name of [
        'PostCreate',
        'PostReplace',
        'PostUpdate',
        'BrandCreate',
        'WebhookUpdate',
        'JobCreate',
      ]) {
        assert.equal(schemas[name]?.type, 'object', `${name} is a named body`);
      }
      assert.equal(
        doc.paths['/api/v1/posts'].post.requestBody.content['application/json'].schema.$ref,
        '#/components/schemas/PostCreate',
      );
    });

    it('nullable enums admit null, and a delivery payload may be the test event', () => {
      const schemas = doc.components.schemas;
      assert.ok(schemas.WebhookEndpoint.properties.disabledReason.enum.includes(null));
      assert.deepEqual(schemas.WebhookEndpoint.properties.disabledReason.type, ['string', 'null']);
      assert.equal(schemas.WebhookDelivery.properties.payload.$ref, '#/components/schemas/WebhookEvent');
      assert.deepEqual(schemas.WebhookEvent.properties.type.enum, [...EVENT_TYPES, 'webhook.test']);
      // Every nullable enum of the document lists null.
      const walk = (node: any, at: string): void => {
        if (!node || typeof node !== 'object') return;
        if (Array.isArray(node.type) && node.type.includes('null') && Array.isArray(node.enum)) {
          assert.ok(node.enum.includes(null), `${at}: a nullable enum without null`);
        }
        for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
      };
      walk(doc, '#');
    });

    it('every string, integer, number and array of the document states its limits', () => {
      // The event stream's body has no length (it lasts until the client leaves): off in .spectral.yaml too.
      const endless = '#/paths/~1api~1v1~1events~1stream/get/responses/200/content/text~1event-stream/schema';
      const bounded = (d: any) => unboundedSchemas(d).filter((at) => !at.startsWith(`${endless}:`));
      assert.deepEqual(bounded(doc), []);
      // The check is not a formality: a string, an integer and an array stripped of their bounds are named.
      const broken = structuredClone(doc);
      delete broken.components.schemas.ErrorEnvelope.properties.error.properties.message.maxLength;
      delete broken.components.schemas.Pagination.properties.limit.format;
      delete broken.components.schemas.Pagination.properties.totalCount.maximum;
      broken.components.schemas.Pagination.properties.page.format = 'int32';
      const list = broken.paths['/api/v1/brands'].get.responses['200'].content['application/json'].schema;
      delete list.properties.data.maxItems;
      assert.deepEqual(bounded(broken), [
        '#/paths/~1api~1v1~1brands/get/responses/200/content/application~1json/schema/properties/data: array without maxItems',
        '#/components/schemas/ErrorEnvelope/properties/error/properties/message: string without maxLength, enum or const',
        '#/components/schemas/Pagination/properties/page: int32 beyond 32 bits',
        '#/components/schemas/Pagination/properties/limit: integer without format int32 or int64',
        '#/components/schemas/Pagination/properties/totalCount: integer without minimum and maximum',
      ]);
    });

    it('documents the 405 a served path answers for a method it does not serve', async () => {
      const res = await call(t.app, 'POST', '/api/v1/brands/brand_x', { key: tenant.live.admin });
      assert.equal(res.status, 405);
      const declared = doc.components.responses.MethodNotAllowed;
      const allow = String(res.headers.allow);
      assert.match(allow, new RegExp(declared.headers.Allow.schema.pattern));
      assert.equal(allow, 'GET, PUT, PATCH, DELETE, HEAD');
      const check = documentValidator(doc);
      assert.deepEqual(
        check('/components/responses/MethodNotAllowed/content/application~1json/schema', res.body),
        [],
      );
      assert.match(doc.info.description, /405 METHOD_NOT_ALLOWED/);
    });

    it('says which rate limit applies, and what a 401 tells of the failure budget', () => {
      for (const { method, path, op } of operationsOf(doc)) {
        const what = `${method} ${path}`;
        const probe = ['/healthz', '/readyz', '/metrics'].includes(path);
        const expected = probe ? undefined : op['x-required-scope'] === 'public' ? 'address' : 'organization';
        assert.equal(op['x-rate-limit'], expected, `${what}: x-rate-limit`);
        assert.equal(Boolean(op.responses['429']), !probe, `${what}: 429`);
        if (op.responses['401']) {
          assert.match(
            op.responses['401'].headers['X-RateLimit-Remaining'].description,
            /Failed authentications/,
          );
        }
      }
      const download = doc.paths['/api/v1/jobs/{id}/result'].get;
      assert.deepEqual(download.responses['200'].headers.ETag, { $ref: '#/components/headers/ETag' });
      assert.ok(download.responses['304']);
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

    it('/docs serves the interactive reference, reading the same document with a relative server first', async () => {
      const page = await call(t.app, 'GET', '/docs');
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(page.raw, /<html/i);
      assert.match(page.raw, /swagger-ui/i);
      const json = await call(t.app, 'GET', '/docs/json');
      assert.equal(json.status, 200);
      // Only `servers` differs: "Try it out" calls the address the page was opened from (openapi.docs.test.ts).
      assert.deepEqual(json.body.servers, [
        { url: '/', description: 'This server, at the address this page was opened from' },
        ...doc.servers,
      ]);
      assert.deepEqual({ ...json.body, servers: doc.servers }, doc);
    });
  });
}
