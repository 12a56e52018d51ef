import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeX, type FakeX } from '../fakes/x-server.js';
import { inParallel, request, skipScaleOut, startCluster, waitFor, type Cluster } from './harness.js';

/**
 * Scheduled posts are published "once, even with several workers and after a crash" — here
 * with real processes: 2 API processes behind a round-robin proxy, 2 worker processes, PostgreSQL, and the
 * fake X. One worker is SIGKILLed while publishing is in full flow and started again.
 */

const POSTS = Number(process.env.SYSTEM_EXACTLY_ONCE_POSTS ?? 2000);
const WAIT_MS = 120_000;
/** How long creating the posts may take before they start to fall due. */
const CREATE_ALLOWANCE_MS = Number(process.env.SYSTEM_EXACTLY_ONCE_CREATE_MS ?? 15_000);
const RUN = randomBytes(3).toString('hex');

describe('exactly-once publishing across worker processes and a worker crash', { skip: skipScaleOut }, () => {
  let x: FakeX;
  let cluster: Cluster;
  let key: string;
  let brandId: string;
  let accountId: string;

  before(async () => {
    x = await startFakeX();
    cluster = await startCluster({
      env: {
        TWITTER_CLIENT_ID: x.clientId,
        TWITTER_CLIENT_SECRET: x.clientSecret!,
        TWITTER_API_BASE_URL: x.url,
        TWITTER_AUTH_BASE_URL: x.url,
        AUDENCI_PUBLISH_RETRY_DELAYS: '1,1,2,5',
      },
    });
    ({ key } = await cluster.tenant({ rateLimit: 1_000_000 }));
    const api = cluster.proxy.url;
    const brand = await request(api, 'POST', '/api/v1/brands', { key, body: { name: 'System brand' } });
    assert.equal(brand.status, 201, JSON.stringify(brand.body));
    brandId = brand.body.data.id;

    // The real OAuth flow through the proxy: connect → X's consent page (approves at once) → callback.
    const connect = await request(api, 'POST', '/api/v1/social-accounts/connect', {
      key,
      body: { brandId, platform: 'twitter' },
    });
    assert.equal(connect.status, 200, JSON.stringify(connect.body));
    const consent = await fetch(connect.body.data.authorizationUrl as string, { redirect: 'manual' });
    assert.equal(consent.status, 302);
    const back = new URL(consent.headers.get('location')!);
    const callback = await request(api, 'GET', `${back.pathname}${back.search}`);
    assert.equal(callback.status, 200, JSON.stringify(callback.body));
    accountId = callback.body.data[0].id;
  });

  after(async () => {
    await cluster?.close();
    await x?.close();
  });

  it(`${POSTS} live X posts due within 10 s are each published exactly once, a worker SIGKILLed mid-run`, async () => {
    const started = Date.now();
    const captions = Array.from({ length: POSTS }, (_, i) => `System exactly-once ${RUN} #${i + 1}`);
    const chunks: string[][] = [];
    for (let i = 0; i < captions.length; i += 100) chunks.push(captions.slice(i, i + 100));

    // Every post falls due in one 10-second window, [dueFrom, dueFrom + 10 s), which opens once the
    // posts are expected to exist; on a slow machine the last batches may arrive when their time has
    // come already, which only makes them due at once.
    const dueFrom = started + CREATE_ALLOWANCE_MS;
    const ids = new Map<string, string>();
    let index = 0;
    await inParallel(chunks, 2, async (chunk) => {
      const answer = await request(cluster.proxy.url, 'POST', '/api/v1/posts/batch', {
        key,
        timeoutMs: 60_000,
        body: {
          posts: chunk.map((caption) => ({
            brandId,
            platform: 'twitter',
            socialAccountId: accountId,
            caption,
            scheduledFor: new Date(dueFrom + ((index++ % POSTS) * 10_000) / POSTS).toISOString(),
          })),
        },
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body).slice(0, 2000));
      assert.equal(answer.body.summary.succeeded, chunk.length, JSON.stringify(answer.body).slice(0, 2000));
      for (const item of answer.body.data) ids.set(item.data.id, item.data.caption);
    });
    assert.equal(ids.size, POSTS);
    const createdIn = Date.now() - started;
    console.log(
      `created ${POSTS} posts in ${createdIn} ms, due from +${CREATE_ALLOWANCE_MS} ms to +${CREATE_ALLOWANCE_MS + 10_000} ms`,
    );

    const statusCounts = async () =>
      Object.fromEntries(
        (
          await cluster.db.query<{ status: string; n: string }>(
            'select status, count(*) as n from posts group by status',
          )
        ).map((r) => [r.status, Number(r.n)]),
      ) as Record<string, number>;

    // SIGKILL worker 1 once a quarter of the posts is on X, with publishes in flight; start it again.
    const victim = cluster.workers[0]!;
    await waitFor('a quarter of the posts on X', () => x.state.tweets.length >= POSTS / 4, WAIT_MS, 20);
    await victim.kill();
    console.log(`SIGKILLed ${victim.name} with ${x.state.tweets.length} tweets on X; starting it again`);
    await victim.start();

    const deadline = Date.now() + WAIT_MS;
    let counts = await statusCounts();
    for (;;) {
      counts = await statusCounts();
      console.log(`progress: ${JSON.stringify(counts)}, ${x.state.tweets.length} tweets on X`);
      if ((counts.PUBLISHED ?? 0) + (counts.FAILED ?? 0) >= POSTS || Date.now() > deadline) break;
      await sleep(5000);
    }
    const elapsed = Date.now() - started;

    const perCaption = new Map<string, number>();
    for (const tweet of x.state.tweets) {
      perCaption.set(tweet.sourceText, (perCaption.get(tweet.sourceText) ?? 0) + 1);
    }
    const twice = [...perCaption].filter(([, n]) => n > 1);
    const missing = captions.filter((c) => !perCaption.has(c));
    const createCalls = x.requestsTo('createTweet').length;
    const rows = await cluster.db.query<{ id: string; status: string; platform_post_id: string | null }>(
      'select id, status, platform_post_id, publish_attempts, error_code, error_message from posts',
    );
    const notPublished = rows.filter((r) => r.status !== 'PUBLISHED');
    const platformIds = new Set(rows.map((r) => r.platform_post_id));
    console.log(
      `exactly-once: ${POSTS} posts, ${x.state.tweets.length} tweets, ${createCalls} POST /2/tweets calls ` +
        `(${createCalls - POSTS} beyond one per post), ${twice.length} caption(s) twice, ${missing.length} missing, ` +
        `${notPublished.length} not PUBLISHED, ${elapsed} ms from the first batch`,
    );
    const detail = () =>
      `statuses ${JSON.stringify(counts)}; not published: ${JSON.stringify(notPublished.slice(0, 5))}\n${cluster.diagnostics()}`;
    assert.deepEqual(twice, [], `posted twice on X: ${JSON.stringify(twice.slice(0, 5))}`);
    assert.deepEqual(missing.slice(0, 10), [], `never posted on X (${missing.length}); ${detail()}`);
    assert.equal(x.state.tweets.length, POSTS);
    assert.equal(notPublished.length, 0, detail());
    assert.equal(rows.length, POSTS);
    // Every post points at its own tweet.
    assert.equal(platformIds.size, POSTS);
    for (const tweet of x.state.tweets) assert.ok(platformIds.has(tweet.id), `tweet ${tweet.id} has no post`);
  });
});
