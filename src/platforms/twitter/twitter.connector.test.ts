import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startFakeX, type FakeX, type FakeXOptions } from '../../../test/fakes/x-server.js';
import {
  PlatformError,
  type ConnectorEnvironment,
  type PlatformConnector,
  type PublishMedia,
} from '../connector.js';
import {
  DUPLICATE_LOOKBACK_MS,
  composeText,
  createTwitterConnector,
  type TwitterPublishRequest,
} from './twitter.connector.js';
import { classifyApiError, classifyTokenError, retryAfterSeconds } from './twitter.errors.js';

const SCOPES = 'tweet.read tweet.write users.read offline.access media.write';
const REDIRECT_URI = 'https://audenci.example/api/v1/social-accounts/callback';

let x: FakeX;
let env: ConnectorEnvironment;
let connector: PlatformConnector;

async function useFakeX(options: FakeXOptions = {}) {
  x = await startFakeX(options);
  env = {
    apiBaseUrl: x.url,
    authBaseUrl: x.url,
    clientId: x.clientId,
    clientSecret: x.clientSecret ?? undefined,
    fetch,
    now: Date.now,
    timeoutMs: 2000,
  };
  connector = createTwitterConnector(env);
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function image(bytes: Buffer, mimeType = 'image/png'): PublishMedia {
  return { id: 'med_1', type: 'image', mimeType, url: 'https://media.example/1', read: async () => bytes };
}

/** A publish request as the worker makes it, with a fresh token for the fake's user. */
function publishRequest(overrides: Partial<TwitterPublishRequest> = {}): TwitterPublishRequest {
  const { accessToken } = x.issueTokens();
  return {
    idempotencyKey: 'post_01JDXQ',
    attempt: 1,
    caption: 'Hello from Audenci',
    link: null,
    firstComment: null,
    media: [],
    account: {
      platformAccountId: x.user.id,
      accessToken,
      metadata: { username: x.user.username },
    },
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<PlatformError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PlatformError, `expected a PlatformError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('X connector', () => {
  beforeEach(() => useFakeX());
  afterEach(() => x.close());

  describe('authorization URL', () => {
    it('points at /i/oauth2/authorize with every parameter X asks for, S256 PKCE included', () => {
      const url = connector.authorizationUrl({
        state: 'st_123',
        redirectUri: REDIRECT_URI,
        codeChallenge: 'ch_abc',
      });
      const parsed = new URL(url);
      assert.equal(`${parsed.origin}${parsed.pathname}`, `${x.url}/i/oauth2/authorize`);
      assert.deepEqual(Object.fromEntries(parsed.searchParams), {
        response_type: 'code',
        client_id: x.clientId,
        redirect_uri: REDIRECT_URI,
        scope: SCOPES,
        state: 'st_123',
        code_challenge: 'ch_abc',
        code_challenge_method: 'S256',
      });
      assert.match(url, /scope=tweet\.read%20tweet\.write%20users\.read%20offline\.access%20media\.write&/);
      assert.equal(connector.usesPkce, true);
      assert.equal(connector.platform, 'twitter');
    });

    it('refuses to build a URL without a code challenge or a client id', async () => {
      assert.throws(
        () => connector.authorizationUrl({ state: 's', redirectUri: REDIRECT_URI }),
        (e: unknown) => e instanceof PlatformError && e.kind === 'permanent' && e.code === 'pkce_required',
      );
      const unconfigured = createTwitterConnector({ ...env, clientId: undefined });
      assert.throws(
        () => unconfigured.authorizationUrl({ state: 's', redirectUri: REDIRECT_URI, codeChallenge: 'c' }),
        (e: unknown) => e instanceof PlatformError && e.code === 'not_configured',
      );
    });
  });

  describe('code exchange and refresh', () => {
    /** Sends the "browser" to the authorization URL; the fake user approves at once. */
    async function authorize(challenge: string): Promise<string> {
      const url = connector.authorizationUrl({
        state: 'st_9',
        redirectUri: REDIRECT_URI,
        codeChallenge: challenge,
      });
      const res = await fetch(url, { redirect: 'manual' });
      assert.equal(res.status, 302);
      const callback = new URL(res.headers.get('location')!);
      assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT_URI);
      assert.equal(callback.searchParams.get('state'), 'st_9');
      return callback.searchParams.get('code')!;
    }

    it('trades the code and PKCE verifier for tokens and the account from /2/users/me', async () => {
      const { verifier, challenge } = pkce();
      const code = await authorize(challenge);
      const before = Date.now();
      const accounts = await connector.exchangeCode({
        code,
        redirectUri: REDIRECT_URI,
        codeVerifier: verifier,
      });

      assert.equal(accounts.length, 1);
      const [account] = accounts;
      assert.equal(account!.platformAccountId, x.user.id);
      assert.equal(account!.name, x.user.name);
      assert.equal(account!.username, x.user.username);
      assert.deepEqual(account!.metadata, { username: x.user.username });
      assert.ok(x.state.accessTokens.has(account!.tokens.accessToken));
      assert.ok(x.state.refreshTokens.has(account!.tokens.refreshToken!));
      assert.deepEqual(account!.tokens.scopes, SCOPES.split(' '));
      const expiresIn = account!.tokens.expiresAt! - before;
      assert.ok(expiresIn > 7_190_000 && expiresIn <= 7_200_000 + 1000, `expires in ${expiresIn} ms`);

      const [token] = x.requestsTo('token');
      assert.equal(token!.headers['content-type'], 'application/x-www-form-urlencoded');
      const basic = Buffer.from(`${x.clientId}:${x.clientSecret}`).toString('base64');
      assert.equal(token!.headers.authorization, `Basic ${basic}`);
      assert.deepEqual(token!.form, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      });
      const [me] = x.requestsTo('me');
      assert.equal(me!.headers.authorization, `Bearer ${account!.tokens.accessToken}`);
    });

    it('a verifier that does not match the challenge is refused: auth_expired (X says invalid_request)', async () => {
      const code = await authorize(pkce().challenge);
      const error = await rejection(
        connector.exchangeCode({ code, redirectUri: REDIRECT_URI, codeVerifier: pkce().verifier }),
      );
      assert.equal(error.kind, 'auth_expired');
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.options.status, 400);
      assert.equal(x.requestsTo('me').length, 0);
    });

    it('a public client (no secret) puts client_id in the form instead of Basic auth', async () => {
      await x.close();
      await useFakeX({ clientSecret: null });
      const { verifier, challenge } = pkce();
      const code = await authorize(challenge);
      const [account] = await connector.exchangeCode({
        code,
        redirectUri: REDIRECT_URI,
        codeVerifier: verifier,
      });
      assert.equal(account!.platformAccountId, x.user.id);
      const [token] = x.requestsTo('token');
      assert.equal(token!.headers.authorization, undefined);
      assert.equal(token!.form!.client_id, x.clientId);
    });

    it('refresh rotates both tokens; the spent refresh token is then refused as auth_expired', async () => {
      const issued = x.issueTokens();
      const old = { ...issued, scopes: issued.scopes };
      const fresh = await connector.refresh(old);
      assert.notEqual(fresh.accessToken, old.accessToken);
      assert.notEqual(fresh.refreshToken, old.refreshToken);
      assert.ok(x.state.accessTokens.has(fresh.accessToken));
      assert.deepEqual(fresh.scopes, SCOPES.split(' '));

      const [token] = x.requestsTo('token');
      assert.deepEqual(token!.form, { grant_type: 'refresh_token', refresh_token: old.refreshToken });
      assert.match(String(token!.headers.authorization), /^Basic /);

      const error = await rejection(connector.refresh(old));
      assert.equal(error.kind, 'auth_expired');
      const none = await rejection(connector.refresh({ ...old, refreshToken: null }));
      assert.equal(none.code, 'no_refresh_token');
    });
  });

  describe('publish', () => {
    it('publishes text: POST /2/tweets {text} with the bearer token, and links the post', async () => {
      const request = publishRequest();
      const before = Date.now();
      const result = await connector.publish(request);

      assert.equal(x.state.tweets.length, 1);
      const [tweet] = x.state.tweets;
      assert.equal(result.platformPostId, tweet!.id);
      assert.equal(result.platformUrl, `https://x.com/${x.user.username}/status/${tweet!.id}`);
      assert.ok(result.publishedAt >= before && result.publishedAt <= Date.now());

      const [create] = x.requestsTo('createTweet');
      assert.equal(create!.headers.authorization, `Bearer ${request.account.accessToken}`);
      assert.equal(create!.headers['content-type'], 'application/json');
      assert.deepEqual(create!.json, { text: 'Hello from Audenci' });
      assert.deepEqual(
        x.state.requests.map((r) => `${r.method} ${r.path}`),
        ['POST /2/tweets'],
      );
    });

    it('without a username the link uses /i/status/', async () => {
      const request = publishRequest();
      const result = await connector.publish({ ...request, account: { ...request.account, metadata: {} } });
      assert.equal(result.platformUrl, `https://x.com/i/status/${result.platformPostId}`);
    });

    it('appends the link to the text, after one space', async () => {
      await connector.publish(
        publishRequest({ caption: 'Launch day!', link: 'https://example.com/launch?ref=x' }),
      );
      const [create] = x.requestsTo('createTweet');
      assert.deepEqual(create!.json, { text: 'Launch day! https://example.com/launch?ref=x' });
      assert.match(x.state.tweets[0]!.text, /^Launch day! https:\/\/t\.co\/\S+$/);
    });

    it('composes text: no double link, a link alone, trailing space dropped', () => {
      assert.equal(
        composeText('Read https://a.example now', 'https://a.example'),
        'Read https://a.example now',
      );
      assert.equal(composeText('  ', 'https://a.example'), 'https://a.example');
      assert.equal(composeText('Hi  \n', null), 'Hi');
      assert.equal(composeText('', null), '');
    });

    it('uploads an image (initialize, append, finalize) and attaches its media id', async () => {
      const bytes = randomBytes(300_000);
      const request = publishRequest({ caption: 'A picture', media: [image(bytes)] });
      const result = await connector.publish(request);

      assert.deepEqual(
        x.state.requests.map((r) => `${r.method} ${r.path.replace(/\d{10,}/, ':id')}`),
        [
          'POST /2/media/upload/initialize',
          'POST /2/media/upload/:id/append',
          'POST /2/media/upload/:id/finalize',
          'POST /2/tweets',
        ],
      );
      const [init] = x.requestsTo('mediaInitialize');
      assert.deepEqual(init!.json, {
        media_type: 'image/png',
        total_bytes: bytes.length,
        media_category: 'tweet_image',
      });
      const [media] = [...x.state.media.values()];
      assert.ok(media!.bytes?.equals(bytes), 'the fake received the exact bytes');
      const [append] = x.requestsTo('mediaAppend');
      assert.equal(append!.multipart!.segment_index, '0');
      assert.match(String(append!.headers['content-type']), /^multipart\/form-data; boundary=/);
      for (const r of x.state.requests)
        assert.equal(r.headers.authorization, `Bearer ${request.account.accessToken}`);

      const [create] = x.requestsTo('createTweet');
      assert.deepEqual(create!.json, { text: 'A picture', media: { media_ids: [media!.id] } });
      assert.deepEqual(x.state.tweets[0]!.mediaIds, [media!.id]);
      assert.equal(result.platformPostId, x.state.tweets[0]!.id);
    });

    it('sends a video in 4 MB segments and waits until X has processed it', async () => {
      await x.close();
      await useFakeX({ processingCheckAfterSecs: 0, processingPolls: 2 });
      const bytes = randomBytes(9 * 1024 * 1024);
      const video: PublishMedia = { ...image(bytes, 'video/mp4'), type: 'video' };
      await connector.publish(publishRequest({ caption: 'A film', media: [video] }));

      assert.deepEqual(
        x.requestsTo('mediaAppend').map((r) => r.multipart!.segment_index),
        ['0', '1', '2'],
      );
      assert.equal(x.requestsTo('mediaStatus').length, 2);
      assert.deepEqual(x.requestsTo('mediaStatus')[0]!.query, {
        command: 'STATUS',
        media_id: [...x.state.media.keys()][0],
      });
      const [media] = [...x.state.media.values()];
      assert.equal(media!.category, 'tweet_video');
      assert.ok(media!.bytes?.equals(bytes));
      assert.equal(x.state.tweets.length, 1);
    });

    it('posts the first comment as a reply to the post', async () => {
      const result = await connector.publish(publishRequest({ firstComment: '#launch #audenci' }));
      const [post, comment] = x.requestsTo('createTweet');
      assert.deepEqual(post!.json, { text: 'Hello from Audenci' });
      assert.deepEqual(comment!.json, {
        text: '#launch #audenci',
        reply: { in_reply_to_tweet_id: result.platformPostId },
      });
      assert.equal(x.state.tweets.length, 2);
      assert.equal(x.state.tweets[1]!.inReplyToId, result.platformPostId);
    });
  });

  describe('errors', () => {
    it('429 is rate_limited, retrying when x-rate-limit-reset says', async () => {
      x.failNext('createTweet', { kind: 'rate_limited', resetInSeconds: 120 });
      const error = await rejection(connector.publish(publishRequest()));
      assert.equal(error.kind, 'rate_limited');
      assert.equal(error.code, '429');
      assert.equal(error.options.status, 429);
      assert.ok(Math.abs(error.options.retryAfterSeconds! - 120) <= 1, `${error.options.retryAfterSeconds}`);
      assert.equal(error.retryable, true);
      assert.equal(x.state.tweets.length, 0);
    });

    it('429 from the 24-hour posting limit waits for that window, not the 15-minute one', async () => {
      x.failNext('createTweet', { kind: 'rate_limited', window: '24-hour', resetInSeconds: 7200 });
      const error = await rejection(connector.publish(publishRequest()));
      assert.ok(Math.abs(error.options.retryAfterSeconds! - 7200) <= 1, `${error.options.retryAfterSeconds}`);
    });

    it('an expired access token is auth_expired (401)', async () => {
      const request = publishRequest();
      x.expireAccessToken(request.account.accessToken);
      const error = await rejection(connector.publish(request));
      assert.equal(error.kind, 'auth_expired');
      assert.equal(error.options.status, 401);
      assert.equal(error.retryable, false);
    });

    it('503 is transient', async () => {
      x.failNext('createTweet', { kind: 'unavailable' });
      const error = await rejection(connector.publish(publishRequest()));
      assert.equal(error.kind, 'transient');
      assert.equal(error.code, '503');
      assert.equal(error.retryable, true);
    });

    it('a dropped connection is transient', async () => {
      x.failNext('mediaInitialize', { kind: 'drop' });
      const error = await rejection(connector.publish(publishRequest({ media: [image(randomBytes(10))] })));
      assert.equal(error.kind, 'transient');
      assert.equal(error.code, 'network_error');
      assert.equal(x.requestsTo('createTweet').length, 0);
    });

    it('no answer within env.timeoutMs is transient', async () => {
      const impatient = createTwitterConnector({ ...env, timeoutMs: 150 });
      x.failNext('createTweet', { kind: 'hang' });
      const started = Date.now();
      const error = await rejection(impatient.publish(publishRequest()));
      assert.equal(error.kind, 'transient');
      assert.equal(error.code, 'timeout');
      assert.ok(Date.now() - started < 2000);
    });

    it('403 duplicate on attempt 1 is invalid_content, without looking anything up', async () => {
      x.failNext('createTweet', { kind: 'duplicate' });
      const error = await rejection(connector.publish(publishRequest()));
      assert.equal(error.kind, 'invalid_content');
      assert.equal(error.code, '403');
      assert.match(error.message, /duplicate content/);
      assert.equal(x.requestsTo('userTweets').length, 0);
    });

    it('403 unsupported-authentication is permanent', async () => {
      x.failNext('createTweet', { kind: 'forbidden' });
      const error = await rejection(connector.publish(publishRequest()));
      assert.equal(error.kind, 'permanent');
      assert.equal(error.code, 'unsupported-authentication');
    });

    it('X refusing the media (400 invalid-request) is invalid_content', async () => {
      const error = await rejection(
        connector.publish(publishRequest({ media: [image(Buffer.alloc(0), 'application/x-unknown')] })),
      );
      assert.equal(error.kind, 'invalid_content');
      assert.equal(error.code, 'invalid-request');
    });

    it('reads retry-after (seconds or a date) when X sends no reset', () => {
      const now = Date.parse('2026-11-28T10:00:00Z');
      assert.equal(retryAfterSeconds(new Headers({ 'retry-after': '30' }), now), 30);
      assert.equal(
        retryAfterSeconds(new Headers({ 'retry-after': 'Sat, 28 Nov 2026 10:01:00 GMT' }), now),
        60,
      );
      assert.equal(retryAfterSeconds(new Headers(), now), undefined);
      // Not a Retry-After: no guess (the worker's schedule applies).
      assert.equal(retryAfterSeconds(new Headers({ 'retry-after': '-5' }), now), undefined);
      assert.equal(retryAfterSeconds(new Headers({ 'retry-after': 'soon' }), now), undefined);
    });

    it('classifies by status, problem type and OAuth error code — not by message text', () => {
      const blank = (status: number, detail: string) => ({ title: 'x', detail, type: 'about:blank', status });
      const h = new Headers();
      assert.equal(classifyApiError(403, h, blank(403, 'anything at all'), 0).kind, 'invalid_content');
      assert.equal(classifyApiError(404, h, blank(404, 'duplicate content'), 0).kind, 'permanent');
      assert.equal(classifyApiError(502, h, 'Bad gateway page', 0).kind, 'transient');
      const capped = { type: 'https://api.twitter.com/2/problems/usage-capped', title: 'Usage cap exceeded' };
      assert.equal(classifyApiError(429, h, capped, 0).code, 'usage-capped');
      assert.equal(classifyTokenError(400, h, { error: 'invalid_grant' }, 0).kind, 'auth_expired');
      assert.equal(classifyTokenError(401, h, { error: 'invalid_client' }, 0).kind, 'permanent');
      assert.equal(classifyTokenError(503, h, null, 0).kind, 'transient');
    });
  });

  describe('retried attempts (X has no idempotency key)', () => {
    it('attempt 2 after the process died past X’s answer returns the same post, not a second one', async () => {
      const firstAttemptAt = Date.now();
      const first = await connector.publish(publishRequest({ firstAttemptAt }));
      // Our commit never happened; the worker tries again.
      const second = await connector.publish(publishRequest({ attempt: 2, firstAttemptAt }));

      assert.equal(second.platformPostId, first.platformPostId);
      assert.equal(second.platformUrl, first.platformUrl);
      assert.equal(x.state.tweets.length, 1);
      assert.equal(x.requestsTo('createTweet').length, 2);
      const [lookup] = x.requestsTo('userTweets');
      assert.equal(lookup!.path, `/2/users/${x.user.id}/tweets`);
      assert.match(String(lookup!.headers.authorization), /^Bearer xat_/);
      assert.equal(lookup!.query.max_results, '100');
      assert.equal(lookup!.query.exclude, 'retweets');
      assert.equal(lookup!.query['tweet.fields'], 'created_at,entities,referenced_tweets');
      assert.match(lookup!.query.start_time!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.ok(Date.parse(lookup!.query.start_time!) <= firstAttemptAt - 60_000);
    });

    it('attempt 2 after a dropped answer finds the post through its t.co link and escaped text', async () => {
      const firstAttemptAt = Date.now();
      const request = { caption: 'Q&A <live> today', link: 'https://example.com/qa?x=1&y=2', firstAttemptAt };
      x.failNext('createTweet', { kind: 'drop_after_create' });
      const error = await rejection(connector.publish(publishRequest(request)));
      assert.equal(error.kind, 'transient');
      assert.equal(x.state.tweets.length, 1);
      assert.match(x.state.tweets[0]!.text, /^Q&amp;A &lt;live&gt; today https:\/\/t\.co\//);

      const result = await connector.publish(publishRequest({ ...request, attempt: 2 }));
      assert.equal(result.platformPostId, x.state.tweets[0]!.id);
      assert.equal(x.state.tweets.length, 1);
    });

    it('a retried post with media is found despite the media link X appends to its text', async () => {
      const firstAttemptAt = Date.now();
      const request = { caption: 'Look', media: [image(randomBytes(1000))], firstAttemptAt };
      x.failNext('createTweet', { kind: 'drop_after_create' });
      await rejection(connector.publish(publishRequest(request)));
      assert.match(x.state.tweets[0]!.text, /^Look https:\/\/t\.co\/\S+$/);

      const result = await connector.publish(publishRequest({ ...request, attempt: 2 }));
      assert.equal(result.platformPostId, x.state.tweets[0]!.id);
      assert.equal(x.state.tweets.length, 1);
    });

    it('a retry finds both the post and its first comment: neither is doubled', async () => {
      const firstAttemptAt = Date.now();
      const request = { caption: 'Big news', firstComment: '#news', firstAttemptAt };
      x.failNext('createTweet', { kind: 'drop_after_create' }, 1, 1); // the comment's answer is lost
      const error = await rejection(connector.publish(publishRequest(request)));
      assert.equal(error.kind, 'transient');
      assert.match(error.message, new RegExp(`post ${x.state.tweets[0]!.id} was published`));
      assert.equal(x.state.tweets.length, 2);

      const result = await connector.publish(publishRequest({ ...request, attempt: 2 }));
      assert.equal(result.platformPostId, x.state.tweets[0]!.id);
      assert.equal(x.state.tweets.length, 2);
      assert.equal(x.requestsTo('userTweets').length, 2);
    });

    it('without firstAttemptAt a retry looks back DUPLICATE_LOOKBACK_MS (a day)', async () => {
      const first = await connector.publish(publishRequest());
      const second = await connector.publish(publishRequest({ attempt: 2 }));
      assert.equal(second.platformPostId, first.platformPostId);
      const since = Date.parse(x.requestsTo('userTweets')[0]!.query.start_time!);
      assert.ok(Math.abs(Date.now() - DUPLICATE_LOOKBACK_MS - since) < 5000);
    });

    it('finds the earlier post behind hundreds of later ones, reading only its creation window', async () => {
      // The first attempt began 20 minutes ago and its post went out; then a dead worker's lease ran
      // out while 450 other posts were published (more than the 300 an earlier version read).
      const firstAttemptAt = Date.now() - 20 * 60_000;
      const original = x.addTweet({ text: 'Hello from Audenci', createdAt: firstAttemptAt + 2_000 });
      for (let i = 0; i < 450; i++) {
        x.addTweet({ text: `Later post ${i}`, createdAt: firstAttemptAt + 3_000 + i * 1_000 });
      }
      const before = x.requestsTo('userTweets').length;
      const result = await connector.publish(publishRequest({ attempt: 2, firstAttemptAt }));
      assert.equal(result.platformPostId, original.id);
      assert.equal(x.state.tweets.filter((t) => t.sourceText === 'Hello from Audenci').length, 1);
      const lookups = x.requestsTo('userTweets').slice(before);
      assert.ok(lookups.length >= 5, `paged through ${lookups.length} pages`);
      // The window ended CREATION_WINDOW_MS after the attempt began: nothing newer is read.
      const end = Date.parse(lookups[0]!.query.end_time!);
      assert.ok(
        end > firstAttemptAt + 15 * 60_000 && end < firstAttemptAt + 18 * 60_000,
        lookups[0]!.query.end_time,
      );
    });

    it('attempt 2 refused for a post made before the first attempt began is invalid_content', async () => {
      x.addTweet({ text: 'Hello from Audenci', createdAt: Date.now() - 3 * 60 * 60 * 1000 });
      const error = await rejection(
        connector.publish(publishRequest({ attempt: 2, firstAttemptAt: Date.now() - 60_000 })),
      );
      assert.equal(error.kind, 'invalid_content');
      assert.equal(x.requestsTo('userTweets').length, 1);
      assert.equal(x.state.tweets.length, 1);
    });

    it('a first comment X refuses for good does not fail the published post', async () => {
      x.failNext('createTweet', { kind: 'duplicate' }, 1, 1);
      const result = await connector.publish(publishRequest({ firstComment: '#again' }));
      assert.equal(result.platformPostId, x.state.tweets[0]!.id);
      assert.equal(x.state.tweets.length, 1);
    });

    it('a first comment failing for now is thrown, naming the live post', async () => {
      x.failNext('createTweet', { kind: 'unavailable' }, 1, 1);
      const error = await rejection(connector.publish(publishRequest({ firstComment: '#soon' })));
      assert.equal(error.kind, 'transient');
      assert.equal(error.code, '503');
      assert.match(error.message, new RegExp(`X post ${x.state.tweets[0]!.id} was published`));
    });
  });
});
