/**
 * The scripts that make `GET /postman.json` run end to end with newman against an empty organization:
 * each request's tests (its status, the shape of its body), the ids its answer saves into collection
 * variables for later requests, the waits for what the worker finishes in the background, and the dates
 * relative to now. Everything is derived from the OpenAPI document, except the few rules in
 * {@link OPERATION_RULES} that no document can say (which answer a request gets late in the run).
 */
import { isObject, singular } from './postman.examples.js';

type Json = Record<string, unknown>;

export interface PostmanScript {
  listen: 'test' | 'prerequest';
  script: { type: 'text/javascript'; exec: string[] };
}

export const script = (listen: PostmanScript['listen'], lines: string[]): PostmanScript => ({
  listen,
  script: { type: 'text/javascript', exec: lines },
});

/**
 * Folders in dependency order: what a request needs was made by an earlier folder (brands before
 * accounts before posts; posts published before their comments and analytics). Tags not listed follow
 * in the document's order. Deletes are not in their tag's folder but in {@link CLEANUP_FOLDER}.
 */
export const FOLDER_ORDER = [
  'Operations',
  'Organization',
  'Platforms',
  'Brands',
  'Social accounts',
  'Campaigns',
  'Media',
  'AI',
  'Plans',
  'Posts',
  'Jobs',
  'Comments',
  'Analytics',
  'Webhooks',
  'Events',
  'Audit log',
  'API keys',
  'Members',
  'Invitations',
  'Me',
];

/** The last folder: every DELETE, in the reverse order of the folders that created what it deletes. */
export const CLEANUP_FOLDER = 'Clean up';

/** Dates in bodies are these variables, set before every request relative to now. */
export const DATE_VARIABLES = {
  /** A date-time to start or schedule at: in one hour. */
  start: 'inOneHour',
  /** A date-time to end at: in two weeks. */
  end: 'inTwoWeeks',
  /** A day to start on: in one week. */
  startDate: 'dateInOneWeek',
  /** A day to end on: in three weeks. */
  endDate: 'dateInThreeWeeks',
} as const;

/** The collection's pre-request script: the date variables, fresh before each request. */
export const DATES_SCRIPT = script('prerequest', [
  '// Dates in bodies are relative to now, so the collection runs the same on any day.',
  'const hour = 3600 * 1000;',
  "const at = (ms) => new Date(Date.now() + ms).toISOString().replace(/\\.\\d{3}Z$/, 'Z');",
  `pm.variables.set('${DATE_VARIABLES.start}', at(hour));`,
  `pm.variables.set('${DATE_VARIABLES.end}', at(14 * 24 * hour));`,
  `pm.variables.set('${DATE_VARIABLES.startDate}', at(7 * 24 * hour).slice(0, 10));`,
  `pm.variables.set('${DATE_VARIABLES.endDate}', at(21 * 24 * hour).slice(0, 10));`,
]);

/** The defaults of the date variables (the pre-request script replaces them before each request). */
export function dateDefaults(now: Date): Record<string, string> {
  const hour = 3_600_000;
  const at = (ms: number) => new Date(now.getTime() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    [DATE_VARIABLES.start]: at(hour),
    [DATE_VARIABLES.end]: at(14 * 24 * hour),
    [DATE_VARIABLES.startDate]: at(7 * 24 * hour).slice(0, 10),
    [DATE_VARIABLES.endDate]: at(21 * 24 * hour).slice(0, 10),
  };
}

/** The date variable a body field named `key` with a date (`2026-12-01`) or date-time value takes. */
export function dateVariable(key: string, value: string): string | undefined {
  const end = /^(end|until|to)/i.test(key);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return end ? DATE_VARIABLES.endDate : DATE_VARIABLES.startDate;
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    return end ? DATE_VARIABLES.end : DATE_VARIABLES.start;
  }
  return undefined;
}

/**
 * URLs in bodies the server calls or sends a browser to are variables: `url` of `/webhooks` is
 * `{{webhookUrl}}`, of `/media` `{{mediaUrl}}`; other URL fields take their own name (`{{redirectUri}}`).
 * Their defaults: a local receiver like the README's, an image on a local server, the server itself.
 */
export const URL_DEFAULTS: Record<string, { value: string; description: string }> = {
  webhookUrl: {
    value: 'http://127.0.0.1:4242/webhooks',
    description:
      'Where the webhook created by the collection delivers (a private address needs AUDENCI_ALLOW_PRIVATE_URLS=true)',
  },
  mediaUrl: {
    value: 'http://127.0.0.1:4243/launch.png',
    description:
      'An image (PNG, JPEG, WebP or GIF) that `Create media` imports (a private address needs AUDENCI_ALLOW_PRIVATE_URLS=true)',
  },
  redirectUri: {
    value: '{{baseUrl}}/',
    description: 'Where the OAuth callback sends the browser: on the origin of AUDENCI_PUBLIC_URL',
  },
};

export function urlVariable(path: string, key: string): string {
  if (key !== 'url') return key;
  const resource = path.split('/').filter((s) => s && !s.startsWith('{') && s !== 'api' && s !== 'v1')[0];
  return `${singular(resource ?? 'resource').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())}Url`;
}

/** What the document cannot say about a request of the run. */
export interface OperationRule {
  /** The status expected instead of the operation's first 2xx, and why. */
  status?: number;
  why?: string;
  /** Run right after this operation of the same folder (instead of in the document's order). */
  after?: string;
  /** Before sending, poll this GET (variables allowed) until `until` (JS over `json`) holds. */
  wait?: { url: string; until: string; seconds?: number };
  /** Variables to save from the answer: name → JS expression over `json`. */
  capture?: Record<string, string>;
  /** Before sending, delete what the listed GETs answer (each item through `DELETE <list path>/<id>`). */
  purge?: string[];
  /** Answered with a redirect that newman must not follow. */
  noRedirect?: boolean;
  /** Left out of the collection, and why (a request a collection runner cannot complete). */
  exclude?: string;
}

export const OPERATION_RULES: Record<string, OperationRule> = {
  // Postman's runner and newman wait for a response's end; an event stream has none (docs/api.md shows
  // it with `curl -N`).
  streamEvents: { exclude: 'an endless text/event-stream response, which a collection run cannot complete' },
  // An export writes a file once the worker has run the job; cancelling it then is refused.
  getJobResult: {
    wait: { url: '/api/v1/jobs/{{jobId}}', until: "['succeeded', 'failed'].includes(json.data.status)" },
  },
  cancelJob: { after: 'getJobResult', status: 409, why: 'the job has finished' },
  // The sandbox's first comment arrives as soon as the comment sync visits the published post.
  listComments: {
    wait: { url: '/api/v1/comments?postId={{postId}}', until: 'json.data.length > 0', seconds: 90 },
  },
  // A delivery is retried once its attempt is over.
  retryWebhookDelivery: {
    wait: {
      url: '/api/v1/webhooks/{{webhookId}}/deliveries/{{deliveryId}}',
      until: "json.data.status !== 'pending'",
    },
  },
  // The rotated key replaces the one created: revoking it at the end revokes the new one.
  rotateApiKey: { capture: { apiKeyId: 'json.data.id' } },
  // The sandbox's authorization URL is the callback itself, with the code and the state.
  connectSocialAccount: {
    capture: {
      code: "new URL(json.data.authorizationUrl).searchParams.get('code')",
      state: 'json.data.state',
    },
  },
  socialAccountCallback: { status: 302, noRedirect: true, why: 'back to the redirectUri given at connect' },
  // A brand with posts or campaigns cannot be deleted: those the run made go first.
  deleteBrand: { purge: ['/api/v1/posts?brandId={{brandId}}', '/api/v1/campaigns?brandId={{brandId}}'] },
  // The only member of a new organization is its owner, whom only an owner may change: a key cannot.
  updateMember: { status: 403, why: 'only an owner changes an owner' },
  resetMemberPassword: { status: 403, why: "only an owner resets an owner's password" },
  removeMember: { status: 403, why: 'only an owner removes an owner' },
};

function resolve(document: Json, schema: unknown): Json {
  let node: unknown = schema;
  for (let i = 0; isObject(node) && typeof node.$ref === 'string' && i < 10; i++) {
    let target: unknown = document;
    for (const part of node.$ref.replace(/^#\//, '').split('/')) {
      target = isObject(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    }
    node = target;
  }
  return isObject(node) ? node : {};
}

/** The status a request of the run answers: the rule's, 403 for what only a session may do, else the first 2xx. */
export function expectedStatus(op: Json, rule: OperationRule = {}): number {
  if (rule.status) return rule.status;
  if (op['x-session-only']) return 403;
  const codes = Object.keys(isObject(op.responses) ? op.responses : {})
    .filter((c) => /^2\d\d$/.test(c))
    .map(Number)
    .sort((a, b) => a - b);
  return codes[0] ?? 200;
}

/** The test script of a request: its status, the shape of its body, the variables it saves. */
export function testScript(
  document: Json,
  op: Json,
  status: number,
  rule: OperationRule,
  captures: Record<string, string>,
): PostmanScript {
  const response = resolve(document, (op.responses as Json | undefined)?.[String(status)]);
  const content = isObject(response.content) ? response.content : {};
  const types = Object.keys(content);
  const name = JSON.stringify(`answers ${status}${rule.why ? ` (${rule.why})` : ''}`);
  const lines = [`pm.test(${name}, () => pm.response.to.have.status(${status}));`];
  if (status >= 400) {
    lines.push(
      'const json = pm.response.json();',
      "pm.test('the error envelope names a code', () => pm.expect(json.error.code).to.be.a('string'));",
    );
    if (op['x-session-only']) {
      lines.push(
        "pm.test('an API key is refused: a session is required', () => pm.expect(json.error.details.reason).to.equal('session_required'));",
      );
    }
  } else if (status === 204 || types.length === 0) {
    lines.push("pm.test('no body', () => pm.expect(pm.response.text()).to.equal(''));");
  } else if (types.includes('application/json') && types.length === 1) {
    const schema = resolve(document, (content['application/json'] as Json).schema);
    const data = resolve(document, isObject(schema.properties) ? schema.properties.data : undefined);
    const dataType = Array.isArray(data.type) ? data.type : [data.type];
    lines.push('const json = pm.response.json();');
    if (dataType.includes('array')) {
      lines.push("pm.test('data is a list', () => pm.expect(json.data).to.be.an('array'));");
    } else if (isObject(data.properties) && 'id' in data.properties) {
      lines.push("pm.test('data has an id', () => pm.expect(json.data.id).to.be.a('string'));");
    } else if (isObject(schema.properties) && 'data' in schema.properties) {
      lines.push("pm.test('data is an object', () => pm.expect(json.data).to.be.an('object'));");
    } else {
      lines.push("pm.test('the body is a JSON object', () => pm.expect(json).to.be.an('object'));");
    }
  } else if (status !== 302) {
    const prefixes = [...new Set(types.map((t) => t.split(';')[0]!))];
    lines.push(
      `pm.test('the body is ${prefixes.join(' or ')}', () => pm.expect(${JSON.stringify(prefixes)}).to.include(pm.response.headers.get('Content-Type').split(';')[0]));`,
    );
  }
  for (const [name, expression] of Object.entries(captures)) {
    lines.push(
      `{ const value = (() => { try { return ${expression}; } catch (error) { return undefined; } })();`,
      `  if (value) pm.collectionVariables.set('${name}', value); }`,
    );
  }
  return script('test', lines);
}

/** Polls a GET of the server until a condition holds (the request's own tests then say what it found). */
export function waitScript(wait: NonNullable<OperationRule['wait']>): string[] {
  const seconds = wait.seconds ?? 60;
  return [
    `// Waits up to ${seconds} s for work the server finishes in the background.`,
    `const waitUrl = pm.variables.replaceIn('{{baseUrl}}${wait.url}');`,
    `const waitUntil = Date.now() + ${seconds * 1000};`,
    'const waitPoll = () => pm.sendRequest(',
    "  { url: waitUrl, header: { Authorization: 'Bearer ' + pm.variables.get('apiKey') } },",
    '  (error, response) => {',
    '    let json;',
    '    try { json = response.json(); } catch (e) { json = undefined; }',
    `    let done = false;`,
    `    try { done = !error && Boolean(${wait.until}); } catch (e) { done = false; }`,
    '    if (!done && Date.now() < waitUntil) setTimeout(waitPoll, 250);',
    '  },',
    ');',
    'waitPoll();',
  ];
}

/** Deletes every item the given lists answer (what a run made under a parent, before the parent goes). */
export function purgeScript(lists: string[]): string[] {
  return [
    '// Deletes what the run made under it first.',
    `const purgeLists = ${JSON.stringify(lists)};`,
    "const purgeAuth = { Authorization: 'Bearer ' + pm.variables.get('apiKey') };",
    'const purgeNext = (index) => {',
    '  if (index >= purgeLists.length) return;',
    "  const list = pm.variables.replaceIn('{{baseUrl}}' + purgeLists[index]);",
    "  const base = list.split('?')[0];",
    "  pm.sendRequest({ url: list + '&limit=100', header: purgeAuth }, (error, response) => {",
    '    const items = error ? [] : response.json().data || [];',
    '    let left = items.length;',
    '    if (left === 0) return purgeNext(index + 1);',
    '    for (const item of items) {',
    "      pm.sendRequest({ url: base + '/' + item.id, method: 'DELETE', header: purgeAuth }, () => {",
    '        if (--left === 0) purgeNext(index + 1);',
    '      });',
    '    }',
    '  });',
    '};',
    'purgeNext(0);',
  ];
}
