import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundedConnector, boundedMetric, PLATFORM_LIMITS } from './bounds.js';
import { PlatformError, type PlatformConnector, type PublishRequest } from './connector.js';
import { ConnectorRegistry } from './registry.js';

const account = { platformAccountId: 'u1', accessToken: 't', metadata: {} };
const publishRequest: PublishRequest = {
  idempotencyKey: 'post_1',
  attempt: 1,
  caption: 'Hi',
  link: null,
  firstComment: null,
  media: [],
  account,
};

/** A platform that answers whatever the test puts in `answers`. */
function platform(answers: Partial<Record<keyof PlatformConnector, unknown>>): PlatformConnector {
  const answer = (name: keyof PlatformConnector) => async () => {
    const value = answers[name];
    if (value instanceof Error) throw value;
    return structuredClone(value);
  };
  return {
    platform: 'twitter',
    usesPkce: false,
    authorizationUrl: () => 'https://x.test/authorize',
    exchangeCode: answer('exchangeCode') as PlatformConnector['exchangeCode'],
    refresh: answer('refresh') as PlatformConnector['refresh'],
    publish: answer('publish') as PlatformConnector['publish'],
    fetchComments: answer('fetchComments') as PlatformConnector['fetchComments'],
    replyToComment: answer('replyToComment') as PlatformConnector['replyToComment'],
    fetchMetrics: answer('fetchMetrics') as PlatformConnector['fetchMetrics'],
  };
}

describe('bounded connectors', () => {
  it("cuts a comment's text and author to their limits and drops what cannot be an id", async () => {
    const connector = boundedConnector(
      platform({
        fetchComments: [
          {
            platformCommentId: 'c1',
            parentPlatformCommentId: 'p'.repeat(300),
            authorId: 'a'.repeat(257),
            authorName: 'N'.repeat(5000),
            authorHandle: 'handle',
            text: 'x'.repeat(10_000),
            createdAt: 1,
          },
          {
            platformCommentId: 'c'.repeat(257),
            parentPlatformCommentId: null,
            authorId: null,
            authorName: null,
            authorHandle: null,
            text: 'lost',
            createdAt: 2,
          },
        ],
      }),
    );
    const comments = await connector.fetchComments!({ platformPostId: 'p', publishedAt: 0, account });
    assert.deepEqual(comments, [
      {
        platformCommentId: 'c1',
        parentPlatformCommentId: null,
        authorId: null,
        authorName: `${'N'.repeat(PLATFORM_LIMITS.name - 1)}…`,
        authorHandle: 'handle',
        text: `${'x'.repeat(PLATFORM_LIMITS.commentText - 1)}…`,
        createdAt: 1,
      },
    ]);
  });

  it('refuses a published post whose id or URL is longer than the API stores', async () => {
    for (const [answer, what] of [
      [
        { platformPostId: '1'.repeat(257), platformUrl: 'https://x.test/1', publishedAt: 1 },
        'a post id of 257',
      ],
      [
        { platformPostId: '1', platformUrl: `https://x.test/${'a'.repeat(2040)}`, publishedAt: 1 },
        'a post URL of 2055',
      ],
    ] as const) {
      await assert.rejects(
        boundedConnector(platform({ publish: answer })).publish(publishRequest),
        (error) => {
          assert.ok(error instanceof PlatformError);
          assert.equal(error.kind, 'permanent');
          assert.equal(error.code, 'answer_out_of_bounds');
          assert.equal(
            error.message,
            `The platform answered ${what} characters; at most ${what.includes('URL') ? 2048 : 256} are accepted`,
          );
          return true;
        },
      );
    }
    const ok = { platformPostId: '1'.repeat(256), platformUrl: 'https://x.test/1', publishedAt: 1 };
    assert.deepEqual(await boundedConnector(platform({ publish: ok })).publish(publishRequest), ok);
  });

  it("cuts a platform error's message and code, keeping its kind and retry hint", async () => {
    const thrown = new PlatformError('rate_limited', 'm'.repeat(50_000), 'c'.repeat(100), {
      status: 429,
      retryAfterSeconds: 7,
    });
    await assert.rejects(boundedConnector(platform({ publish: thrown })).publish(publishRequest), (error) => {
      assert.ok(error instanceof PlatformError);
      assert.equal(error.kind, 'rate_limited');
      assert.equal(error.message.length, PLATFORM_LIMITS.errorMessage);
      assert.equal(error.code.length, PLATFORM_LIMITS.errorCode);
      assert.deepEqual(error.options, { status: 429, retryAfterSeconds: 7 });
      return true;
    });
    // Within bounds, the very error goes through.
    const small = new PlatformError('transient', 'busy', 'unavailable');
    await assert.rejects(
      boundedConnector(platform({ publish: small })).publish(publishRequest),
      (e) => e === small,
    );
  });

  it('clamps metrics and audience figures to whole numbers within [0, 2^31 − 1], what the columns hold', async () => {
    const connector = boundedConnector(
      platform({
        fetchMetrics: {
          impressions: 1e20,
          reach: -5,
          likes: 2.6,
          comments: null,
          shares: Number.NaN,
          saves: Infinity,
          clicks: Number.MAX_SAFE_INTEGER + 2,
          videoViews: 0,
        },
      }),
    );
    assert.deepEqual(
      await connector.fetchMetrics!({ platformPostId: 'p', postId: 'post_1', publishedAt: 0, account }),
      {
        impressions: PLATFORM_LIMITS.metric,
        reach: 0,
        likes: 3,
        comments: null,
        shares: null,
        saves: null,
        clicks: PLATFORM_LIMITS.metric,
        videoViews: 0,
      },
    );
    assert.equal(boundedMetric(undefined), null);
  });

  it("bounds a connected account's name, handle and scopes, and refuses an over-long account id", async () => {
    const tokens = {
      accessToken: 'a',
      refreshToken: null,
      expiresAt: null,
      scopes: ['s'.repeat(300), ...Array(150).fill('x')],
    };
    const [connected] = await boundedConnector(
      platform({
        exchangeCode: [
          { platformAccountId: '42', name: 'A'.repeat(500), username: 'u'.repeat(201), tokens, metadata: {} },
        ],
      }),
    ).exchangeCode({ code: 'c', redirectUri: 'https://a.test/cb' });
    assert.equal(connected!.name.length, PLATFORM_LIMITS.name);
    assert.equal(connected!.username!.length, PLATFORM_LIMITS.name);
    assert.equal(connected!.tokens.scopes.length, PLATFORM_LIMITS.scopes);
    assert.equal(connected!.tokens.scopes[0]!.length, PLATFORM_LIMITS.scope);
    await assert.rejects(
      boundedConnector(
        platform({
          exchangeCode: [
            { platformAccountId: '4'.repeat(300), name: 'A', username: null, tokens, metadata: {} },
          ],
        }),
      ).exchangeCode({ code: 'c', redirectUri: 'https://a.test/cb' }),
      /an account id of 300 characters/,
    );
  });

  it('keeps optional capabilities optional, and the registry serves every connector bounded', async () => {
    const bare = platform({});
    delete bare.fetchComments;
    delete bare.fetchMetrics;
    const bounded = boundedConnector(bare);
    assert.equal(bounded.fetchComments, undefined);
    assert.equal(bounded.fetchMetrics, undefined);
    assert.equal(typeof bounded.replyToComment, 'function');

    const long = platform({
      fetchComments: [
        {
          platformCommentId: 'c',
          parentPlatformCommentId: null,
          authorId: null,
          authorName: null,
          authorHandle: null,
          text: 'y'.repeat(9000),
          createdAt: 0,
        },
      ],
    });
    const registry = new ConnectorRegistry({ twitter: long }, long);
    for (const environment of ['live', 'test'] as const) {
      const [comment] = await registry.get('twitter', environment)!.fetchComments!({
        platformPostId: 'p',
        publishedAt: 0,
        account,
      });
      assert.equal(comment!.text.length, PLATFORM_LIMITS.commentText);
    }
  });
});
