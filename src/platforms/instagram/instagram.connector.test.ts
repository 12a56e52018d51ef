import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startFakeGraph, type FailureSpec, type FakeGraph } from '../../../test/fakes/graph-server.js';
import {
  PlatformError,
  type ConnectorEnvironment,
  type PlatformConnector,
  type PlatformErrorKind,
  type PublishMedia,
  type PublishRequest,
} from '../connector.js';
import { createInstagramConnector, type InstagramConnectorOptions } from './instagram.connector.js';

const START = Date.parse('2026-11-20T10:00:00Z');
const IG = '17841400000000001';

let now = START;
let fake: FakeGraph;
let connector: PlatformConnector;
let sleeps: number[];

function envFor(overrides: Partial<ConnectorEnvironment> = {}): ConnectorEnvironment {
  return {
    apiBaseUrl: fake.url,
    authBaseUrl: 'https://www.facebook.com',
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    fetch: globalThis.fetch,
    now: () => now,
    timeoutMs: 2000,
    ...overrides,
  };
}

function build(options: InstagramConnectorOptions = {}): PlatformConnector {
  return createInstagramConnector(envFor(), {
    pollIntervalMs: 25,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
}

beforeEach(async () => {
  now = START;
  sleeps = [];
  fake = await startFakeGraph({ now: () => now });
  connector = build();
});
afterEach(() => fake.close());

function media(type: PublishMedia['type'], name: string): PublishMedia {
  return {
    id: `med_${name}`,
    type,
    mimeType: type === 'video' ? 'video/mp4' : 'image/jpeg',
    url: `https://media.audenci.test/${name}`,
    read: async () => Buffer.alloc(0),
  };
}

function request(fields: Partial<PublishRequest> = {}): PublishRequest {
  return {
    idempotencyKey: 'post_01',
    attempt: 1,
    caption: 'Latte art Friday',
    link: null,
    firstComment: null,
    media: [media('image', 'latte.jpg')],
    account: { platformAccountId: IG, accessToken: fake.state.userToken, metadata: { pageId: '101' } },
    ...fields,
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

const calls = () => fake.state.requests.map((r) => `${r.method} ${r.path}`);
const bodyOf = (index: number) => {
  const { access_token: _t, appsecret_proof: _p, ...rest } = fake.state.requests[index]!.body;
  return rest;
};

describe('Instagram connector: OAuth', () => {
  it('sends the user to the Facebook Login dialog with the Instagram publishing scopes', () => {
    const url = new URL(connector.authorizationUrl({ state: 'st_9', redirectUri: 'https://app.test/cb' }));
    assert.equal(`${url.origin}${url.pathname}`, 'https://www.facebook.com/v21.0/dialog/oauth');
    assert.equal(url.searchParams.get('state'), 'st_9');
    assert.equal(url.searchParams.get('client_id'), fake.clientId);
    assert.equal(
      url.searchParams.get('scope'),
      'instagram_basic,instagram_content_publish,instagram_manage_comments,pages_show_list,pages_read_engagement',
    );
    assert.equal(connector.platform, 'instagram');
  });

  it('returns the Instagram business accounts linked to the user’s Pages, with the long-lived user token', async () => {
    const accounts = await connector.exchangeCode({ code: 'code-ig', redirectUri: 'https://app.test/cb' });
    assert.deepEqual(calls(), [
      'GET oauth/access_token',
      'GET oauth/access_token',
      'GET me/permissions',
      'GET me/accounts',
    ]);
    const listing = fake.state.requests[3]!;
    assert.equal(listing.query.fields, 'id,name,instagram_business_account{id,username,name}');
    assert.equal(accounts.length, 1, 'the Page without an Instagram account yields none');
    const [account] = accounts;
    assert.deepEqual(
      { ...account, tokens: { ...account!.tokens, scopes: [] } },
      {
        platformAccountId: IG,
        name: 'Acme Coffee',
        username: 'acmecoffee',
        tokens: {
          accessToken: listing.query.access_token,
          refreshToken: null,
          expiresAt: START + 5183944 * 1000,
          scopes: [],
        },
        metadata: { pageId: '101', pageName: 'Acme Coffee' },
      },
    );
    assert.match(account!.tokens.accessToken, /^EAA-user-long-/);
    assert.ok(account!.tokens.scopes.includes('instagram_content_publish'));
  });

  it('fails when instagram_content_publish was declined', async () => {
    fake.state.grantedScopes = ['instagram_basic', 'pages_show_list'];
    const err = await rejection(connector.exchangeCode({ code: 'c', redirectUri: 'https://app.test/cb' }));
    assert.deepEqual([err.kind, err.code], ['permanent', 'permissions_declined']);
  });

  it('refreshes by exchanging the long-lived token for a new one', async () => {
    const fresh = await connector.refresh({
      accessToken: fake.state.userToken,
      refreshToken: null,
      expiresAt: START + 1000,
      scopes: ['instagram_basic'],
    });
    assert.match(fresh.accessToken, /^EAA-user-long-/);
    assert.notEqual(fresh.accessToken, fake.state.userToken);
    assert.equal(fresh.expiresAt, START + 5183944 * 1000);
    assert.deepEqual(fresh.scopes, ['instagram_basic']);
    assert.equal(fake.state.requests[0]!.query.fb_exchange_token, fake.state.userToken);
  });

  it('reports an expired token as auth_expired on refresh', async () => {
    fake.state.expireToken(fake.state.userToken);
    const err = await rejection(
      connector.refresh({
        accessToken: fake.state.userToken,
        refreshToken: null,
        expiresAt: START,
        scopes: [],
      }),
    );
    assert.deepEqual([err.kind, err.code], ['auth_expired', '190/463']);
  });
});

describe('Instagram connector: publish', () => {
  it('publishes one image: quota, container, status, media_publish, permalink', async () => {
    const result = await connector.publish(request({ link: 'https://acme.test/menu' }));
    const container = fake.state.containers[0]!;
    const published = fake.state.media[0]!;
    assert.deepEqual(calls(), [
      `GET ${IG}/content_publishing_limit`,
      `POST ${IG}/media`,
      `GET ${container.id}`,
      `POST ${IG}/media_publish`,
      `GET ${published.id}`,
    ]);
    assert.deepEqual(bodyOf(1), {
      image_url: 'https://media.audenci.test/latte.jpg',
      caption: 'Latte art Friday\nhttps://acme.test/menu',
    });
    assert.equal(fake.state.requests[2]!.query.fields, 'status_code,status');
    assert.deepEqual(bodyOf(3), { creation_id: container.id });
    assert.deepEqual(result, {
      platformPostId: published.id,
      platformUrl: published.permalink,
      publishedAt: START,
    });
    assert.equal(published.caption, 'Latte art Friday\nhttps://acme.test/menu');
    assert.equal(fake.state.publishingQuota.usage, 1);
  });

  it('publishes a single video as a reel, polling IN_PROGRESS until FINISHED', async () => {
    fake.state.containerPolls = 2;
    const result = await connector.publish(request({ media: [media('video', 'pour.mp4')] }));
    const container = fake.state.containers[0]!;
    assert.deepEqual(bodyOf(1), {
      media_type: 'REELS',
      video_url: 'https://media.audenci.test/pour.mp4',
      caption: 'Latte art Friday',
    });
    assert.equal(container.polls, 3, 'IN_PROGRESS, IN_PROGRESS, FINISHED');
    assert.deepEqual(sleeps, [25, 25]);
    assert.equal(fake.state.calls('POST', `${IG}/media_publish`).length, 1);
    assert.equal(fake.state.media[0]!.mediaType, 'VIDEO');
    assert.equal(result.platformPostId, fake.state.media[0]!.id);
  });

  it('publishes a carousel: one child per item, video children finished first, then the parent', async () => {
    fake.state.containerPolls = 1;
    await connector.publish(
      request({ media: [media('image', 'a.jpg'), media('video', 'b.mp4'), media('image', 'c.jpg')] }),
    );
    const [a, b, c, parent] = fake.state.containers;
    assert.deepEqual(
      fake.state.calls('POST', `${IG}/media`).map((r) => {
        const { access_token: _t, appsecret_proof: _p, ...body } = r.body;
        return body;
      }),
      [
        { image_url: 'https://media.audenci.test/a.jpg', is_carousel_item: 'true' },
        { media_type: 'VIDEO', video_url: 'https://media.audenci.test/b.mp4', is_carousel_item: 'true' },
        { image_url: 'https://media.audenci.test/c.jpg', is_carousel_item: 'true' },
        { media_type: 'CAROUSEL', children: `${a!.id},${b!.id},${c!.id}`, caption: 'Latte art Friday' },
      ],
    );
    assert.deepEqual(
      [a!.polls, b!.polls, c!.polls, parent!.polls],
      [0, 2, 0, 2],
      'the video child and the parent are polled to FINISHED',
    );
    assert.deepEqual(fake.state.calls('POST', `${IG}/media_publish`)[0]!.body.creation_id, parent!.id);
    assert.equal(fake.state.media[0]!.mediaType, 'CAROUSEL_ALBUM');
  });

  it('fails with invalid_content when the container ends in ERROR, without publishing', async () => {
    fake.state.containerPolls = 1;
    fake.state.mediaUrlOutcome.set('https://media.audenci.test/latte.jpg', 'ERROR');
    const err = await rejection(connector.publish(request()));
    assert.deepEqual([err.kind, err.code], ['invalid_content', 'container_error']);
    assert.match(err.message, /2207026/);
    assert.equal(fake.state.calls('POST', `${IG}/media_publish`).length, 0);
    assert.equal(fake.state.media.length, 0);
  });

  it('fails with invalid_content when the container EXPIRED', async () => {
    fake.state.containerOutcome = 'EXPIRED';
    const err = await rejection(connector.publish(request()));
    assert.deepEqual([err.kind, err.code], ['invalid_content', 'container_expired']);
  });

  it('gives up with a transient error after maxPollAttempts status checks', async () => {
    fake.state.containerPolls = 100;
    connector = build({ maxPollAttempts: 3 });
    const err = await rejection(connector.publish(request({ media: [media('video', 'long.mp4')] })));
    assert.deepEqual([err.kind, err.code], ['transient', 'container_timeout']);
    assert.equal(fake.state.containers[0]!.polls, 3);
    assert.deepEqual(sleeps, [25, 25]);
    assert.equal(fake.state.media.length, 0);
  });

  it('stops before creating containers when the 24-hour publishing quota is used up', async () => {
    fake.state.publishingQuota = { usage: 50, total: 50 };
    const err = await rejection(connector.publish(request()));
    assert.deepEqual([err.kind, err.code], ['rate_limited', 'content_publishing_limit']);
    assert.equal(fake.state.containers.length, 0);
  });

  it('classifies the daily limit hit at media_publish (9/2207042) as rate_limited', async () => {
    fake.state.failNext({
      kind: 'error',
      match: { method: 'POST', path: `${IG}/media_publish` },
      error: { message: 'Application request limit reached', code: 9, error_subcode: 2207042 },
    });
    const err = await rejection(connector.publish(request()));
    assert.deepEqual([err.kind, err.code], ['rate_limited', '9/2207042']);
  });

  it('refuses posts without media, with GIFs, or with more than 10 items, before calling Instagram', async () => {
    for (const items of [
      [],
      [media('gif', 'a.gif')],
      Array.from({ length: 11 }, (_, i) => media('image', `${i}.jpg`)),
    ]) {
      const err = await rejection(connector.publish(request({ media: items })));
      assert.equal(err.kind, 'invalid_content');
    }
    assert.equal(fake.state.requests.length, 0);
  });

  it('posts the first comment on the published media', async () => {
    const result = await connector.publish(request({ firstComment: '#latte #coffee' }));
    assert.equal(calls().at(-1), `POST ${result.platformPostId}/comments`);
    assert.deepEqual(bodyOf(fake.state.requests.length - 1), { message: '#latte #coffee' });
    assert.deepEqual(
      fake.state.comments.map((c) => [c.parentId, c.message]),
      [[result.platformPostId, '#latte #coffee']],
    );
  });

  const failures: [string, FailureSpec, PlatformErrorKind, string, number?][] = [
    [
      'an app rate limit with X-App-Usage',
      { kind: 'rate_limit', code: 4, regainMinutes: 2 },
      'rate_limited',
      '4',
      120,
    ],
    [
      'a BUC rate limit',
      { kind: 'rate_limit', code: 80002, regainMinutes: 30 },
      'rate_limited',
      '80002',
      1800,
    ],
    ['an expired token', { kind: 'auth_expired' }, 'auth_expired', '190/463'],
    [
      'an unsupported aspect ratio',
      {
        kind: 'error',
        error: { message: 'The aspect ratio is not supported.', code: 36003, error_subcode: 2207009 },
      },
      'invalid_content',
      '36003/2207009',
    ],
    [
      'an Instagram server error',
      { kind: 'error', error: { message: 'Instagram server error', code: -1, error_subcode: 2207001 } },
      'transient',
      '-1/2207001',
    ],
    ['a transient Graph error', { kind: 'transient' }, 'transient', '2'],
    ['an HTTP 500', { kind: 'http_500' }, 'transient', 'http_500'],
    ['an invalid parameter', { kind: 'invalid' }, 'invalid_content', '100'],
  ];
  for (const [name, spec, kind, code, retryAfter] of failures) {
    it(`classifies ${name} on container creation as ${kind}`, async () => {
      fake.state.failNext({ ...spec, match: { method: 'POST', path: `${IG}/media` } });
      const err = await rejection(connector.publish(request()));
      assert.deepEqual([err.kind, err.code, err.options.retryAfterSeconds], [kind, code, retryAfter]);
      assert.equal(fake.state.media.length, 0);
    });
  }
});

describe('Instagram connector: a retried publish does not publish twice', () => {
  it('returns the media a crashed attempt published instead of publishing again', async () => {
    // Instagram publishes the container, then the answer is lost.
    fake.state.failNext({
      kind: 'http_500',
      afterEffect: true,
      match: { method: 'POST', path: `${IG}/media_publish` },
    });
    const err = await rejection(connector.publish(request({ firstComment: 'First!' })));
    assert.equal(err.kind, 'transient');
    assert.equal(fake.state.media.length, 1);
    assert.equal(fake.state.comments.length, 0);

    now += 5 * 60_000;
    const before = fake.state.requests.length;
    const result = await connector.publish(request({ attempt: 2, firstComment: 'First!' }));
    const published = fake.state.media[0]!;
    assert.deepEqual(result, {
      platformPostId: published.id,
      platformUrl: published.permalink,
      publishedAt: START,
    });
    assert.equal(fake.state.media.length, 1, 'no second media');
    assert.equal(fake.state.containers.length, 1, 'no new container');
    assert.deepEqual(
      fake.state.requests.slice(before).map((r) => `${r.method} ${r.path}`),
      [`GET ${IG}/media`, `GET ${published.id}/comments`, `POST ${published.id}/comments`],
    );
    assert.equal(fake.state.requests[before]!.query.fields, 'id,caption,timestamp,permalink');
    assert.deepEqual(
      fake.state.comments.map((c) => c.message),
      ['First!'],
      'the missing first comment is added',
    );
  });

  it('does not add the first comment twice when it is already there', async () => {
    const first = await connector.publish(request({ firstComment: 'First!' }));
    const again = await connector.publish(request({ attempt: 2, firstComment: 'First!' }));
    assert.deepEqual(again, first);
    assert.equal(fake.state.comments.length, 1);
  });

  it('publishes again when the same caption is older than the lookback window', async () => {
    fake.state.addMedia({ igUserId: IG, caption: 'Latte art Friday', timestamp: START - 2 * 24 * 3600_000 });
    fake.state.addMedia({ igUserId: IG, caption: 'Another caption', timestamp: START - 60_000 });
    const result = await connector.publish(request({ attempt: 2 }));
    assert.equal(fake.state.media.length, 3);
    assert.equal(result.platformPostId, fake.state.media[2]!.id);
  });

  it('fails the attempt when the lookup fails rather than risk a duplicate', async () => {
    fake.state.failNext({ kind: 'transient', match: { method: 'GET', path: `${IG}/media` } });
    const err = await rejection(connector.publish(request({ attempt: 2 })));
    assert.equal(err.kind, 'transient');
    assert.equal(fake.state.containers.length, 0);
  });
});
