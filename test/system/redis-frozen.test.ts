import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { skipOwnRedis, startOwnRedis, type OwnRedis } from '../helpers/redis-server.js';
import { request, skipScaleOut, startCluster, waitFor, type Answer, type Cluster } from './harness.js';

/**
 * A frozen Redis (SIGSTOP on a redis-server the test starts itself, never the shared one) must not
 * block requests. Two API processes use it; while it is frozen every authenticated request is answered
 * within the command timeout (only the first one per process waits at all), rate limits are counted in
 * each process against its share of the limit (the limit divided by the 2 API processes that
 * registered in Redis) with the true local numbers in the headers, `/readyz` answers 200 `degraded`
 * and `audenci_dependency_up{dependency="redis"}` is 0. After SIGCONT the shared count is used again.
 */

const COMMAND_TIMEOUT_MS = 500;
/** What a request may take beyond the command timeout on a loaded machine (two processes, 2 CPUs). */
const SLACK_MS = 700;
const LIMIT = 40;
const SHARE = LIMIT / 2;

const skip = skipScaleOut || skipOwnRedis;

function metric(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe(
  'a frozen Redis does not block requests; rate limits fall back to a share per process',
  { skip },
  () => {
    let redis: OwnRedis;
    let cluster: Cluster;

    before(async () => {
      redis = await startOwnRedis();
      cluster = await startCluster({
        apis: 2,
        workers: 0,
        env: { REDIS_URL: redis.url, AUDENCI_REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS) },
      });
    });
    after(async () => {
      redis?.thaw();
      await cluster?.close();
      await redis?.stop();
    });

    it(`answers within ${COMMAND_TIMEOUT_MS} ms + slack, limits to ${SHARE} per process, /readyz degraded; thawed, the shared count`, async () => {
      const [one, two] = cluster.apis.map((a) => a.url) as [string, string];
      // Both processes registered, and each has read the count (a heartbeat every 5 s).
      await waitFor(
        'both API processes counting 2',
        async () => {
          for (const url of [one, two]) {
            const text = (await request(url, 'GET', '/metrics')).body as string;
            if (metric(text, 'audenci_api_processes') !== 2) return false;
          }
          return true;
        },
        15_000,
        250,
      );
      const { orgId, key } = await cluster.tenant({ plan: 'starter', rateLimit: LIMIT });
      // Windows are aligned to the clock hour: do not straddle a reset.
      const toHour = 3_600_000 - (Date.now() % 3_600_000);
      if (toHour < 60_000) await sleep(toHour + 1000);
      const windowStart = Date.now() - (Date.now() % 3_600_000);
      const get = async (url: string) => {
        const started = Date.now();
        const answer = await request(url, 'GET', '/api/v1/organization', { key, timeoutMs: 30_000 });
        return { answer, ms: Date.now() - started };
      };
      const headers = (a: Answer) =>
        [a.status, a.headers.get('x-ratelimit-limit'), a.headers.get('x-ratelimit-remaining')].join(' ');
      const client = redis.client();
      try {
        for (const [i, url] of [one, two, one, two].entries()) {
          assert.equal(headers((await get(url)).answer), `200 ${LIMIT} ${LIMIT - 1 - i}`, `shared ${i + 1}`);
        }

        redis.freeze();
        const frozenAt = Date.now();
        const firsts: number[] = [];
        const laters: number[] = [];
        try {
          // Process one: its whole share, then 429.
          for (let i = 0; i < SHARE + 1; i++) {
            const { answer, ms } = await get(one);
            (i === 0 ? firsts : laters).push(ms);
            if (i < SHARE)
              assert.equal(headers(answer), `200 ${SHARE} ${SHARE - 1 - i}`, `one, local ${i + 1}`);
            else {
              assert.equal(headers(answer), `429 ${SHARE} 0`, 'one, over its share');
              const retryAfter = Number(answer.headers.get('retry-after'));
              assert.ok(retryAfter >= 1 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
              assert.equal((answer.body as { error: { code: string } }).error.code, 'RATE_LIMITED');
            }
          }
          // Process two counts its own share.
          for (let i = 0; i < 3; i++) {
            const { answer, ms } = await get(two);
            (i === 0 ? firsts : laters).push(ms);
            assert.equal(headers(answer), `200 ${SHARE} ${SHARE - 1 - i}`, `two, local ${i + 1}`);
          }
          // A write, a refused key (its address's failure budget: 100 shared by 2) and the public limit.
          const created = await request(two, 'POST', '/api/v1/brands', { key, body: { name: 'During' } });
          assert.equal(created.status, 201);
          assert.equal(headers(created), `201 ${SHARE} ${SHARE - 4}`);
          const refusedAt = Date.now();
          const wrong = `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`;
          const refused = await request(two, 'GET', '/api/v1/organization', { key: wrong });
          laters.push(Date.now() - refusedAt);
          assert.equal(headers(refused), '401 50 49', 'a refused key');
          // Still frozen seconds later (heartbeats failed meanwhile): still answered at once.
          await sleep(6000);
          for (const url of [one, two]) {
            const { answer, ms } = await get(url);
            laters.push(ms);
            assert.equal(answer.status, url === one ? 429 : 200);
          }
          for (const url of [one, two]) {
            const readyAt = Date.now();
            const ready = await request(url, 'GET', '/readyz');
            laters.push(Date.now() - readyAt);
            assert.equal(ready.status, 200);
            assert.deepEqual(ready.body, {
              status: 'degraded',
              database: 'postgres',
              checks: { database: 'ok', migrations: 'ok', redis: 'degraded' },
            });
            const text = (await request(url, 'GET', '/metrics')).body as string;
            assert.equal(metric(text, 'audenci_dependency_up{dependency="redis"}'), 0);
            assert.equal(metric(text, 'audenci_dependency_up{dependency="database"}'), 1);
            assert.ok((metric(text, 'audenci_rate_limit_local_hits_total') ?? 0) >= 4);
          }
        } finally {
          redis.thaw();
        }
        const frozenFor = Date.now() - frozenAt;
        console.log(
          `frozen Redis for ${frozenFor} ms: the first request per process took ${firsts.join(', ')} ms ` +
            `(command timeout ${COMMAND_TIMEOUT_MS}), the ${laters.length} others at most ${Math.max(...laters)} ms`,
        );
        for (const ms of firsts)
          assert.ok(ms < COMMAND_TIMEOUT_MS + SLACK_MS, `a first request took ${ms} ms`);
        for (const ms of laters) assert.ok(ms < SLACK_MS, `a later request took ${ms} ms`);

        const thawedAt = Date.now();
        await waitFor(
          'both /readyz ready',
          async () => {
            for (const url of [one, two]) {
              if ((await request(url, 'GET', '/readyz')).body?.status !== 'ready') return false;
            }
            return true;
          },
          15_000,
          100,
        );
        console.log(`Redis thawed: shared counting again after ${Date.now() - thawedAt} ms`);
        for (const url of [one, two]) {
          const { answer } = await get(url);
          const counter = Number(await client.get(`audenci:rl:${orgId}:live:${windowStart}`));
          // Four before; at most one increment per process was in flight when Redis froze (it ran when
          // Redis woke up); then this one.
          assert.ok(counter >= 5 && counter <= 8, `shared counter ${counter}`);
          assert.equal(headers(answer), `200 ${LIMIT} ${LIMIT - counter}`, `shared again on ${url}`);
        }
      } finally {
        client.disconnect();
      }
    });
  },
);
