import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeGraph, type FakeGraph } from '../../test/fakes/graph-server.js';
import { startFakeX, type FakeX } from '../../test/fakes/x-server.js';
import { PlatformError, type ConnectorEnvironment, type PlatformConnector } from './connector.js';
import { createFacebookConnector } from './facebook/facebook.connector.js';
import { createInstagramConnector } from './instagram/instagram.connector.js';
import { createTwitterConnector } from './twitter/twitter.connector.js';

/**
 * Each real connector's metrics, account-stats and comments calls against its local platform server,
 * including a rate-limited answer classified `rate_limited` with `retryAfterSeconds` (which the metrics
 * sync turns into a later retry and the comment sync into a deferred `next_sync_at`).
 */

async function rejection(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PlatformError, `expected a PlatformError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

const envFor = (url: string, clientId: string, clientSecret?: string): ConnectorEnvironment => ({
  apiBaseUrl: url,
  authBaseUrl: url,
  clientId,
  clientSecret,
  fetch,
  now: Date.now,
  timeoutMs: 2000,
});

describe('X insights and comments', () => {
  let x: FakeX;
  let connector: PlatformConnector;
  let account: { platformAccountId: string; accessToken: string; metadata: Record<string, string> };
  before(async () => {
    x = await startFakeX();
    connector = createTwitterConnector(envFor(x.url, x.clientId, x.clientSecret ?? undefined));
    account = { platformAccountId: x.user.id, accessToken: x.issueTokens().accessToken, metadata: {} };
  });
  after(() => x.close());

  it('maps public and non-public metrics of a recent post', async () => {
    const post = x.addTweet({ text: 'Read https://audenci.example/blog', createdAt: Date.now() - 3600_000 });
    x.setTweetMetrics(post.id, {
      impression_count: 1200,
      like_count: 40,
      reply_count: 5,
      retweet_count: 7,
      quote_count: 3,
      bookmark_count: 9,
      url_link_clicks: 31,
    });
    const metrics = await connector.fetchMetrics!({
      platformPostId: post.id,
      postId: 'post_1',
      publishedAt: post.createdAt,
      account,
    });
    assert.deepEqual(metrics, {
      impressions: 1200,
      reach: null,
      likes: 40,
      comments: 5,
      shares: 10,
      saves: 9,
      clicks: 31,
      videoViews: null,
    });
    const [request] = x.requestsTo('tweetsLookup').slice(-1);
    assert.equal(request!.query.ids, post.id);
    assert.equal(request!.query['tweet.fields'], 'public_metrics,non_public_metrics,organic_metrics');
  });

  it('asks only for public metrics after 30 days (clicks unknown)', async () => {
    const old = x.addTweet({ text: 'old one', createdAt: Date.now() - 40 * 24 * 3600_000 });
    x.setTweetMetrics(old.id, { impression_count: 50, like_count: 2 });
    const metrics = await connector.fetchMetrics!({
      platformPostId: old.id,
      postId: 'post_2',
      publishedAt: old.createdAt,
      account,
    });
    assert.equal(metrics.impressions, 50);
    assert.equal(metrics.clicks, null);
    assert.equal(x.requestsTo('tweetsLookup').at(-1)!.query['tweet.fields'], 'public_metrics');
  });

  it('a deleted post is permanent', async () => {
    const error = await rejection(
      connector.fetchMetrics!({ platformPostId: '1999', postId: 'p', publishedAt: Date.now(), account }),
    );
    assert.equal(error.kind, 'permanent');
    assert.equal(error.code, 'resource-not-found');
  });

  it('a 429 is rate_limited with retryAfterSeconds from x-rate-limit-reset', async () => {
    const post = x.addTweet({ text: 'limited' });
    x.failNext('tweetsLookup', { kind: 'rate_limited', resetInSeconds: 120 });
    const error = await rejection(
      connector.fetchMetrics!({ platformPostId: post.id, postId: 'p', publishedAt: post.createdAt, account }),
    );
    assert.equal(error.kind, 'rate_limited');
    assert.ok(error.retryable);
    assert.ok(error.options.retryAfterSeconds! >= 119 && error.options.retryAfterSeconds! <= 121);
    // The retry goes through.
    const metrics = await connector.fetchMetrics!({
      platformPostId: post.id,
      postId: 'p',
      publishedAt: post.createdAt,
      account,
    });
    assert.equal(metrics.likes, 0);
  });

  it('account stats from /2/users/me public_metrics', async () => {
    x.setUserMetrics({ followers_count: 321, following_count: 12, tweet_count: 99 });
    assert.deepEqual(await connector.fetchAccountStats!({ account }), {
      followers: 321,
      following: 12,
      posts: 99,
    });
  });

  it('fetches replies by other users in the conversation, replies, and classifies a 429', async () => {
    const post = x.addTweet({ text: 'Thread root', createdAt: Date.now() - 2 * 3600_000 });
    const fan = { id: '777', name: 'A Fan', username: 'a_fan' };
    const first = x.addTweet({ text: 'Love it', inReplyToId: post.id, author: fan });
    x.addTweet({ text: 'Thanks!', inReplyToId: first.id });
    const request = { platformPostId: post.id, publishedAt: post.createdAt, account };
    const comments = await connector.fetchComments!(request);
    assert.equal(comments.length, 2);
    const fromFan = comments.find((c) => c.platformCommentId === first.id)!;
    assert.equal(fromFan.authorHandle, 'a_fan');
    assert.equal(fromFan.authorName, 'A Fan');
    assert.equal(fromFan.parentPlatformCommentId, null);
    const ours = comments.find((c) => c.platformCommentId !== first.id)!;
    assert.equal(ours.parentPlatformCommentId, first.id);
    assert.equal(ours.authorId, x.user.id);

    const reply = await connector.replyToComment!({
      platformPostId: post.id,
      platformCommentId: first.id,
      text: 'Glad you like it',
      account,
    });
    const stored = x.state.tweets.find((t) => t.id === reply.platformCommentId)!;
    assert.equal(stored.inReplyToId, first.id);
    assert.equal(stored.conversationId, post.id);

    x.failNext('searchRecent', { kind: 'rate_limited', resetInSeconds: 60 });
    const error = await rejection(connector.fetchComments!(request));
    assert.equal(error.kind, 'rate_limited');
    assert.ok(error.options.retryAfterSeconds! > 0);
    assert.equal((await connector.fetchComments!(request)).length, 3);
  });
});

describe('Facebook insights and comments', () => {
  let fake: FakeGraph;
  let connector: PlatformConnector;
  let account: { platformAccountId: string; accessToken: string; metadata: Record<string, string> };
  before(async () => {
    fake = await startFakeGraph();
    connector = createFacebookConnector(envFor(fake.url, fake.clientId, fake.clientSecret));
    const page = fake.state.pages[0]!;
    account = { platformAccountId: page.id, accessToken: page.accessToken, metadata: {} };
  });
  after(() => fake.close());

  it('post views, viewers, clicks, reactions, comments and shares', async () => {
    const post = fake.state.addPost({ pageId: '101', message: 'Hi', createdTime: Date.now() });
    fake.state.setInsights(post.id, {
      post_media_view: 800,
      post_total_media_view_unique: 500,
      post_clicks: 25,
      reactions: 61,
      shares: 4,
    });
    fake.state.addComment({ on: post.id, message: 'Nice' });
    const metrics = await connector.fetchMetrics!({
      platformPostId: post.id,
      postId: 'post_fb',
      publishedAt: post.createdTime,
      account,
    });
    assert.deepEqual(metrics, {
      impressions: 800,
      reach: 500,
      likes: 61,
      comments: 1,
      shares: 4,
      saves: null,
      clicks: 25,
      videoViews: null,
    });
    assert.equal(
      fake.state.calls('GET', `${post.id}/insights`)[0]!.query.metric,
      'post_media_view,post_total_media_view_unique,post_clicks',
    );
  });

  it('asks again without post_clicks when Graph has retired it, keeping views and viewers', async () => {
    const post = fake.state.addPost({ pageId: '101', message: 'Retired', createdTime: Date.now() });
    fake.state.setInsights(post.id, {
      post_media_view: 300,
      post_total_media_view_unique: 200,
      post_clicks: 9,
    });
    fake.state.retiredMetrics.add('post_clicks');
    try {
      const metrics = await connector.fetchMetrics!({
        platformPostId: post.id,
        postId: 'post_fb_retired',
        publishedAt: post.createdTime,
        account,
      });
      assert.equal(metrics.impressions, 300);
      assert.equal(metrics.reach, 200);
      assert.equal(metrics.clicks, null, 'unknown, not zero');
      assert.deepEqual(
        fake.state.calls('GET', `${post.id}/insights`).map((c) => c.query.metric),
        [
          'post_media_view,post_total_media_view_unique,post_clicks',
          'post_media_view,post_total_media_view_unique',
        ],
      );
    } finally {
      fake.state.retiredMetrics.delete('post_clicks');
    }
  });

  it('rate limit codes 4, 17, 32 and 613 are rate_limited with retryAfterSeconds', async () => {
    const post = fake.state.addPost({ pageId: '101', message: 'Busy', createdTime: Date.now() });
    for (const code of [4, 17, 32, 613]) {
      fake.state.failNext({
        kind: 'rate_limit',
        code,
        regainMinutes: 5,
        match: { path: `${post.id}/insights` },
      });
      const error = await rejection(
        connector.fetchMetrics!({ platformPostId: post.id, postId: 'p', publishedAt: 0, account }),
      );
      assert.equal(error.kind, 'rate_limited', `code ${code}`);
      assert.equal(error.options.retryAfterSeconds, 300, `code ${code}`);
    }
  });

  it('Page followers', async () => {
    fake.state.setInsights('101', { followers_count: 4321, fan_count: 4000 });
    assert.deepEqual(await connector.fetchAccountStats!({ account }), {
      followers: 4321,
      following: null,
      posts: null,
    });
  });

  it('comments with replies (filter=stream, parent), replying to a comment, and a rate limit', async () => {
    const post = fake.state.addPost({ pageId: '101', message: 'Talk', createdTime: Date.now() - 60_000 });
    const top = fake.state.addComment({
      on: post.id,
      message: 'Question?',
      fromName: 'Ann',
      createdTime: Date.now() - 50_000,
    });
    fake.state.addComment({
      on: top.id,
      message: 'Same here',
      fromName: 'Bob',
      createdTime: Date.now() - 40_000,
    });
    const request = { platformPostId: post.id, publishedAt: post.createdTime, account };
    const comments = await connector.fetchComments!(request);
    assert.deepEqual(
      comments.map((c) => [c.text, c.authorName, c.parentPlatformCommentId]),
      [
        ['Question?', 'Ann', null],
        ['Same here', 'Bob', top.id],
      ],
    );
    const reply = await connector.replyToComment!({
      platformPostId: post.id,
      platformCommentId: top.id,
      text: 'Answer',
      account,
    });
    assert.equal(fake.state.comments.find((c) => c.id === reply.platformCommentId)!.parentId, top.id);
    assert.equal((await connector.fetchComments!(request)).length, 3);

    fake.state.failNext({
      kind: 'rate_limit',
      code: 32,
      regainMinutes: 2,
      match: { path: `${post.id}/comments` },
    });
    const error = await rejection(connector.fetchComments!(request));
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.options.retryAfterSeconds, 120);
  });
});

describe('Instagram insights and comments', () => {
  let fake: FakeGraph;
  let connector: PlatformConnector;
  let account: { platformAccountId: string; accessToken: string; metadata: Record<string, string> };
  const igUserId = '17841400000000001';
  before(async () => {
    fake = await startFakeGraph();
    connector = createInstagramConnector(envFor(fake.url, fake.clientId, fake.clientSecret));
    account = { platformAccountId: igUserId, accessToken: fake.state.userToken, metadata: { pageId: '101' } };
  });
  after(() => fake.close());

  it('media insights use views (not the deprecated impressions)', async () => {
    const media = fake.state.addMedia({ igUserId, caption: 'Pic', timestamp: Date.now() });
    fake.state.setInsights(media.id, {
      views: 900,
      reach: 700,
      likes: 80,
      comments: 6,
      shares: 3,
      saved: 11,
    });
    const metrics = await connector.fetchMetrics!({
      platformPostId: media.id,
      postId: 'post_ig',
      publishedAt: media.timestamp,
      account,
    });
    assert.deepEqual(metrics, {
      impressions: 900,
      reach: 700,
      likes: 80,
      comments: 6,
      shares: 3,
      saves: 11,
      clicks: null,
      videoViews: null,
    });
    assert.doesNotMatch(fake.state.calls('GET', `${media.id}/insights`)[0]!.query.metric!, /impressions/);
  });

  it('a Graph rate limit (HTTP 403, code 17) is rate_limited', async () => {
    const media = fake.state.addMedia({ igUserId, caption: 'Busy', timestamp: Date.now() });
    fake.state.failNext({
      kind: 'error',
      status: 403,
      error: { message: '(#17) User request limit reached', code: 17, is_transient: true },
      headers: { 'x-app-usage': JSON.stringify({ call_count: 100, estimated_time_to_regain_access: 3 }) },
      match: { path: `${media.id}/insights` },
    });
    const error = await rejection(
      connector.fetchMetrics!({ platformPostId: media.id, postId: 'p', publishedAt: 0, account }),
    );
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.options.retryAfterSeconds, 180);
  });

  it('account followers, follows and media count', async () => {
    fake.state.setInsights(igUserId, { followers_count: 1500, follows_count: 20, media_count: 77 });
    assert.deepEqual(await connector.fetchAccountStats!({ account }), {
      followers: 1500,
      following: 20,
      posts: 77,
    });
  });

  it('comments with nested replies, replying through /replies, and a rate limit', async () => {
    const media = fake.state.addMedia({ igUserId, caption: 'Talk', timestamp: Date.now() - 60_000 });
    const top = fake.state.addComment({
      on: media.id,
      message: 'Wow',
      fromName: 'ann_ig',
      createdTime: Date.now() - 50_000,
    });
    fake.state.addComment({
      on: top.id,
      message: 'Agreed',
      fromName: 'bob_ig',
      createdTime: Date.now() - 40_000,
    });
    const request = { platformPostId: media.id, publishedAt: media.timestamp, account };
    const comments = await connector.fetchComments!(request);
    assert.deepEqual(
      comments.map((c) => [c.text, c.authorHandle, c.parentPlatformCommentId]),
      [
        ['Wow', 'ann_ig', null],
        ['Agreed', 'bob_ig', top.id],
      ],
    );
    const reply = await connector.replyToComment!({
      platformPostId: media.id,
      platformCommentId: top.id,
      text: 'Thanks',
      account,
    });
    assert.equal(fake.state.calls('POST', `${top.id}/replies`).length, 1);
    assert.equal(fake.state.comments.find((c) => c.id === reply.platformCommentId)!.parentId, top.id);
    assert.equal((await connector.fetchComments!(request)).length, 3);

    fake.state.failNext({
      kind: 'rate_limit',
      code: 4,
      regainMinutes: 1,
      match: { path: `${media.id}/comments` },
    });
    const error = await rejection(connector.fetchComments!(request));
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.options.retryAfterSeconds, 60);
  });
});
