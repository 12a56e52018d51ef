import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Examples, isObject, singular } from './postman.examples.js';
import {
  CLEANUP_FOLDER,
  DATES_SCRIPT,
  FOLDER_ORDER,
  OPERATION_RULES,
  URL_DEFAULTS,
  dateDefaults,
  dateVariable,
  expectedStatus,
  purgeScript,
  script,
  testScript,
  urlVariable,
  waitScript,
  type PostmanScript,
} from './postman.scripts.js';
import { MAX_URL_LENGTH } from './schemas.js';

/**
 * `GET /postman.json`: a Postman Collection v2.1 made from this server's own OpenAPI document, so it can
 * never drift from the API. One folder per tag in dependency order, one request per operation, deletes
 * in a last folder; ids in paths are collection variables (`{{postId}}`, …) that the requests creating
 * them save, so `newman run` goes through every request against an empty organization with a test key.
 */

export const POSTMAN_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
const DEFAULT_BASE_URL = 'http://localhost:3000';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

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
  event: PostmanScript[];
  protocolProfileBehavior?: { followRedirects: boolean };
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
  event: PostmanScript[];
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

const SAVED_BY_RULES = new Set(Object.values(OPERATION_RULES).flatMap((r) => Object.keys(r.capture ?? {})));

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
      // A parameter whose value an earlier request saved (the OAuth `state`) is sent.
      const saved = SAVED_BY_RULES.has(name);
      return { key: name, value: String(value), ...description, disabled: p.required !== true && !saved };
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
    const example = 'example' in json ? json.example : examples.value(json.schema);
    const body = withVariables(example, variables, path);
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

/**
 * Fields of a body that refer to variables: named like one (`"brandId": "{{brandId}}"`), dates (relative
 * to now: `{{inOneHour}}`, …) and URLs the server calls (`{{webhookUrl}}`, …).
 */
function withVariables(value: unknown, variables: Map<string, PostmanVariable>, path: string): unknown {
  if (Array.isArray(value)) return value.map((v) => withVariables(v, variables, path));
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (typeof v !== 'string') return [k, withVariables(v, variables, path)];
      if (variables.has(k) && /Id$/.test(k)) return [k, `{{${k}}}`];
      const date = dateVariable(k, v);
      if (date) return [k, `{{${date}}}`];
      const url = urlVariable(path, k);
      if (/^https?:\/\//.test(v) && url in URL_DEFAULTS) return [k, `{{${url}}}`];
      return [k, v];
    }),
  );
}

/** The variable a path `P/{x}` puts its id in, for an operation on `P`: what a create or a list saves. */
function childVariable(path: string, operations: Operation[]): string | undefined {
  const child = operations.find((o) => o.path.startsWith(`${path}/{`));
  const param = child && /^\{(\w+)\}/.exec(child.path.slice(path.length + 1))?.[1];
  return param ? variableName(child.path, param) : undefined;
}

/**
 * The variables a request saves: a create (`POST P` where `P/{id}` exists) its new id; a list of what no
 * request creates (events, members, comments, deliveries) its first item's id; and a rule's captures.
 */
function capturesOf(operation: Operation, operations: Operation[], status: number): Record<string, string> {
  const { path, method, op } = operation;
  const out: Record<string, string> = {};
  const target = childVariable(path, operations);
  const creates = operations.some((o) => o.path === path && o.method === 'post');
  if (target && status < 300 && !op['x-session-only']) {
    if (method === 'post') out[target] = 'json.data.id';
    else if (method === 'get' && !creates) out[target] = 'json.data[0] && json.data[0].id';
  }
  return { ...out, ...(OPERATION_RULES[String(op.operationId)]?.capture ?? {}) };
}

/**
 * A folder's requests in the document's order, except that one saving an id moves before the first
 * request using it (the members list before a member's password reset), and one with a rule's `after`
 * right after the request it names.
 */
function ordered(items: PostmanItem[], saves: Map<string, string[]>): PostmanItem[] {
  const out = items.filter((item) => !OPERATION_RULES[item.id]?.after);
  const uses = (item: PostmanItem, names: string[]) =>
    names.some((name) => JSON.stringify(item.request).includes(`{{${name}}}`));
  for (const [id, names] of saves) {
    const at = out.findIndex((i) => i.id === id);
    const use = out.findIndex((i) => i.id !== id && uses(i, names));
    if (at >= 0 && use >= 0 && use < at) out.splice(use, 0, ...out.splice(at, 1));
  }
  for (const item of items) {
    const after = OPERATION_RULES[item.id]?.after;
    if (!after) continue;
    const at = out.findIndex((i) => i.id === after);
    out.splice(at < 0 ? out.length : at + 1, 0, item);
  }
  return out;
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
  const now = options.now ?? new Date();
  const seed = new Examples(document, idNames, now);
  const variables = pathVariables(operations, seed);
  for (const key of variables.keys()) if (/Id$/.test(key)) idNames.add(key);
  // Saved by a rule and sent as a query parameter (the OAuth callback's `code` and `state`).
  for (const rule of Object.values(OPERATION_RULES)) {
    for (const key of Object.keys(rule.capture ?? {})) {
      if (!variables.has(key)) variables.set(key, { key, value: '', description: `Saved by the run` });
    }
  }

  const tags = (Array.isArray(document.tags) ? (document.tags as Json[]) : []).map((t) => ({
    name: String(t.name),
    description: typeof t.description === 'string' ? t.description : undefined,
  }));
  const rank = (name: string) => {
    const at = FOLDER_ORDER.indexOf(name);
    return at < 0 ? FOLDER_ORDER.length : at;
  };
  tags.sort((a, b) => rank(a.name) - rank(b.name));
  const folders = new Map<string, PostmanFolder>(tags.map((t) => [t.name, { ...t, item: [] }]));
  const deletes: { tag: string; item: PostmanItem }[] = [];
  const saves = new Map<string, string[]>();
  for (const operation of operations) {
    const { op, method, path } = operation;
    const tag = Array.isArray(op.tags) && op.tags.length > 0 ? String(op.tags[0]) : 'Other';
    if (!folders.has(tag)) folders.set(tag, { name: tag, item: [] });
    const id = String(op.operationId ?? `${method} ${path}`);
    const rule = OPERATION_RULES[id] ?? {};
    if (rule.exclude) continue;
    const status = expectedStatus(op, rule);
    const captures = capturesOf(operation, operations, status);
    saves.set(id, Object.keys(captures));
    const prerequest = [
      ...(rule.wait ? waitScript(rule.wait) : []),
      ...(rule.purge ? purgeScript(rule.purge) : []),
    ];
    const item: PostmanItem = {
      id,
      name: String(op.summary ?? id),
      request: buildRequest(operation, seed, variables),
      response: [],
      event: [
        ...(prerequest.length > 0 ? [script('prerequest', prerequest)] : []),
        testScript(document, op, status, rule, captures),
      ],
    };
    if (rule.noRedirect) item.protocolProfileBehavior = { followRedirects: false };
    if (method === 'delete' && !op['x-session-only']) deletes.push({ tag, item });
    else folders.get(tag)!.item.push(item);
  }
  const names = [...folders.keys()];
  deletes.sort((a, b) => names.indexOf(b.tag) - names.indexOf(a.tag));
  const cleanup: PostmanFolder = {
    name: CLEANUP_FOLDER,
    description: 'Deletes what the run made, in the reverse order of its making.',
    item: deletes.map((d) => d.item),
  };

  // The URL variables the bodies use (`webhookUrl`, `mediaUrl`, …), with their defaults.
  const bodies = [...folders.values(), cleanup].flatMap((f) => f.item.map((i) => i.request.body?.raw ?? ''));
  const urlVariables = new Set(
    [...bodies.join('\n').matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!).filter((n) => n in URL_DEFAULTS),
  );
  return {
    info: {
      name: String(info.title ?? 'Audenci API'),
      description:
        `${String(info.description ?? '')}\n\nGenerated from \`GET /openapi.json\`. Set \`apiKey\` ` +
        '(`sk_test_…` to run it: it creates, changes and deletes) and `baseUrl`; ids in paths are variables ' +
        'such as `{{postId}}`, saved by the requests that create them. Run it whole with newman against an ' +
        'empty organization (a fresh server) started with `AUDENCI_ALLOW_PRIVATE_URLS=true`, with ' +
        '`webhookUrl` and `mediaUrl` on local servers.',
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
      ...[...urlVariables].map((key) => ({ key, ...URL_DEFAULTS[key]! })),
      ...Object.entries(dateDefaults(now)).map(([key, value]) => ({
        key,
        value,
        description: 'Set relative to now before each request',
      })),
    ],
    event: [DATES_SCRIPT],
    item: [
      ...[...folders.values()]
        .map((f) => ({ ...f, item: ordered(f.item, saves) }))
        .filter((f) => f.item.length > 0),
      ...(cleanup.item.length > 0 ? [cleanup] : []),
    ],
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
  protocolProfileBehavior: Type.Optional(Type.Object({ followRedirects: Type.Boolean() })),
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
    variable: Variables(100, '`baseUrl`, `apiKey`, the ids used in paths, URLs and dates'),
    event: Type.Array(Type.Object({ listen: Text(20), script: Type.Unknown() }), {
      maxItems: 5,
      description: 'Before each request: the date variables, relative to now',
    }),
    item: Type.Array(
      Type.Object({
        name: Text(100),
        description: Type.Optional(Text(DESCRIPTION)),
        item: Type.Array(Item, { maxItems: 100 }),
      }),
      { maxItems: 50, description: 'One folder per tag in dependency order, then the deletes' },
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
          'A Postman Collection v2.1 generated from `/openapi.json`: a folder per tag in dependency ' +
          'order and the deletes last, a request per operation with example bodies and tests, bearer ' +
          'auth from the `apiKey` variable, ids in paths from variables such as `postId` that earlier ' +
          'requests save. Import it in Postman, or run it whole with newman against an empty ' +
          'organization and a test key.',
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
