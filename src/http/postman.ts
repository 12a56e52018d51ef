import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Examples, isObject, singular } from './postman.examples.js';
import { MAX_URL_LENGTH } from './schemas.js';

/**
 * `GET /postman.json`: a Postman Collection v2.1 made from this server's own OpenAPI document, so it can
 * never drift from the API. One folder per tag, one request per operation; ids in paths are collection
 * variables (`{{postId}}`, …) defaulting to example values, so setting a variable once fills every request.
 */

export const POSTMAN_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
const DEFAULT_BASE_URL = 'http://localhost:3000';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** Shipped with every GET, so `newman run` over the collection doubles as a smoke test. */
export const STATUS_TEST =
  "pm.test('status is not an error', () => pm.expect(pm.response.code).to.be.below(400));";

type Json = Record<string, unknown>;

export interface PostmanVariable {
  key: string;
  value: string;
  description?: string;
  disabled?: boolean;
  type?: string;
}
export interface PostmanUrl {
  raw: string;
  host: string[];
  path: string[];
  query?: PostmanVariable[];
  variable?: PostmanVariable[];
}
export interface PostmanRequest {
  method: string;
  header: PostmanVariable[];
  url: PostmanUrl;
  description?: string;
  body?: { mode: 'raw'; raw: string; options: { raw: { language: 'json' } } };
  auth?: { type: 'noauth' };
}
export interface PostmanItem {
  id: string;
  name: string;
  request: PostmanRequest;
  response: unknown[];
  event?: { listen: 'test'; script: { type: 'text/javascript'; exec: string[] } }[];
}
export interface PostmanFolder {
  name: string;
  description?: string;
  item: PostmanItem[];
}
export interface PostmanCollection {
  info: { name: string; description: string; version: string; schema: string };
  auth: { type: 'bearer'; bearer: PostmanVariable[] };
  variable: PostmanVariable[];
  item: PostmanFolder[];
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** `/posts/{id}` → `postId`; named parameters (`{deliveryId}`, `{platform}`) keep their name. */
function variableName(path: string, param: string): string {
  if (param !== 'id') return param;
  const segments = path.split('/');
  const at = segments.indexOf('{id}');
  return `${camel(singular(segments[at - 1] ?? 'item'))}Id`;
}

interface Operation {
  path: string;
  method: (typeof METHODS)[number];
  op: Json;
}

function operationsOf(document: Json): Operation[] {
  const paths = isObject(document.paths) ? document.paths : {};
  return Object.entries(paths).flatMap(([path, item]) =>
    METHODS.filter((m) => isObject(item) && isObject(item[m])).map((method) => ({
      path,
      method,
      op: (item as Json)[method] as Json,
    })),
  );
}

const parametersOf = (op: Json): Json[] => (Array.isArray(op.parameters) ? op.parameters : []) as Json[];

/** Every `{{id}}` variable the path parameters use, with the documented example value as its default. */
function pathVariables(operations: Operation[], examples: Examples): Map<string, PostmanVariable> {
  const out = new Map<string, PostmanVariable>();
  for (const { path, op } of operations) {
    for (const p of parametersOf(op).filter((p) => p.in === 'path')) {
      const key = variableName(path, String(p.name));
      if (out.has(key)) continue;
      const value = p.example ?? examples.value(p.schema, String(p.name));
      out.set(key, { key, value: String(value), description: String(p.description ?? key) });
    }
  }
  return out;
}

function buildRequest(
  { path, method, op }: Operation,
  examples: Examples,
  variables: Map<string, PostmanVariable>,
): PostmanRequest {
  const params = parametersOf(op);
  const variable = params
    .filter((p) => p.in === 'path')
    .map((p) => {
      const name = String(p.name);
      const description = typeof p.description === 'string' ? { description: p.description } : {};
      return { key: name, value: `{{${variableName(path, name)}}}`, ...description };
    });
  const query = params
    .filter((p) => p.in === 'query')
    .map((p) => {
      const name = String(p.name);
      const value = variables.has(name) ? `{{${name}}}` : (p.example ?? examples.query(p.schema, name));
      const description = typeof p.description === 'string' ? { description: p.description } : {};
      return { key: name, value: String(value), ...description, disabled: p.required !== true };
    });
  const segments = path
    .replace(/\{([^}]+)\}/g, ':$1')
    .split('/')
    .filter(Boolean);
  const enabled = query.filter((q) => !q.disabled).map((q) => `${q.key}=${q.value}`);
  const raw = `{{baseUrl}}/${segments.join('/')}${enabled.length ? `?${enabled.join('&')}` : ''}`;
  const request: PostmanRequest = {
    method: method.toUpperCase(),
    header: [],
    url: { raw, host: ['{{baseUrl}}'], path: segments, query, variable },
  };
  const description = [op.description, op.deprecated ? '**Deprecated.**' : undefined].filter(Boolean);
  if (description.length > 0) request.description = description.join('\n\n');
  const content = isObject(op.requestBody) && isObject(op.requestBody.content) ? op.requestBody.content : {};
  const json = content['application/json'];
  if (isObject(json)) {
    const body = 'example' in json ? withVariables(json.example, variables) : examples.value(json.schema);
    request.header.push({ key: 'Content-Type', value: 'application/json' });
    request.body = {
      mode: 'raw',
      raw: JSON.stringify(body, null, 2),
      options: { raw: { language: 'json' } },
    };
  }
  if (method === 'post') {
    const description = 'Optional: a repeat with the same key and body within 24 h replays the first answer';
    request.header.push({ key: 'Idempotency-Key', value: '{{$guid}}', description, disabled: true });
  }
  if (Array.isArray(op.security) && op.security.length === 0) request.auth = { type: 'noauth' };
  return request;
}

/** Fields of a hand-written example named like a variable refer to it (`"brandId": "{{brandId}}"`). */
function withVariables(value: unknown, variables: Map<string, PostmanVariable>): unknown {
  if (Array.isArray(value)) return value.map((v) => withVariables(v, variables));
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      variables.has(k) && typeof v === 'string' ? `{{${k}}}` : withVariables(v, variables),
    ]),
  );
}

export interface PostmanOptions {
  /** Default of `{{baseUrl}}` when the document names no server. */
  baseUrl?: string;
  now?: Date;
}

/** The Postman Collection v2.1 of an OpenAPI 3.1 document. */
export function buildPostmanCollection(document: Json, options: PostmanOptions = {}): PostmanCollection {
  const info = isObject(document.info) ? document.info : {};
  const servers = Array.isArray(document.servers) ? (document.servers as Json[]) : [];
  const baseUrl = String(servers[0]?.url ?? options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/$/, '');
  const operations = operationsOf(document);
  const idNames = new Set<string>();
  const seed = new Examples(document, idNames, options.now ?? new Date());
  const variables = pathVariables(operations, seed);
  for (const key of variables.keys()) if (/Id$/.test(key)) idNames.add(key);

  const tags = (Array.isArray(document.tags) ? (document.tags as Json[]) : []).map((t) => ({
    name: String(t.name),
    description: typeof t.description === 'string' ? t.description : undefined,
  }));
  const folders = new Map<string, PostmanFolder>(tags.map((t) => [t.name, { ...t, item: [] }]));
  for (const operation of operations) {
    const { op, method, path } = operation;
    const tag = Array.isArray(op.tags) && op.tags.length > 0 ? String(op.tags[0]) : 'Other';
    if (!folders.has(tag)) folders.set(tag, { name: tag, item: [] });
    const id = String(op.operationId ?? `${method} ${path}`);
    const item: PostmanItem = {
      id,
      name: String(op.summary ?? id),
      request: buildRequest(operation, seed, variables),
      response: [],
    };
    if (method === 'get') {
      item.event = [{ listen: 'test', script: { type: 'text/javascript', exec: [STATUS_TEST] } }];
    }
    folders.get(tag)!.item.push(item);
  }

  return {
    info: {
      name: String(info.title ?? 'Audenci API'),
      description:
        `${String(info.description ?? '')}\n\nGenerated from \`GET /openapi.json\`. Set \`apiKey\` ` +
        '(`sk_prod_…` or `sk_test_…`) and `baseUrl`; ids in paths are variables such as `{{postId}}`.',
      version: String(info.version ?? '0.0.0'),
      schema: POSTMAN_SCHEMA,
    },
    auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{apiKey}}', type: 'string' }] },
    variable: [
      { key: 'baseUrl', value: baseUrl, description: 'Origin of the Audenci server' },
      {
        key: 'apiKey',
        value: '',
        description: 'An API key: sk_prod_… (live) or sk_test_… (test environment)',
      },
      ...variables.values(),
    ],
    item: [...folders.values()].filter((f) => f.item.length > 0),
  };
}

/**
 * The collection is made from this server's own document, so its bounds follow the document's: names
 * and ids are short, texts are operation descriptions, values at most a URL, bodies an example body.
 */
const Text = (maxLength: number, options: { description?: string; examples?: string[] } = {}) =>
  Type.String({ maxLength, ...options });
const DESCRIPTION = 10_000;
const Variable = Type.Object({
  key: Text(100),
  value: Text(MAX_URL_LENGTH),
  description: Type.Optional(Text(DESCRIPTION)),
  disabled: Type.Optional(Type.Boolean()),
  type: Type.Optional(Text(20)),
});
const Variables = (maxItems: number, description?: string) =>
  Type.Array(Variable, { maxItems, ...(description ? { description } : {}) });
const Item = Type.Object({
  id: Text(100, { description: 'The operationId' }),
  name: Text(200),
  request: Type.Object({
    method: Type.Union(METHODS.map((m) => Type.Literal(m.toUpperCase()))),
    header: Variables(20),
    url: Type.Object({
      raw: Text(MAX_URL_LENGTH, { examples: ['{{baseUrl}}/api/v1/posts/:id'] }),
      host: Type.Array(Text(100), { maxItems: 5 }),
      path: Type.Array(Text(100), { maxItems: 20 }),
      query: Type.Optional(Variables(50)),
      variable: Type.Optional(Variables(20)),
    }),
    description: Type.Optional(Text(DESCRIPTION)),
    body: Type.Optional(Type.Object({ mode: Type.Literal('raw'), raw: Text(100_000) })),
    auth: Type.Optional(Type.Object({ type: Type.Literal('noauth') })),
  }),
  response: Type.Array(Type.Unknown(), { maxItems: 20 }),
  event: Type.Optional(
    Type.Array(Type.Object({ listen: Text(20), script: Type.Unknown() }), { maxItems: 5 }),
  ),
});
const CollectionSchema = Type.Object(
  {
    info: Type.Object({
      name: Text(200),
      description: Text(DESCRIPTION),
      version: Text(50),
      schema: Type.Literal(POSTMAN_SCHEMA),
    }),
    auth: Type.Object({ type: Type.Literal('bearer'), bearer: Variables(1) }),
    variable: Variables(100, '`baseUrl`, `apiKey` and the ids used in paths'),
    item: Type.Array(
      Type.Object({
        name: Text(100),
        description: Type.Optional(Text(DESCRIPTION)),
        item: Type.Array(Item, { maxItems: 100 }),
      }),
      { maxItems: 50, description: 'One folder per tag' },
    ),
  },
  { description: 'Postman Collection v2.1' },
);

/** Registers `GET /postman.json`; the collection is built on the first request and kept. */
export function postmanRoute(app: FastifyInstance): void {
  let cached: string | undefined;
  app.get(
    '/postman.json',
    {
      config: { scope: 'public' },
      schema: {
        tags: ['Operations'],
        operationId: 'getPostmanCollection',
        summary: 'A Postman collection of this API',
        description:
          'A Postman Collection v2.1 generated from `/openapi.json`: a folder per tag, a request per ' +
          'operation with example bodies, bearer auth from the `apiKey` variable, ids in paths from ' +
          'variables such as `postId`. Import it in Postman or run it with newman.',
        response: { 200: CollectionSchema },
      },
    },
    async (_request, reply) => {
      cached ??= JSON.stringify(buildPostmanCollection(app.swagger() as unknown as Json));
      // Sent as serialized: the schema documents the shape, the builder already made it.
      return reply.type('application/json; charset=utf-8').send(cached);
    },
  );
}
