import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startFakeGraph, type FakeGraph } from '../../../test/fakes/graph-server.js';
import { PlatformError, type ConnectorEnvironment, type PlatformErrorKind } from '../connector.js';
import {
  DEFAULT_GRAPH_VERSION,
  classifyGraphError,
  createGraphClient,
  facebookAuthorizationUrl,
  graphErrorKind,
  retryAfterFromHeaders,
  type GraphErrorBody,
} from './graph.client.js';

function envFor(fake: FakeGraph, overrides: Partial<ConnectorEnvironment> = {}): ConnectorEnvironment {
  return {
    apiBaseUrl: fake.url,
    authBaseUrl: 'https://www.facebook.com',
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    fetch: globalThis.fetch,
    now: () => Date.now(),
    timeoutMs: 2000,
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PlatformError, `expected a PlatformError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

describe('graphErrorKind: Graph codes, subcodes and statuses to the closed union', () => {
  const cases: [string, number, GraphErrorBody | undefined, PlatformErrorKind][] = [
    ['190 without subcode', 400, { code: 190 }, 'auth_expired'],
    ['190/463 expired session', 400, { code: 190, error_subcode: 463 }, 'auth_expired'],
    ['190/467 logged out', 400, { code: 190, error_subcode: 467 }, 'auth_expired'],
    ['102 API session', 400, { code: 102 }, 'auth_expired'],
    ['4 application limit', 400, { code: 4, is_transient: true }, 'rate_limited'],
    ['17 user limit', 400, { code: 17 }, 'rate_limited'],
    ['32 page limit', 400, { code: 32 }, 'rate_limited'],
    ['613 custom limit', 400, { code: 613 }, 'rate_limited'],
    ['80001 BUC page limit', 400, { code: 80001 }, 'rate_limited'],
    ['80014 BUC limit', 400, { code: 80014 }, 'rate_limited'],
    ['9/2207042 daily publishing limit', 400, { code: 9, error_subcode: 2207042 }, 'rate_limited'],
    ['429 without body', 429, undefined, 'rate_limited'],
    ['100 invalid parameter', 400, { code: 100 }, 'invalid_content'],
    ['36003/2207009 aspect ratio', 400, { code: 36003, error_subcode: 2207009 }, 'invalid_content'],
    ['352/2207026 video format', 400, { code: 352, error_subcode: 2207026 }, 'invalid_content'],
    ['an unknown 2207xxx subcode', 400, { code: 25, error_subcode: 2207999 }, 'invalid_content'],
    ['506 duplicate post', 400, { code: 506 }, 'invalid_content'],
    ['1 unknown', 400, { code: 1 }, 'transient'],
    ['2 service', 500, { code: 2 }, 'transient'],
    ['is_transient on any code', 400, { code: 100, is_transient: true }, 'transient'],
    ['-1/2207001 Instagram server error', 400, { code: -1, error_subcode: 2207001 }, 'transient'],
    ['9007/2207027 media not ready', 400, { code: 9007, error_subcode: 2207027 }, 'transient'],
    ['an unknown code with 503', 503, { code: 12345 }, 'transient'],
    ['500 without body', 500, undefined, 'transient'],
    ['10 permission denied', 403, { code: 10 }, 'permanent'],
    ['200 permissions error', 403, { code: 200 }, 'permanent'],
    ['299 permission', 400, { code: 299 }, 'permanent'],
    ['100/33 object missing', 400, { code: 100, error_subcode: 33 }, 'permanent'],
    ['4/2207051 spam block', 400, { code: 4, error_subcode: 2207051 }, 'permanent'],
    ['404 without body', 404, undefined, 'permanent'],
  ];
  for (const [name, status, error, kind] of cases) {
    it(`${name} → ${kind}`, () => assert.equal(graphErrorKind(status, error), kind));
  }

  it('never looks at the message text', () => {
    const error = { code: 100, message: 'Session has expired; rate limit reached; please retry' };
    assert.equal(graphErrorKind(400, error), 'invalid_content');
  });
});

describe('classifyGraphError', () => {
  it('names the code with its subcode and keeps the fbtrace_id in the message', () => {
    const err = classifyGraphError(400, {
      message: 'Error validating access token',
      type: 'OAuthException',
      code: 190,
      error_subcode: 463,
      fbtrace_id: 'AbC',
    });
    assert.equal(err.kind, 'auth_expired');
    assert.equal(err.code, '190/463');
    assert.equal(err.options.status, 400);
    assert.equal(err.retryable, false);
    assert.match(err.message, /190\/463: Error validating access token \(fbtrace_id AbC\)/);
  });

  it('names a non-Graph failure by its HTTP status', () => {
    const err = classifyGraphError(502, undefined);
    assert.deepEqual([err.kind, err.code, err.retryable], ['transient', 'http_502', true]);
  });

  it('gives rate limits the time to regain access', () => {
    const headers = new Headers({
      'x-business-use-case-usage': JSON.stringify({
        '101': [
          {
            type: 'pages',
            call_count: 100,
            total_cputime: 5,
            total_time: 9,
            estimated_time_to_regain_access: 7,
          },
        ],
      }),
    });
    const err = classifyGraphError(400, { code: 80001 }, headers);
    assert.deepEqual([err.kind, err.options.retryAfterSeconds], ['rate_limited', 420]);
    assert.equal(classifyGraphError(400, { code: 100 }, headers).options.retryAfterSeconds, undefined);
  });
});

describe('retryAfterFromHeaders', () => {
  it('reads Retry-After in seconds first', () => {
    assert.equal(retryAfterFromHeaders(new Headers({ 'retry-after': '30' })), 30);
    assert.equal(retryAfterFromHeaders(new Headers({ 'retry-after': '1.5' })), 2);
    const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
    assert.ok([119, 120].includes(retryAfterFromHeaders(new Headers({ 'retry-after': inTwoMinutes }))!));
  });

  it('falls back to the usage headers when Retry-After is 0, negative or unreadable', () => {
    const app = JSON.stringify({ call_count: 100, estimated_time_to_regain_access: 1 });
    for (const value of ['0', '-5', 'soon']) {
      assert.equal(retryAfterFromHeaders(new Headers({ 'retry-after': value, 'x-app-usage': app })), 60);
    }
  });

  it('takes the largest estimated_time_to_regain_access (minutes) of every business use case', () => {
    const usage = {
      '1': [{ type: 'pages', call_count: 100, estimated_time_to_regain_access: 2 }],
      '2': [
        { type: 'instagram', call_count: 40, estimated_time_to_regain_access: 0 },
        { type: 'pages', call_count: 100, estimated_time_to_regain_access: 15 },
      ],
    };
    assert.equal(
      retryAfterFromHeaders(new Headers({ 'x-business-use-case-usage': JSON.stringify(usage) })),
      900,
    );
  });

  it('reads X-App-Usage when it carries an estimate, and is undefined otherwise', () => {
    const app = { call_count: 100, total_time: 10, total_cputime: 10, estimated_time_to_regain_access: 3 };
    assert.equal(retryAfterFromHeaders(new Headers({ 'x-app-usage': JSON.stringify(app) })), 180);
    assert.equal(retryAfterFromHeaders(new Headers({ 'x-app-usage': '{"call_count":100}' })), undefined);
    assert.equal(retryAfterFromHeaders(new Headers({ 'x-business-use-case-usage': 'not json' })), undefined);
    assert.equal(retryAfterFromHeaders(new Headers()), undefined);
  });
});

describe('createGraphClient against the fake Graph API', () => {
  let fake: FakeGraph;
  beforeEach(async () => {
    fake = await startFakeGraph();
  });
  afterEach(() => fake.close());

  it('GETs under the version segment with access_token and appsecret_proof in the query', async () => {
    const graph = createGraphClient(envFor(fake));
    const page = fake.state.pages[0]!;
    const answer = await graph.get<{ id: string; name: string }>(
      page.id,
      { fields: 'name' },
      { accessToken: page.accessToken },
    );
    assert.deepEqual(answer, { id: page.id, name: page.name });
    const [request] = fake.state.requests;
    assert.equal(graph.version, DEFAULT_GRAPH_VERSION);
    assert.equal(request!.version, 'v21.0');
    assert.equal(request!.method, 'GET');
    assert.deepEqual(request!.query, {
      fields: 'name',
      access_token: page.accessToken,
      appsecret_proof: createHmac('sha256', fake.clientSecret).update(page.accessToken).digest('hex'),
    });
  });

  it('uses the configured version and base URL (trailing slash tolerated)', async () => {
    const graph = createGraphClient(envFor(fake, { apiBaseUrl: `${fake.url}/` }), 'v19.0');
    await graph.get('me', {}, { accessToken: fake.state.userToken });
    assert.equal(fake.state.requests[0]!.version, 'v19.0');
    assert.equal(graph.version, 'v19.0');
  });

  it('POSTs a form by default and JSON on request, the token in the body', async () => {
    const graph = createGraphClient(envFor(fake, { clientSecret: undefined }));
    const page = fake.state.pages[0]!;
    await graph.post(
      `${page.id}/feed`,
      { message: 'Hello', link: undefined },
      { accessToken: page.accessToken },
    );
    const photo = await graph.post<{ id: string }>(
      `${page.id}/photos`,
      { url: 'https://cdn.example/a.jpg', published: false },
      { accessToken: page.accessToken },
    );
    await graph.post(
      `${page.id}/feed`,
      { message: 'Album', attached_media: [{ media_fbid: photo.id }] },
      { accessToken: page.accessToken, json: true },
    );
    const [form, photoForm, json] = fake.state.requests;
    assert.equal(form!.contentType, 'application/x-www-form-urlencoded');
    assert.deepEqual(form!.body, { message: 'Hello', access_token: page.accessToken });
    assert.deepEqual(form!.query, {});
    assert.deepEqual(photoForm!.body, {
      url: 'https://cdn.example/a.jpg',
      published: 'false',
      access_token: page.accessToken,
    });
    assert.equal(json!.contentType, 'application/json');
    assert.deepEqual(json!.body, {
      message: 'Album',
      attached_media: [{ media_fbid: photo.id }],
      access_token: page.accessToken,
    });
    assert.equal(fake.state.posts.length, 2);
  });

  const failures: [
    string,
    Parameters<FakeGraph['state']['failNext']>[0],
    PlatformErrorKind,
    string,
    number?,
  ][] = [
    [
      'a page rate limit (32) with its usage header',
      { kind: 'rate_limit', code: 32, regainMinutes: 5 },
      'rate_limited',
      '32',
      300,
    ],
    ['an app rate limit (4)', { kind: 'rate_limit', code: 4 }, 'rate_limited', '4'],
    ['HTTP 429 with Retry-After', { kind: 'http_429' }, 'rate_limited', 'http_429', 120],
    ['an expired token (190/463)', { kind: 'auth_expired' }, 'auth_expired', '190/463'],
    ['a transient service error (2)', { kind: 'transient' }, 'transient', '2'],
    ['an HTML 500', { kind: 'http_500' }, 'transient', 'http_500'],
    ['an invalid parameter (100)', { kind: 'invalid' }, 'invalid_content', '100'],
    ['a permissions error (200)', { kind: 'permission' }, 'permanent', '200'],
    [
      'an Instagram media error (36003/2207009)',
      {
        kind: 'error',
        error: { message: 'The aspect ratio is not supported.', code: 36003, error_subcode: 2207009 },
      },
      'invalid_content',
      '36003/2207009',
    ],
  ];
  for (const [name, spec, kind, code, retryAfter] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      fake.state.failNext(spec);
      const graph = createGraphClient(envFor(fake));
      const err = await rejection(graph.get('me', {}, { accessToken: fake.state.userToken }));
      assert.equal(err.kind, kind);
      assert.equal(err.code, code);
      assert.equal(err.options.retryAfterSeconds, retryAfter);
      assert.ok(!err.message.includes(fake.state.userToken), 'the token never appears in errors');
    });
  }

  it('classifies an unknown token as auth_expired (190)', async () => {
    const graph = createGraphClient(envFor(fake));
    const err = await rejection(graph.get('me', {}, { accessToken: 'EAA-nobody' }));
    assert.deepEqual([err.kind, err.code], ['auth_expired', '190']);
  });

  it('classifies a missing object as permanent (100/33)', async () => {
    const graph = createGraphClient(envFor(fake));
    const err = await rejection(graph.get('999999', {}, { accessToken: fake.state.userToken }));
    assert.deepEqual([err.kind, err.code, err.options.status], ['permanent', '100/33', 400]);
  });

  it('times out after env.timeoutMs as a transient error', async () => {
    fake.state.failNext({ kind: 'hang', hangMs: 500 });
    const graph = createGraphClient(envFor(fake, { timeoutMs: 50 }));
    const err = await rejection(graph.get('me', {}, { accessToken: fake.state.userToken }));
    assert.deepEqual([err.kind, err.code], ['transient', 'timeout']);
  });

  it('turns a refused connection into a transient network error', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const graph = createGraphClient(envFor(fake, { apiBaseUrl: `http://127.0.0.1:${port}` }));
    const err = await rejection(graph.get('me', {}, { accessToken: 'x' }));
    assert.deepEqual([err.kind, err.code], ['transient', 'network_error']);
  });
});

describe('facebookAuthorizationUrl', () => {
  const env: ConnectorEnvironment = {
    apiBaseUrl: 'https://graph.facebook.com',
    authBaseUrl: 'https://www.facebook.com/',
    clientId: 'app-1',
    clientSecret: 'secret',
    fetch: globalThis.fetch,
    now: () => 0,
    timeoutMs: 1000,
  };

  it('builds the dialog URL under the version', () => {
    const url = new URL(
      facebookAuthorizationUrl(env, 'v21.0', ['a', 'b'], { state: 's', redirectUri: 'https://x.test/cb' }),
    );
    assert.equal(`${url.origin}${url.pathname}`, 'https://www.facebook.com/v21.0/dialog/oauth');
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      client_id: 'app-1',
      redirect_uri: 'https://x.test/cb',
      state: 's',
      scope: 'a,b',
      response_type: 'code',
    });
  });

  it('fails permanently when the app is not configured', () => {
    assert.throws(
      () =>
        facebookAuthorizationUrl({ ...env, clientId: undefined }, 'v21.0', [], {
          state: 's',
          redirectUri: 'r',
        }),
      (err: unknown) =>
        err instanceof PlatformError && err.kind === 'permanent' && err.code === 'not_configured',
    );
  });
});
