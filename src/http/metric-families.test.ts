import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createTestApp, redisUrl, startWorker, type TestApp } from '../../test/helpers/app.js';
import type { Worker } from '../worker/worker.js';
import { DEFAULT_METRIC_PREFIXES, METRIC_FAMILIES } from './metric-families.js';
import { RedisRateLimitStore, registerRateLimitMetrics } from './redis-rate-limit.js';

const OPERATIONS = path.resolve(fileURLToPath(import.meta.url), '../../../docs/operations.md');

interface Exported {
  name: string;
  type: string;
  labels: string[];
}

/** The families a registry holds, as it exports them. */
function familiesOf(registry: Registry): Exported[] {
  return registry.getMetricsAsArray().map((metric) => ({
    name: metric.name,
    type: String(metric.type),
    labels: [...(((metric as unknown as { labelNames?: string[] }).labelNames ?? []) as string[])],
  }));
}

const isDefault = (name: string) => DEFAULT_METRIC_PREFIXES.some((prefix) => name.startsWith(prefix));

/** A loopback port nothing listens on (Redis there never answers). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The scale-out families, registered by a Redis rate-limit store: the test app's own when it runs on
 * Redis (TEST_REDIS_URL), otherwise those of a real store pointed at a port where no Redis answers.
 */
async function scaleOutFamilies(): Promise<Exported[]> {
  if (redisUrl) return [];
  const store = new RedisRateLimitStore({
    url: `redis://127.0.0.1:${await closedPort()}`,
    commandTimeoutMs: 200,
    connectTimeoutMs: 200,
  });
  try {
    const registry = new Registry();
    registerRateLimitMetrics(registry, store);
    return familiesOf(registry);
  } finally {
    await store.close();
  }
}

describe('GET /metrics documents every family the server and the worker export', () => {
  let t: TestApp;
  let worker: Worker;
  let base: string;
  let exported: Exported[];

  before(async () => {
    t = await createTestApp('sqlite', { redis: redisUrl !== undefined });
    // The worker registers its families in the same registry, as `audenci serve` does.
    worker = await startWorker(t, { metrics: t.runtime.metrics });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    exported = [...familiesOf(t.runtime.metrics), ...(await scaleOutFamilies())];
  });
  after(async () => {
    await worker.stop();
    await t.close();
  });

  it('the scrape holds the families the registry knows, with their types', async () => {
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    const types = new Map(
      [...(await res.text()).matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const),
    );
    for (const family of familiesOf(t.runtime.metrics)) {
      assert.equal(types.get(family.name), family.type, `${family.name} is scraped as a ${family.type}`);
    }
    for (const name of ['audenci_http_requests_total', 'audenci_jobs_total', 'audenci_queue_due_jobs']) {
      assert.ok(types.has(name), `${name} is scraped`);
    }
  });

  it("the operation's description names each family with its type and labels", async () => {
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, { get: { description: string } }>;
    };
    const description = document.paths['/metrics']!.get.description;
    const undocumented: string[] = [];
    for (const family of exported) {
      if (isDefault(family.name)) continue;
      const documented = METRIC_FAMILIES.find((f) => f.name === family.name);
      if (!documented) {
        undocumented.push(family.name);
        continue;
      }
      assert.equal(documented.type, family.type, `${family.name}: type`);
      assert.deepEqual([...documented.labels].sort(), [...family.labels].sort(), `${family.name}: labels`);
      const row = description.split('\n').find((line) => line.startsWith(`| \`${family.name}\` |`));
      assert.ok(row, `${family.name} has a row in the description`);
      assert.ok(row.includes(` | ${family.type} | `), `${family.name}: its row gives the type`);
      for (const label of family.labels) assert.ok(row.includes(`\`${label}\``), `${family.name}: ${label}`);
    }
    assert.deepEqual(undocumented, [], 'every family is in METRIC_FAMILIES (src/http/metric-families.ts)');
    // The default process and runtime metrics are there, and documented by their prefixes.
    assert.ok(exported.some((f) => f.name.startsWith('audenci_process_')));
    assert.ok(exported.some((f) => f.name.startsWith('audenci_nodejs_')));
    for (const prefix of DEFAULT_METRIC_PREFIXES) assert.ok(description.includes(`\`${prefix}*\``), prefix);
    // Nothing documented that is not exported (a renamed family leaves no stale row).
    const names = new Set(exported.map((f) => f.name));
    for (const family of METRIC_FAMILIES) assert.ok(names.has(family.name), `${family.name} is exported`);
  });

  it("docs/operations.md's metrics table names each family too", () => {
    const markdown = fs.readFileSync(OPERATIONS, 'utf8');
    const section = /^#### Metrics\n([\s\S]*?)^#### /m.exec(markdown)?.[1];
    assert.ok(section, 'docs/operations.md has a Metrics section');
    const named = new Set(
      section
        .split('\n')
        .filter((line) => line.startsWith('| `'))
        .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([a-z_*]+)`/g)].map((m) => m[1]!)),
    );
    const missing = exported
      .map((f) => f.name)
      .filter((name) =>
        isDefault(name)
          ? ![...named].some((n) => n.endsWith('*') && name.startsWith(n.slice(0, -1)))
          : !named.has(name),
      );
    assert.deepEqual(missing, []);
  });
});
