import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { TalliedHistogram, tallyCounter } from './request-tally.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const NAMES = { duration: 'x_duration_seconds', total: 'x_requests_total' };

/** prom-client's own Histogram and Counter, fed per observation as the request hook used to. */
function promClient() {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status_code'] as const;
  const duration = new Histogram({
    name: NAMES.duration,
    help: 'latency',
    labelNames,
    buckets: BUCKETS,
    registers: [registry],
  });
  const total = new Counter({ name: NAMES.total, help: 'requests', labelNames, registers: [registry] });
  return {
    registry,
    observe(method: string, route: string, status: number, value: number) {
      const labels = { method, route, status_code: String(status) };
      total.labels(labels).inc();
      duration.labels(labels).observe(value);
    },
  };
}

function tallied() {
  const registry = new Registry();
  const duration = new TalliedHistogram({
    name: NAMES.duration,
    help: 'latency',
    buckets: BUCKETS,
    registry,
  });
  tallyCounter({ name: NAMES.total, help: 'requests', registry }, duration);
  const series = new Map<string, ReturnType<TalliedHistogram['open']>>();
  return {
    registry,
    observe(method: string, route: string, status: number, value: number) {
      const key = `${method} ${status} ${route}`;
      let found = series.get(key);
      if (!found) series.set(key, (found = duration.open(method, route, status)));
      duration.observeIn(found, value);
    },
  };
}

describe('request metrics counted in plain numbers', () => {
  it('expose exactly what prom-client’s Histogram and Counter expose for the same requests', async () => {
    const a = promClient();
    const b = tallied();
    const requests: Array<[string, string, number, number]> = [];
    const routes = ['/api/v1/posts/:id', '/api/v1/posts', 'unmatched', '/api/v1/a "quoted"\\route'];
    // Values on every bound, between them, below the first and past the last; a few series.
    const values = [0, 0.0004, ...BUCKETS, ...BUCKETS.map((v) => v * 1.5), 12, 0.1 + 0.2];
    let i = 0;
    for (const value of values) {
      for (const route of routes) {
        const status = [200, 404, 429][i++ % 3]!;
        requests.push([i % 5 === 0 ? 'POST' : 'GET', route, status, value]);
      }
    }
    const half = Math.floor(requests.length / 2);
    for (const r of requests.slice(0, half)) {
      a.observe(...r);
      b.observe(...r);
    }
    assert.equal(await b.registry.metrics(), await a.registry.metrics());
    for (const r of requests.slice(half)) {
      a.observe(...r);
      b.observe(...r);
    }
    const expected = await a.registry.metrics();
    assert.match(expected, /x_duration_seconds_bucket\{le="\+Inf",method="GET"/);
    assert.equal(await b.registry.metrics(), expected);
    // Scraped twice with nothing new: the counter is not counted again.
    assert.equal(await b.registry.metrics(), expected);
    assert.deepEqual(await b.registry.getMetricsAsJSON(), await a.registry.getMetricsAsJSON());
  });
});
