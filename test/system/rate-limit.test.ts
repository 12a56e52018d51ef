import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { inParallel, request, skipScaleOut, startCluster, Tally, type Cluster } from './harness.js';

/**
 * With Redis the rate-limit count is shared by all API processes (docs/api.md). An organization on
 * the `starter` plan with a custom limit of 50 requests an hour sends 120 requests alternating between
 * two API processes: exactly 50 succeed — not 50 per process — and the other 70 answer 429 with
 * `Retry-After`.
 */

const LIMIT = 50;
const REQUESTS = 120;

describe('the rate limit is shared by two API processes (Redis)', { skip: skipScaleOut }, () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster({ apis: 2, workers: 0 });
  });
  after(async () => cluster?.close());

  it(`${REQUESTS} requests over both processes: exactly ${LIMIT} succeed, the rest are 429 with Retry-After`, async () => {
    const { key } = await cluster.tenant({ plan: 'starter', rateLimit: LIMIT });
    // Windows are aligned to the clock hour: do not straddle a reset.
    const toHour = 3_600_000 - (Date.now() % 3_600_000);
    if (toHour < 20_000) await sleep(toHour + 1000);

    const tally = new Tally();
    const resets = new Set<string>();
    const problems: string[] = [];
    const urls = cluster.apis.map((a) => a.url);
    await inParallel(
      Array.from({ length: REQUESTS }, (_, i) => i),
      8,
      async (i) => {
        const answer = await request(urls[i % urls.length]!, 'GET', '/api/v1/organization', { key });
        tally.add(answer.status);
        resets.add(answer.headers.get('x-ratelimit-reset') ?? 'none');
        if (answer.headers.get('x-ratelimit-limit') !== String(LIMIT)) {
          problems.push(`#${i}: X-RateLimit-Limit ${answer.headers.get('x-ratelimit-limit')}`);
        }
        if (answer.status === 429) {
          const retryAfter = Number(answer.headers.get('retry-after'));
          if (!(retryAfter >= 1 && retryAfter <= 3600)) problems.push(`#${i}: Retry-After ${retryAfter}`);
          if (answer.body?.error?.code !== 'RATE_LIMITED')
            problems.push(`#${i}: ${JSON.stringify(answer.body)}`);
          if (answer.headers.get('x-ratelimit-remaining') !== '0') problems.push(`#${i}: remaining not 0`);
        }
      },
    );
    console.log(`rate limit: ${REQUESTS} requests over ${urls.length} API processes — ${tally}`);
    assert.deepEqual(problems.slice(0, 5), []);
    assert.equal(resets.size, 1, `one window: ${[...resets].join(', ')}`);
    assert.equal(tally.get(200), LIMIT, String(tally));
    assert.equal(tally.get(429), REQUESTS - LIMIT, String(tally));
  });
});
