import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeX, type FakeX } from '../../../test/fakes/x-server.js';
import {
  call,
  createTenant,
  createTestDatabase,
  dialects,
  startApp,
  startWorker,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { createConnectorRegistry } from '../../platforms/index.js';
import { createRuntime, type Runtime } from '../../runtime.js';
import type { Tenant as TenantRef } from '../../shared/tenant.js';
import { createWorker, type CreateWorkerOptions, type Worker } from '../../worker/index.js';
import { accountsContext } from '../accounts/index.js';
import { saveConnectedAccount } from '../accounts/accounts.service.js';
import { PUBLISH_JOB } from './posts.jobs.js';
import { createPost } from './posts.service.js';

/**
 * Scheduled posts are published by the worker when scheduledFor arrives — once, even with several workers and
 * after a crash (docs/publishing.md, "Scheduling and publishing"). In the live environment, through the real
 * X connector (configured with TWITTER_* pointing at the fake X, so the app's own connector registry
 * registers it), with an account connected through the real OAuth flow:
 *
 * - 500 posts due in the same second and 4 workers (on PostgreSQL each on a runtime of its own, i.e. its
 *   own connection pool, like separate processes; on SQLite they share the one in-process database):
 *   every post is published, and X receives exactly one `POST /2/tweets` per post.
 * - 300 posts, 2 workers with a short lease, X slowed down; one worker dies (`Worker.crash()`: no release,
 *   no heartbeat; answers X sends it afterwards are lost) while calls are in flight. The survivor takes its
 *   jobs over once their leases expire and finishes: exactly one post on X per caption — where the dead
 *   worker's call had reached X, the retry's duplicate refusal makes the connector find that post.
 * - A live post whose account is disconnected or revoked, or whose platform has no connector, fails
 *   with a clear error and nothing reaches a platform.
 */

const RUN = randomBytes(3).toString('hex');
/** Quick retries (maxAttempts 5): a test that needs one stays short, and attempt counts show any retry. */
const RETRY_DELAYS = '0.2,0.2,0.2,0.2';
/** The fake X's answers to `POST /2/tweets` reach a worker this much later in the crash test. */
const X_DELAY_MS = 100;

interface PostState {
  id: string;
  caption: string;
  status: string;
  platform_post_id: string | null;
  publish_attempts: number;
  error_code: string | null;
  error_message: string | null;
}

interface JobState {
  id: string;
  payload: string;
  status: string;
  attempts: number;
  locked_by: string | null;
  locked_until: number | null;
  /** When the scheduler swept the post (enqueued its job). */
  created_at: number;
  finished_at: number | null;
  last_error: string | null;
}

async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs `fn` over `items`, at most `width` at a time. */
async function inBatches<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        out[index] = await fn(items[index]!);
      }
    }),
  );
  return out;
}

/** The text of a `POST /2/tweets` the X connector sends. */
function tweetText(init: RequestInit | undefined): string | undefined {
  if (typeof init?.body !== 'string') return undefined;
  const body = JSON.parse(init.body) as { text?: unknown };
  return typeof body.text === 'string' ? body.text : undefined;
}

/**
 * A `fetch` for one worker's X connector: answers of `POST /2/tweets` arrive `delayMs` late, and after
 * `kill()` nothing comes back any more, as for a process that died — a request already on its way still
 * reaches X (and takes effect there), its answer is lost (recorded in `lost`), and new requests never go.
 */
function workerFetch(delayMs: number) {
  let dead = false;
  /** Answers of `POST /2/tweets` that X has sent and the worker has not received yet. */
  let delayed = 0;
  const lost: string[] = [];
  const never = () => new Promise<Response>(() => undefined);
  const impl: typeof fetch = async (input, init) => {
    if (dead) return never();
    const response = await fetch(input, init);
    const isCreate = init?.method === 'POST' && String(input).endsWith('/2/tweets');
    if (isCreate) {
      delayed++;
      await sleep(delayMs);
      delayed--;
    }
    if (dead) {
      if (isCreate && response.status === 201) lost.push(tweetText(init) ?? '');
      return never();
    }
    return response;
  };
  return {
    fetch: impl,
    lost,
    get delayed() {
      return delayed;
    },
    kill() {
      dead = true;
    },
  };
}

// The dialects run side by side (each one's tests in order): their databases and fake X servers are separate.
describe('exactly-once publishing', { concurrency: true }, () => {
  for (const dialect of dialects) {
    describe(
      `live X publishing happens exactly once, with several workers and after a crash (${dialect})`,
      { concurrency: false },
      () => {
        /**
         * What a test started, undone in reverse order after it (workers stop before their apps close, the
         * fake X closes last), so that no test holds database connections while the next one runs.
         */
        const cleanups: (() => Promise<unknown>)[] = [];
        const cleanUp = async () => {
          for (const cleanup of cleanups.splice(0).reverse()) {
            await cleanup().catch((error: unknown) => console.error('cleanup failed:', error));
          }
        };
        afterEach(cleanUp);
        after(cleanUp);

        interface LiveSetup {
          x: FakeX;
          main: TestApp;
          tenant: Tenant;
          live: TenantRef;
          brandId: string;
          accountId: string;
          /** Another runtime (own connection pool, as another process would have) on the same database. */
          extraRuntime(): Promise<Runtime>;
          setupMs: number;
        }

        /** A fake X, a database with the X connector configured against it, a tenant, a brand, an X account. */
        async function liveSetup(): Promise<LiveSetup> {
          const setupAt = Date.now();
          const x = await startFakeX();
          cleanups.push(() => x.close());
          const env = {
            TWITTER_CLIENT_ID: x.clientId,
            TWITTER_CLIENT_SECRET: x.clientSecret!,
            TWITTER_API_BASE_URL: x.url,
            TWITTER_AUTH_BASE_URL: x.url,
            AUDENCI_PUBLISH_RETRY_DELAYS: RETRY_DELAYS,
          };
          const database = createTestDatabase(dialect, { env });
          cleanups.push(() => database.drop());
          const main = await startApp(database);
          cleanups.push(() => main.close());
          assert.ok(
            main.runtime.connectors.get('twitter', 'live'),
            'the app registered its live X connector',
          );
          const tenant = await createTenant(main, { name: `Exactly once ${RUN}` });
          const live: TenantRef = { organizationId: tenant.org.id, environment: 'live' };
          const brand = await call(main.app, 'POST', '/api/v1/brands', {
            key: tenant.live.admin,
            body: { name: 'Live brand' },
          });
          assert.equal(brand.status, 201, brand.raw);
          const brandId: string = brand.body.data.id;

          // The real OAuth flow: connect → X's consent page (the fake approves: 302 to our callback) → callback.
          const started = await call(main.app, 'POST', '/api/v1/social-accounts/connect', {
            key: tenant.live.read_write,
            body: { brandId, platform: 'twitter' },
          });
          assert.equal(started.status, 200, started.raw);
          const authorizationUrl: string = started.body.data.authorizationUrl;
          assert.ok(authorizationUrl.startsWith(`${x.url}/i/oauth2/authorize?`), authorizationUrl);
          const consent = await fetch(authorizationUrl, { redirect: 'manual' });
          assert.equal(consent.status, 302);
          const back = new URL(consent.headers.get('location')!);
          assert.equal(back.pathname, '/api/v1/social-accounts/callback');
          const callback = await call(main.app, 'GET', `${back.pathname}${back.search}`);
          assert.equal(callback.status, 200, callback.raw);
          const [account] = callback.body.data as { id: string; platformAccountId: string; status: string }[];
          assert.equal(account?.status, 'connected');
          assert.equal(account.platformAccountId, x.user.id);

          return {
            x,
            main,
            tenant,
            live,
            brandId,
            accountId: account.id,
            async extraRuntime() {
              const extra = await createRuntime(database.config, {
                schema: database.schema,
                sqliteFile: database.sqliteFile,
                redisPrefix: database.redisPrefix,
              });
              cleanups.push(() => extra.close());
              return extra;
            },
            setupMs: Date.now() - setupAt,
          };
        }

        /**
         * The real worker (scheduler, publisher, token refresh) on `runtime`, as `startWorker` builds it; with
         * `fetchImpl`, its X connector (built like the app's) sees the network through it.
         */
        async function runWorker(runtime: Runtime, options: CreateWorkerOptions, fetchImpl?: typeof fetch) {
          const worker = createWorker(
            {
              config: runtime.config,
              ctx: runtime.ctx,
              db: runtime.ctx.db,
              connectors: fetchImpl
                ? createConnectorRegistry(runtime.config, () => runtime.ctx.clock.now(), fetchImpl)
                : runtime.connectors,
              tokenBox: runtime.tokenBox,
              webhookBox: runtime.webhookBox,
              media: runtime.media,
            },
            { sweepEveryMs: 100, pollMs: 200, ...options },
          );
          await worker.start();
          cleanups.push(() => worker.stop(2000));
          return worker;
        }

        /** Worker errors, for the failure message (and asserted empty where none may happen). */
        function errorLog() {
          const errors: string[] = [];
          const onError = (error: unknown, what: string) =>
            errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
          return { errors, onError };
        }

        /**
         * `count` posts of the account, all scheduled for the same whole second. They are created as if their
         * requests had all arrived at one instant (the service's clock reads the batch's start): on a loaded
         * machine creating them can take longer than the second ahead they are scheduled for, and the last
         * ones would otherwise no longer be "in the future". No worker runs yet, so nothing publishes
         * early; if creating them ran past their time, they are all due when the workers start.
         */
        async function scheduleMany(s: LiveSetup, count: number, label: string) {
          const batchAt = Date.now();
          const dueAt = Math.ceil((batchAt + 1000) / 1000) * 1000;
          const atBatch = { ...s.main.runtime.ctx, clock: { now: () => batchAt } };
          const captions = Array.from({ length: count }, (_, i) => `${label} ${RUN} #${i + 1}`);
          await inBatches(captions, 16, async (caption) => {
            const post = await createPost(atBatch, s.live, {
              brandId: s.brandId,
              platform: 'twitter',
              socialAccountId: s.accountId,
              caption,
              scheduledFor: new Date(dueAt).toISOString(),
            });
            assert.equal(post.status, 'SCHEDULED');
          });
          return { dueAt, captions, createMs: Date.now() - batchAt };
        }

        async function postsOf(s: LiveSetup): Promise<PostState[]> {
          return s.main.runtime.ctx.db
            .selectFrom('posts')
            .select([
              'id',
              'caption',
              'status',
              'platform_post_id',
              'publish_attempts',
              'error_code',
              'error_message',
            ])
            .where('organization_id', '=', s.live.organizationId)
            .where('environment', '=', 'live')
            .execute();
        }

        async function unsettled(s: LiveSetup): Promise<number> {
          const rows = await s.main.runtime.ctx.db
            .selectFrom('posts')
            .select('id')
            .where('organization_id', '=', s.live.organizationId)
            .where('status', 'in', ['SCHEDULED', 'PUBLISHING'])
            .execute();
          return rows.length;
        }

        async function publishedCount(s: LiveSetup): Promise<number> {
          const rows = await s.main.runtime.ctx.db
            .selectFrom('posts')
            .select('id')
            .where('organization_id', '=', s.live.organizationId)
            .where('status', '=', 'PUBLISHED')
            .execute();
          return rows.length;
        }

        async function publishJobs(s: LiveSetup): Promise<Map<string, JobState>> {
          const rows: JobState[] = await s.main.runtime.ctx.db
            .selectFrom('jobs')
            .select([
              'id',
              'payload',
              'status',
              'attempts',
              'locked_by',
              'locked_until',
              'created_at',
              'finished_at',
              'last_error',
            ])
            .where('type', '=', PUBLISH_JOB)
            .where('organization_id', '=', s.live.organizationId)
            .execute();
          return new Map(rows.map((job) => [(JSON.parse(job.payload) as { postId: string }).postId, job]));
        }

        /** What X received and made, per text. */
        function onX(x: FakeX) {
          const requests = new Map<string, number>();
          for (const request of x.requestsTo('createTweet')) {
            const text = (request.json as { text?: string } | undefined)?.text ?? '';
            requests.set(text, (requests.get(text) ?? 0) + 1);
          }
          const tweets = new Map<string, string[]>();
          for (const tweet of x.state.tweets)
            tweets.set(tweet.sourceText, [...(tweets.get(tweet.sourceText) ?? []), tweet.id]);
          return { requests, tweets };
        }

        it('500 posts due in the same second, 4 workers: each published once, one POST /2/tweets per post', async () => {
          const s = await liveSetup();
          // PostgreSQL: every worker on a runtime of its own (own pool), as separate processes would be.
          const runtimes = [s.main.runtime];
          if (dialect === 'postgres') for (let i = 1; i < 4; i++) runtimes.push(await s.extraRuntime());
          const { captions, dueAt, createMs } = await scheduleMany(s, 500, 'Exactly once');
          const log = errorLog();
          const workers: Worker[] = [];
          for (let i = 0; i < 4; i++) {
            const worker = await runWorker(runtimes[i % runtimes.length]!, {
              workerId: `w${i + 1}`,
              onError: log.onError,
            });
            workers.push(worker);
          }

          // Which workers held publish jobs at the same time (sampled while they run).
          const holders = new Set<string>();
          await waitFor(
            'every post to leave SCHEDULED/PUBLISHING',
            async () => {
              const running = await s.main.runtime.ctx.db
                .selectFrom('jobs')
                .select('locked_by')
                .where('status', '=', 'running')
                .where('organization_id', '=', s.live.organizationId)
                .execute();
              for (const { locked_by } of running) if (locked_by) holders.add(locked_by);
              return Date.now() > dueAt && (await unsettled(s)) === 0;
            },
            60_000,
          );
          const doneMs = Date.now() - dueAt;
          for (const worker of workers) await worker.stop(2000);

          const posts = await postsOf(s);
          assert.equal(posts.length, 500);
          const notPublished = posts.filter((p) => p.status !== 'PUBLISHED' || !p.platform_post_id);
          assert.deepEqual(notPublished, [], 'every post PUBLISHED with its platform post id');

          const { requests, tweets } = onX(s.x);
          assert.equal(s.x.requestsTo('createTweet').length, 500, 'exactly 500 POST /2/tweets');
          for (const caption of captions) {
            assert.equal(requests.get(caption), 1, `one POST /2/tweets for "${caption}"`);
            assert.equal(tweets.get(caption)?.length, 1, `one post on X for "${caption}"`);
          }
          assert.equal(requests.size, 500, 'no other text was posted');
          assert.equal(s.x.requestsTo('userTweets').length, 0, 'no retry had to look for an earlier post');
          for (const post of posts) {
            assert.equal(post.platform_post_id, tweets.get(post.caption)![0], 'the post records its X post');
            assert.equal(post.publish_attempts, 1);
          }

          const jobs = await publishJobs(s);
          assert.equal(jobs.size, 500, 'one publish job per post');
          for (const post of posts) {
            const job = jobs.get(post.id);
            assert.equal(job?.status, 'succeeded', `job of ${post.id}`);
            assert.equal(job.attempts, 1, `job of ${post.id} ran once (${job.last_error ?? 'no error'})`);
            assert.ok(job.created_at >= dueAt, 'no post was handed to the publisher before its time');
          }
          assert.deepEqual(log.errors, [], 'no worker reported an error');
          assert.ok(holders.size >= 2, `several workers ran jobs at once (seen: ${[...holders].join(', ')})`);
          console.log(
            `[${dialect}] setup ${s.setupMs} ms; 500 posts created in ${createMs} ms, all published ${doneMs} ms after their time by workers ${[
              ...holders,
            ]
              .sort()
              .join(', ')}`,
          );
        });

        it('a worker killed mid-run: the survivor takes its jobs over once their leases expire; each post is on X once', async () => {
          const s = await liveSetup();
          const LEASE_MS = 1500;
          const victimRuntime = dialect === 'postgres' ? await s.extraRuntime() : s.main.runtime;
          const { captions, dueAt, createMs } = await scheduleMany(s, 300, 'Crash');
          const log = errorLog();

          const victimNet = workerFetch(X_DELAY_MS);
          const survivorNet = workerFetch(X_DELAY_MS);
          const options = { leaseMs: LEASE_MS, onError: log.onError };
          const victim = await runWorker(victimRuntime, { ...options, workerId: 'victim' }, victimNet.fetch);
          const survivor = await runWorker(
            s.main.runtime,
            { ...options, workerId: 'survivor' },
            survivorNet.fetch,
          );

          // The crash: once a third is published, at a moment when X has created a post for the victim whose
          // answer is still on its way (so that answer is lost for sure).
          let inFlightAtCrash = 0;
          await waitFor(
            'a third of the posts to be published, with an answer of X on its way to the victim',
            async () => {
              if ((await publishedCount(s)) < 100 || victimNet.delayed === 0) return false;
              victimNet.kill();
              inFlightAtCrash = victim.inFlight;
              return true;
            },
            45_000,
            10,
          );
          await victim.crash();
          const crashedAt = Date.now();
          const publishedAtCrash = await publishedCount(s);
          // The victim's jobs as the crash left them: still running under its id, leases not yet expired.
          const abandoned = (await publishJobs(s).then((jobs) => [...jobs.entries()])).filter(
            ([, job]) => job.status === 'running' && job.locked_by === 'victim',
          );
          assert.ok(inFlightAtCrash > 0, 'the victim had jobs in flight when it died');
          assert.ok(abandoned.length > 0, 'the crash left running jobs behind (not released)');
          assert.ok(publishedAtCrash < 300, 'the crash came before the end');

          await waitFor(
            'every post to leave SCHEDULED/PUBLISHING',
            async () => (await unsettled(s)) === 0,
            60_000,
          );
          const doneMs = Date.now() - dueAt;
          await survivor.stop(2000);

          const posts = await postsOf(s);
          assert.equal(posts.length, 300);
          assert.deepEqual(
            posts.filter((p) => p.status !== 'PUBLISHED' || !p.platform_post_id),
            [],
            'every post PUBLISHED with its platform post id',
          );

          // Exactly one post on X per caption, and it is the one each post records.
          const { requests, tweets } = onX(s.x);
          assert.equal(s.x.state.tweets.length, 300, 'exactly 300 posts on X');
          for (const caption of captions)
            assert.equal(tweets.get(caption)?.length, 1, `"${caption}" is on X once`);
          for (const post of posts) assert.equal(post.platform_post_id, tweets.get(post.caption)![0]);

          // Calls that reached X but whose answer died with the victim: the retry (attempt 2) sent the text again,
          // X refused the duplicate, and the connector found the first post on the timeline instead.
          const lost = new Set(victimNet.lost);
          assert.ok(lost.size > 0, 'some of the victim’s calls had reached X when it died');
          assert.ok(
            s.x.requestsTo('userTweets').length >= lost.size,
            'each retry of a lost call looked for the earlier post',
          );
          const jobs = await publishJobs(s);
          for (const post of posts) {
            const job = jobs.get(post.id)!;
            assert.equal(job.status, 'succeeded', `job of ${post.id}`);
            if (lost.has(post.caption)) {
              assert.equal(
                requests.get(post.caption),
                2,
                `"${post.caption}": the lost call and the refused retry`,
              );
              assert.equal(post.publish_attempts, 2, 'the retry ran as attempt 2');
              assert.ok(job.attempts >= 2, 'the job ran again after the crash');
            } else {
              assert.equal(requests.get(post.caption), 1, `"${post.caption}" was sent to X once`);
            }
          }
          // The abandoned jobs were taken over only after their leases expired, and finished by the survivor.
          let takenOver = 0;
          for (const [postId, before] of abandoned) {
            const job = jobs.get(postId)!;
            if (job.attempts === before.attempts) continue; // the victim's commit was already under way at the crash
            takenOver++;
            assert.ok(
              job.finished_at! > before.locked_until!,
              `job of ${postId} finished after its lease expired`,
            );
          }
          assert.ok(takenOver >= lost.size, `${takenOver} abandoned jobs were taken over`);
          assert.deepEqual(log.errors, [], 'no worker reported an error');
          console.log(
            `[${dialect}] setup ${s.setupMs} ms; 300 posts created in ${createMs} ms; crash after ${publishedAtCrash}/300 published with ${inFlightAtCrash} jobs in flight ` +
              `(${lost.size} calls had reached X); ${takenOver} jobs taken over, all published ${doneMs} ms after ` +
              `their time (${Date.now() - crashedAt} ms after the crash)`,
          );
        });

        it('a live post whose account is disconnected or revoked, or whose platform has no connector, fails clearly and reaches no platform', async () => {
          const s = await liveSetup();
          const key = s.tenant.live.read_write;
          const create = async (body: Record<string, unknown>) => {
            const res = await call(s.main.app, 'POST', '/api/v1/posts', {
              key,
              body: { brandId: s.brandId, platform: 'twitter', socialAccountId: s.accountId, ...body },
            });
            assert.equal(res.status, 201, res.raw);
            return res.body.data as { id: string; status: string };
          };
          const publish = async (id: string) => {
            const res = await call(s.main.app, 'POST', `/api/v1/posts/${id}/publish`, { key });
            assert.equal(res.status, 202, res.raw);
          };
          const settle = async (id: string) => {
            let post: {
              status: string;
              error: { code: string; message: string } | null;
              platformPostId: string | null;
            };
            await waitFor(
              `post ${id} to settle`,
              async () => {
                post = (await call(s.main.app, 'GET', `/api/v1/posts/${id}`, { key })).body.data;
                return post.status !== 'PUBLISHING' && post.status !== 'SCHEDULED';
              },
              15_000,
            );
            return post!;
          };

          const scheduled = await create({
            caption: `Revoked account ${RUN}`,
            scheduledFor: new Date(Date.now() + 3600_000).toISOString(),
          });
          const draft = await create({ caption: `Disconnected account ${RUN}` });
          const worker = await startWorker(s.main, { sweepEveryMs: 100, pollMs: 200 });
          cleanups.push(() => worker.stop(2000));

          // Disconnecting is refused while a SCHEDULED post would publish through the account.
          const refused = await call(s.main.app, 'DELETE', `/api/v1/social-accounts/${s.accountId}`, { key });
          assert.equal(refused.status, 409, refused.raw);

          // The platform revoked the account (as a failed refresh records it): the post fails, X is not called.
          await s.main.runtime.ctx.db
            .updateTable('social_accounts')
            .set({ status: 'revoked', last_error: 'invalid_grant: access revoked by the user' })
            .where('id', '=', s.accountId)
            .execute();
          await publish(scheduled.id);
          const revoked = await settle(scheduled.id);
          assert.equal(revoked.status, 'FAILED');
          assert.equal(revoked.error?.code, 'account_unavailable');
          assert.match(
            revoked.error.message,
            new RegExp(`social account ${s.accountId} is revoked.*connect it again`),
          );
          assert.equal(revoked.platformPostId, null);

          // Nothing pending uses it now: the account is disconnected (deleted); a draft naming it cannot publish.
          const deleted = await call(s.main.app, 'DELETE', `/api/v1/social-accounts/${s.accountId}`, { key });
          assert.equal(deleted.status, 200, deleted.raw);
          await publish(draft.id);
          const disconnected = await settle(draft.id);
          assert.equal(disconnected.status, 'FAILED');
          assert.equal(disconnected.error?.code, 'account_unavailable');
          assert.match(
            disconnected.error.message,
            new RegExp(`No social account with id '${s.accountId}'.*disconnected`),
          );

          // Facebook has no connector on this server (no FACEBOOK_CLIENT_ID), even with a stored account.
          const { runtime } = s.main;
          const page = await saveConnectedAccount(
            accountsContext(runtime.ctx, {
              connectors: runtime.connectors,
              tokenBox: runtime.tokenBox,
              publicUrl: runtime.config.publicUrl,
            }),
            s.live,
            { brandId: s.brandId, platform: 'facebook' },
            {
              platformAccountId: '104857600',
              name: 'Live page',
              username: null,
              tokens: { accessToken: 'page-token', refreshToken: null, expiresAt: null, scopes: [] },
              metadata: {},
            },
          );
          assert.equal(runtime.connectors.get('facebook', 'live'), undefined);
          const facebook = await create({
            platform: 'facebook',
            socialAccountId: page.id,
            caption: `Facebook ${RUN}`,
          });
          await publish(facebook.id);
          const unavailable = await settle(facebook.id);
          assert.equal(unavailable.status, 'FAILED');
          assert.equal(unavailable.error?.code, 'platform_unavailable');
          assert.match(unavailable.error.message, /facebook is not configured on this server/);

          // They failed for good at once (no retry), and nothing reached X.
          const jobs = await publishJobs(s);
          for (const id of [scheduled.id, draft.id, facebook.id]) {
            assert.equal(jobs.get(id)?.status, 'failed');
            assert.equal(jobs.get(id)?.attempts, 1);
          }
          assert.equal(s.x.requestsTo('createTweet').length, 0, 'no POST /2/tweets');
          assert.deepEqual(s.x.state.tweets, []);
          const rows = await postsOf(s);
          assert.ok(
            rows.every((p) => p.publish_attempts === 0),
            'no platform call was even started',
          );
        });
      },
    );
  }
});
