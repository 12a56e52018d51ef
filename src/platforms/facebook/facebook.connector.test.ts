import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  graphTimestamp,
  startFakeGraph,
  type FailureSpec,
  type FakeGraph,
} from '../../../test/fakes/graph-server.js';
import {
  PlatformError,
  type ConnectorEnvironment,
  type PlatformConnector,
  type PlatformErrorKind,
  type PublishMedia,
  type PublishRequest,
} from '../connector.js';
import { FACEBOOK_SCOPES, createFacebookConnector } from './facebook.connector.js';

const START = Date.parse('2026-11-20T10:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

let now = START;
let fake: FakeGraph;
let connector: PlatformConnector;

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

beforeEach(async () => {
  now = START;
  fake = await startFakeGraph({ now: () => now });
  connector = createFacebookConnector(envFor());
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
  const page = fake.state.pages[0]!;
  return {
    idempotencyKey: 'post_01',
    attempt: 1,
    caption: 'Fresh roast today',
    link: null,
    firstComment: null,
    media: [],
    account: { platformAccountId: page.id, accessToken: page.accessToken, metadata: { pageId: page.id } },
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

/** `METHOD path` of every call the fake received. */
const calls = () => fake.state.requests.map((r) => `${r.method} ${r.path}`);

describe('Facebook connector: OAuth', () => {
  it('sends the user to the versioned Login dialog with the Page scopes', () => {
    const url = new URL(
      connector.authorizationUrl({ state: 'st_1', redirectUri: 'https://app.test/callback' }),
    );
    assert.equal(`${url.origin}${url.pathname}`, 'https://www.facebook.com/v21.0/dialog/oauth');
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      client_id: fake.clientId,
      redirect_uri: 'https://app.test/callback',
      state: 'st_1',
      scope: 'pages_show_list,pages_manage_posts,pages_read_engagement,pages_manage_engagement',
      response_type: 'code',
    });
    assert.equal(connector.usesPkce, false);
    assert.equal(connector.platform, 'facebook');
    assert.deepEqual([...FACEBOOK_SCOPES].slice(0, 3), [
      'pages_show_list',
      'pages_manage_posts',
      'pages_read_engagement',
    ]);
  });

  it('uses the configured API version', () => {
    const other = createFacebookConnector(envFor(), { version: 'v20.0' });
    assert.match(
      other.authorizationUrl({ state: 's', redirectUri: 'https://app.test/cb' }),
      /\/v20\.0\/dialog\/oauth\?/,
    );
  });

  it('trades the code for a long-lived user token and returns one account per Page with its Page token', async () => {
    const accounts = await connector.exchangeCode({
      code: 'code-1',
      redirectUri: 'https://app.test/callback',
    });

    assert.deepEqual(calls(), [
      'GET oauth/access_token',
      'GET oauth/access_token',
      'GET me/permissions',
      'GET me/accounts',
    ]);
    const [codeExchange, longLived, , listing] = fake.state.requests;
    assert.deepEqual(codeExchange!.query, {
      client_id: fake.clientId,
      client_secret: fake.clientSecret,
      redirect_uri: 'https://app.test/callback',
      code: 'code-1',
    });
    assert.equal(longLived!.query.grant_type, 'fb_exchange_token');
    assert.match(longLived!.query.fb_exchange_token!, /^EAA-user-short-/);
    assert.equal(listing!.query.fields, 'id,name,access_token');
    const userToken = listing!.query.access_token!;
    assert.match(userToken, /^EAA-user-long-/);

    assert.equal(accounts.length, 2);
    assert.deepEqual(
      accounts.map((a) => [a.platformAccountId, a.name, a.username, a.tokens.accessToken, a.metadata]),
      fake.state.pages.map((p) => [p.id, p.name, null, p.accessToken, { pageId: p.id }]),
    );
    for (const account of accounts) {
      assert.equal(account.tokens.refreshToken, userToken);
      assert.equal(account.tokens.expiresAt, null, 'Page tokens from a long-lived user token do not expire');
      assert.ok(account.tokens.scopes.includes('pages_manage_posts'));
    }
  });

  it('follows the me/accounts cursor across pages', async () => {
    await fake.close();
    fake = await startFakeGraph({
      now: () => now,
      accountsPageSize: 1,
      pages: [
        { id: '1', name: 'One' },
        { id: '2', name: 'Two' },
        { id: '3', name: 'Three' },
      ],
    });
    connector = createFacebookConnector(envFor());
    const accounts = await connector.exchangeCode({ code: 'c', redirectUri: 'https://app.test/cb' });
    assert.deepEqual(
      accounts.map((a) => a.platformAccountId),
      ['1', '2', '3'],
    );
    assert.deepEqual(
      fake.state.calls('GET', 'me/accounts').map((r) => r.query.after),
      [undefined, '1', '2'],
    );
  });

  it('refuses a code used twice (permanent, 100/36009)', async () => {
    await connector.exchangeCode({ code: 'once', redirectUri: 'https://app.test/cb' });
    const err = await rejection(connector.exchangeCode({ code: 'once', redirectUri: 'https://app.test/cb' }));
    assert.deepEqual([err.kind, err.code], ['permanent', '100/36009']);
  });

  it('fails when the user declined pages_manage_posts', async () => {
    fake.state.grantedScopes = ['pages_show_list', 'pages_read_engagement'];
    const err = await rejection(connector.exchangeCode({ code: 'c', redirectUri: 'https://app.test/cb' }));
    assert.deepEqual([err.kind, err.code], ['permanent', 'permissions_declined']);
    assert.match(err.message, /pages_manage_posts/);
    assert.equal(fake.state.calls('GET', 'me/accounts').length, 0);
  });

  it('refreshes a Page account by extending the user token behind it and keeping the Page token', async () => {
    const page = fake.state.pages[0]!;
    const tokens = {
      accessToken: page.accessToken,
      refreshToken: fake.state.userToken,
      expiresAt: null,
      scopes: ['x'],
    };
    const fresh = await connector.refresh(tokens);
    assert.equal(fresh.accessToken, page.accessToken);
    assert.notEqual(fresh.refreshToken, fake.state.userToken);
    assert.match(fresh.refreshToken!, /^EAA-user-long-/);
    assert.equal(fresh.expiresAt, null);
    assert.deepEqual(fresh.scopes, ['x']);
    const [exchange] = fake.state.requests;
    assert.deepEqual(
      [exchange!.path, exchange!.query.grant_type, exchange!.query.fb_exchange_token],
      ['oauth/access_token', 'fb_exchange_token', fake.state.userToken],
    );
  });

  it('refreshes a bare user token into a new long-lived one', async () => {
    const fresh = await connector.refresh({
      accessToken: fake.state.userToken,
      refreshToken: null,
      expiresAt: START + 1000,
      scopes: [],
    });
    assert.match(fresh.accessToken, /^EAA-user-long-/);
    assert.equal(fresh.expiresAt, START + 5183944 * 1000);
  });

  it('reports an expired user token as auth_expired on refresh', async () => {
    fake.state.expireToken(fake.state.userToken);
    const err = await rejection(
      connector.refresh({
        accessToken: 'EAA-page-101',
        refreshToken: fake.state.userToken,
        expiresAt: null,
        scopes: [],
      }),
    );
    assert.deepEqual([err.kind, err.code], ['auth_expired', '190/463']);
  });
});

describe('Facebook connector: publish', () => {
  it('publishes text with a link to the feed and reads the permalink', async () => {
    const result = await connector.publish(request({ link: 'https://acme.test/roast' }));
    const post = fake.state.posts[0]!;
    assert.equal(fake.state.posts.length, 1);
    assert.deepEqual([post.message, post.link], ['Fresh roast today', 'https://acme.test/roast']);
    assert.deepEqual(result, {
      platformPostId: post.id,
      platformUrl: `https://www.facebook.com/101/posts/${post.id.split('_')[1]}`,
      publishedAt: START,
    });
    assert.deepEqual(calls(), ['POST 101/feed', `GET ${post.id}`]);
    assert.deepEqual(fake.state.requests[0]!.body, {
      message: 'Fresh roast today',
      link: 'https://acme.test/roast',
      access_token: 'EAA-page-101',
      appsecret_proof: fake.state.requests[0]!.body.appsecret_proof,
    });
  });

  it('publishes one photo through /photos with url and caption (the link appended)', async () => {
    const result = await connector.publish(
      request({ media: [media('image', 'a.jpg')], link: 'https://acme.test' }),
    );
    const [photo] = fake.state.photos;
    assert.deepEqual(calls().slice(0, 1), ['POST 101/photos']);
    assert.equal(fake.state.requests[0]!.body.url, 'https://media.audenci.test/a.jpg');
    assert.equal(fake.state.requests[0]!.body.caption, 'Fresh roast today\nhttps://acme.test');
    assert.equal(fake.state.requests[0]!.body.published, 'true');
    assert.equal(photo!.published, true);
    assert.equal(result.platformPostId, fake.state.posts[0]!.id);
    assert.deepEqual(fake.state.posts[0]!.photoIds, [photo!.id]);
  });

  it('publishes several photos as unpublished uploads attached to one feed post', async () => {
    const result = await connector.publish(
      request({ media: [media('image', 'a.jpg'), media('image', 'b.jpg')] }),
    );
    assert.deepEqual(calls().slice(0, 3), ['POST 101/photos', 'POST 101/photos', 'POST 101/feed']);
    assert.deepEqual(
      fake.state.photos.map((p) => [p.url, p.published]),
      [
        ['https://media.audenci.test/a.jpg', false],
        ['https://media.audenci.test/b.jpg', false],
      ],
    );
    const feed = fake.state.requests[2]!;
    assert.equal(feed.contentType, 'application/json');
    assert.deepEqual(
      feed.body.attached_media,
      fake.state.photos.map((p) => ({ media_fbid: p.id })),
    );
    assert.equal(fake.state.posts.length, 1);
    assert.equal(result.platformPostId, fake.state.posts[0]!.id);
    assert.deepEqual(
      fake.state.posts[0]!.photoIds,
      fake.state.photos.map((p) => p.id),
    );
  });

  it('publishes one video through /videos with file_url and an absolute permalink', async () => {
    const result = await connector.publish(request({ media: [media('video', 'v.mp4')] }));
    const [video] = fake.state.videos;
    assert.deepEqual(
      [video!.fileUrl, video!.description],
      ['https://media.audenci.test/v.mp4', 'Fresh roast today'],
    );
    assert.deepEqual(result, {
      platformPostId: video!.id,
      platformUrl: `https://www.facebook.com/101/videos/${video!.id}/`,
      publishedAt: START,
    });
  });

  it('refuses a video mixed with photos before calling Facebook', async () => {
    const err = await rejection(
      connector.publish(request({ media: [media('video', 'v.mp4'), media('image', 'a.jpg')] })),
    );
    assert.deepEqual([err.kind, err.code], ['invalid_content', 'media_mix']);
    assert.equal(fake.state.requests.length, 0);
  });

  it('posts the first comment under the new post as the Page', async () => {
    const result = await connector.publish(request({ firstComment: '#coffee #roast' }));
    assert.deepEqual(calls().at(-1), `POST ${result.platformPostId}/comments`);
    assert.deepEqual(
      fake.state.comments.map((c) => [c.parentId, c.message, c.fromId]),
      [[result.platformPostId, '#coffee #roast', '101']],
    );
  });

  it('drops a first comment Facebook refuses (the post is live)', async () => {
    fake.state.failNext({ kind: 'invalid', match: { method: 'POST', path: /\/comments$/ } });
    const result = await connector.publish(request({ firstComment: 'nope' }));
    assert.equal(result.platformPostId, fake.state.posts[0]!.id);
    assert.equal(fake.state.comments.length, 0);
  });

  it('fails on a transient first-comment error; the retry finds the post and adds the comment', async () => {
    fake.state.failNext({ kind: 'transient', match: { method: 'POST', path: /\/comments$/ } });
    const err = await rejection(connector.publish(request({ firstComment: 'First!' })));
    assert.equal(err.kind, 'transient');
    now += 60_000;
    const result = await connector.publish(request({ firstComment: 'First!', attempt: 2 }));
    assert.equal(fake.state.posts.length, 1);
    assert.equal(result.platformPostId, fake.state.posts[0]!.id);
    assert.deepEqual(
      fake.state.comments.map((c) => c.message),
      ['First!'],
    );
  });

  it('a Page token from another Page is a permanent permissions error', async () => {
    const other = fake.state.pages[1]!;
    const err = await rejection(
      connector.publish(
        request({ account: { platformAccountId: '101', accessToken: other.accessToken, metadata: {} } }),
      ),
    );
    assert.deepEqual([err.kind, err.code, err.options.status], ['permanent', '200', 403]);
    assert.equal(fake.state.posts.length, 0);
  });

  const failures: [string, FailureSpec, PlatformErrorKind, string, number?][] = [
    ['a Page rate limit', { kind: 'rate_limit', code: 32, regainMinutes: 10 }, 'rate_limited', '32', 600],
    ['a BUC rate limit', { kind: 'rate_limit', code: 80001, regainMinutes: 1 }, 'rate_limited', '80001', 60],
    ['an expired Page token', { kind: 'auth_expired' }, 'auth_expired', '190/463'],
    ['a transient Graph error', { kind: 'transient' }, 'transient', '2'],
    ['an HTTP 500', { kind: 'http_500' }, 'transient', 'http_500'],
    ['an invalid parameter', { kind: 'invalid' }, 'invalid_content', '100'],
    [
      'a duplicate post',
      { kind: 'error', error: { message: 'Duplicate status message', code: 506 } },
      'invalid_content',
      '506',
    ],
  ];
  for (const [name, spec, kind, code, retryAfter] of failures) {
    it(`classifies ${name} on the feed as ${kind}`, async () => {
      fake.state.failNext({ ...spec, match: { method: 'POST', path: '101/feed' } });
      const err = await rejection(connector.publish(request()));
      assert.deepEqual([err.kind, err.code, err.options.retryAfterSeconds], [kind, code, retryAfter]);
      assert.equal(fake.state.posts.length, 0);
    });
  }

  it('still answers when the permalink lookup fails after the post was created', async () => {
    fake.state.failNext({ kind: 'transient', match: { method: 'GET', path: /^101_/ } });
    const result = await connector.publish(request());
    const post = fake.state.posts[0]!;
    assert.deepEqual(result, {
      platformPostId: post.id,
      platformUrl: `https://www.facebook.com/101/posts/${post.id.split('_')[1]}`,
      publishedAt: START,
    });
  });
});

describe('Facebook connector: a retried publish does not post twice', () => {
  it('returns the post a crashed attempt created instead of posting again', async () => {
    // Facebook creates the post, then the answer is lost (as if we crashed before committing).
    fake.state.failNext({ kind: 'http_500', afterEffect: true, match: { method: 'POST', path: '101/feed' } });
    const err = await rejection(connector.publish(request()));
    assert.equal(err.kind, 'transient');
    assert.equal(fake.state.posts.length, 1);

    now += 5 * 60_000;
    const result = await connector.publish(request({ attempt: 2 }));
    const post = fake.state.posts[0]!;
    assert.equal(fake.state.posts.length, 1, 'no second post');
    assert.deepEqual(result, {
      platformPostId: post.id,
      platformUrl: `https://www.facebook.com/101/posts/${post.id.split('_')[1]}`,
      publishedAt: START,
    });
    assert.equal(fake.state.calls('POST', '101/feed').length, 1);
    const [lookup] = fake.state.calls('GET', '101/posts');
    assert.deepEqual(
      [lookup!.query.fields, lookup!.query.since],
      ['id,message,created_time,permalink_url', String(Math.floor((now - DAY) / 1000))],
    );
  });

  it('finds an earlier photo post and an earlier video the same way', async () => {
    const photo = await connector.publish(request({ media: [media('image', 'a.jpg')] }));
    const video = await connector.publish(
      request({ caption: 'Watch us roast', media: [media('video', 'v.mp4')] }),
    );
    now += 60_000;
    assert.deepEqual(
      await connector.publish(request({ attempt: 2, media: [media('image', 'a.jpg')] })),
      photo,
    );
    const again = await connector.publish(
      request({ attempt: 3, caption: 'Watch us roast', media: [media('video', 'v.mp4')] }),
    );
    assert.deepEqual(again, video);
    assert.equal(fake.state.calls('POST', '101/photos').length, 1);
    assert.equal(fake.state.calls('POST', '101/videos').length, 1);
    assert.equal(fake.state.calls('GET', '101/videos').length, 1);
  });

  it('posts again when the only post with that text is older than the lookback window or differs', async () => {
    fake.state.addPost({ pageId: '101', message: 'Fresh roast today', createdTime: START - 2 * DAY });
    fake.state.addPost({ pageId: '101', message: 'Something else', createdTime: START - 60_000 });
    const result = await connector.publish(request({ attempt: 2 }));
    assert.equal(fake.state.posts.length, 3);
    assert.equal(result.platformPostId, fake.state.posts[2]!.id);
    assert.equal(result.publishedAt, START);
  });

  it('takes the oldest match within the window', async () => {
    const first = fake.state.addPost({
      pageId: '101',
      message: 'Fresh roast today',
      createdTime: START - 3600_000,
    });
    fake.state.addPost({ pageId: '101', message: 'Fresh roast today', createdTime: START - 60_000 });
    const result = await connector.publish(request({ attempt: 2 }));
    assert.equal(result.platformPostId, first.id);
    assert.equal(result.publishedAt, Date.parse(graphTimestamp(START - 3600_000)));
  });

  it('fails the attempt when the lookup fails rather than risk a duplicate', async () => {
    fake.state.failNext({ kind: 'rate_limit', code: 32, match: { method: 'GET', path: '101/posts' } });
    const err = await rejection(connector.publish(request({ attempt: 2 })));
    assert.equal(err.kind, 'rate_limited');
    assert.equal(fake.state.posts.length, 0);
  });

  it('does not look anything up on the first attempt', async () => {
    await connector.publish(request());
    assert.equal(fake.state.calls('GET', '101/posts').length, 0);
  });
});
