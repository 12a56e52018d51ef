import assert from 'node:assert/strict';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { mib, request, ROOT, rssOf, skipScaleOut, startCluster, Tally, type Cluster } from './harness.js';

/**
 * A bounded soak: a mixed read/write load at a modest, steady rate against both API processes (with two
 * workers running) for SYSTEM_SOAK_SECONDS (default 60; 600 for the 10-minute soak). Every answer is 2xx,
 * 429 or 503, and no API process's resident memory grows by 10 % or more between the end of the warm-up
 * (SYSTEM_SOAK_WARMUP_SECONDS, default 20: a third of the soak at most) and the end. RSS is read after a
 * full garbage collection (`gc-on-signal.mjs`, preloaded into the API processes) every 5 s: V8's heap
 * grows and shrinks by more than 10 % in its normal cycle, which would otherwise decide the outcome of a
 * one-minute measurement. Each end of the window is the median of three such readings, so one reading
 * taken while the allocator still held freed pages does not decide it either; a leak grows them all.
 */

const SECONDS = Number(process.env.SYSTEM_SOAK_SECONDS ?? 60);
const WARMUP_SECONDS = Number(process.env.SYSTEM_SOAK_WARMUP_SECONDS ?? Math.min(20, SECONDS / 3));
/** Seconds between two readings of RSS after a full collection. */
const GC_EVERY_SECONDS = 5;
/** Memory at each end of the window is the median of this many readings. */
const ENDS = 3;
const RPS = Number(process.env.SYSTEM_SOAK_RPS ?? 20);
const MAX_IN_FLIGHT = 50;
const MAX_RSS_GROWTH = 0.1;
const RUN = randomBytes(3).toString('hex');

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe(`bounded soak (${SECONDS} s)`, { skip: skipScaleOut }, () => {
  let cluster: Cluster;

  before(async () => {
    const preload = path.join(ROOT, 'test/system/gc-on-signal.mjs');
    cluster = await startCluster({ apis: 2, workers: 2, apiNodeArgs: ['--expose-gc', '--import', preload] });
  });
  after(async () => cluster?.close());

  it(`a mixed load at ${RPS} requests/s: only 2xx/429/503, and API memory grows by less than 10 %`, async () => {
    const { key } = await cluster.tenant({ rateLimit: 10_000_000 });
    const urls = cluster.apis.map((a) => a.url);
    const brand = await request(urls[0]!, 'POST', '/api/v1/brands', { key, body: { name: 'Soak' } });
    assert.equal(brand.status, 201);
    const brandId: string = brand.body.data.id;

    const tally = new Tally();
    const odd: string[] = [];
    const postIds: string[] = [];
    /** One request of the mix, to the n-th process in turn. */
    const one = async (n: number) => {
      const base = urls[n % urls.length]!;
      const pick = n % 10;
      const someId = postIds[Math.floor(Math.random() * postIds.length)];
      let answer;
      try {
        if (pick < 3 || !someId) {
          answer = await request(base, 'POST', '/api/v1/posts', {
            key,
            headers: { 'idempotency-key': `${RUN}-${n}` },
            body: { brandId, platform: 'twitter', caption: `Soak ${RUN} #${n} #audenci` },
          });
          if (answer.status === 201) postIds.push(answer.body.data.id);
        } else if (pick === 3) {
          answer = await request(base, 'PATCH', `/api/v1/posts/${someId}`, {
            key,
            body: { caption: `Soak ${RUN} #${n} edited` },
          });
        } else if (pick < 6) {
          answer = await request(base, 'GET', `/api/v1/posts/${someId}`, { key });
        } else if (pick < 9) {
          answer = await request(base, 'GET', `/api/v1/posts?limit=20&page=${1 + (n % 5)}`, { key });
        } else {
          answer = await request(base, 'GET', '/api/v1/brands', { key });
        }
      } catch (error) {
        tally.add('network');
        odd.push(`#${n}: ${String(error)}`);
        return;
      }
      tally.add(answer.status);
      if (!(
        (answer.status >= 200 && answer.status < 300) ||
        answer.status === 429 ||
        answer.status === 503
      )) {
        odd.push(`#${n} (${pick}): ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
      }
    };

    const started = Date.now();
    const rss = new Map(cluster.apis.map((a) => [a.name, [] as { at: number; bytes: number }[]]));
    const sampler = setInterval(() => {
      for (const a of cluster.apis) rss.get(a.name)!.push({ at: Date.now() - started, bytes: rssOf(a.pid) });
    }, 1000);
    // RSS after a full collection (SIGUSR2, see gc-on-signal.mjs) every GC_EVERY_SECONDS from the end of
    // the warm-up to the end of the soak.
    const afterGc = new Map(cluster.apis.map((a) => [a.name, [] as number[]]));
    const collected = async () => {
      for (const a of cluster.apis) process.kill(a.pid, 'SIGUSR2');
      await sleep(1000);
      for (const a of cluster.apis) afterGc.get(a.name)!.push(rssOf(a.pid));
    };
    let soaking = true;
    const collecting = (async () => {
      await sleep(WARMUP_SECONDS * 1000);
      while (soaking) {
        const next = sleep(GC_EVERY_SECONDS * 1000);
        await collected();
        await next;
      }
    })();
    let inFlight = 0;
    let skipped = 0;
    const running = new Set<Promise<void>>();
    try {
      for (let n = 0; Date.now() - started < SECONDS * 1000; n++) {
        // Open loop: requests start on schedule whether or not earlier ones answered (within a cap).
        const due = started + (n * 1000) / RPS;
        if (due > Date.now()) await sleep(due - Date.now());
        if (inFlight >= MAX_IN_FLIGHT) {
          skipped++;
          continue;
        }
        inFlight++;
        const p = one(n).finally(() => {
          inFlight--;
          running.delete(p);
        });
        running.add(p);
        if (n % (RPS * 10) === 0 && n > 0) {
          const now = cluster.apis.map((a) => `${a.name} ${mib(rss.get(a.name)!.at(-1)?.bytes ?? 0)}`);
          console.log(`${Math.round((Date.now() - started) / 1000)} s: ${tally}; RSS ${now.join(', ')}`);
        }
      }
      soaking = false;
      await collecting;
      await collected();
      await Promise.all(running);
    } finally {
      clearInterval(sampler);
    }

    const figures = cluster.apis.map((a) => {
      const samples = rss.get(a.name)!;
      const warm = samples.filter((s) => s.at >= WARMUP_SECONDS * 1000).map((s) => s.bytes);
      const readings = afterGc.get(a.name)!;
      assert.ok(
        readings.length >= 2 * ENDS,
        `${a.name}: only ${readings.length} readings after a collection`,
      );
      const baseline = median(readings.slice(0, ENDS));
      const end = median(readings.slice(-ENDS));
      return {
        name: a.name,
        baseline,
        end,
        growth: end / baseline - 1,
        sampled: `${mib(median(warm.slice(0, 5)))} → ${mib(median(warm.slice(-5)))}`,
        peak: Math.max(...samples.map((x) => x.bytes)),
      };
    });
    console.log(
      `soak: ${SECONDS} s at ${RPS}/s (${tally.total()} requests, ${skipped} skipped at the in-flight cap) — ${tally}`,
    );
    for (const f of figures) {
      console.log(
        `  ${f.name} RSS after a full GC (median of the first and of the last ${ENDS} readings, one every ` +
          `${GC_EVERY_SECONDS} s from ${WARMUP_SECONDS} s): ${mib(f.baseline)} → ${mib(f.end)} ` +
          `(${(f.growth * 100).toFixed(1)} %); sampled without GC ${f.sampled}, peak ${mib(f.peak)}`,
      );
    }
    assert.deepEqual(
      odd.slice(0, 10),
      [],
      `${odd.length} answer(s) other than 2xx/429/503\n${cluster.diagnostics()}`,
    );
    assert.ok(tally.total() > SECONDS * RPS * 0.8, `too few requests went out: ${tally}`);
    for (const f of figures) {
      assert.ok(f.growth < MAX_RSS_GROWTH, `${f.name} RSS grew ${(f.growth * 100).toFixed(1)} %`);
    }
  });
});
