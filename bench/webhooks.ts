/**
 * Webhook delivery throughput for `npm run bench`: events fan out to two endpoints on a local receiver
 * (a plain node:http server in this process answering 204), delivered by worker processes of their own
 * through the real queue, signing and SSRF-guarded client (with AUDENCI_ALLOW_PRIVATE_URLS=true, since
 * the receiver is on loopback).
 *
 * The parent creates the endpoints and then the events (posts created through the service layer, one
 * `post.created` each) while no worker runs, so every delivery is queued; then it starts the workers
 * and counts what arrives. Deliveries per second are measured from the first arrival to the last, so
 * worker start-up is left out. It checks that each (event, endpoint) arrived exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { benchConfig } from './bench-config.js';
import { createBrand } from '../src/modules/brands/brands.service.js';
import { createOrganization } from '../src/modules/organizations/organizations.service.js';
import { createPost } from '../src/modules/posts/posts.service.js';
import { createEndpoint } from '../src/modules/webhooks/webhooks.service.js';
import { SYSTEM_ORIGIN } from '../src/modules/audit/index.js';
import { createRuntime } from '../src/runtime.js';
import type { Tenant } from '../src/shared/tenant.js';
import type { Dialect } from './scenarios.js';
import { startWorkerChildren, type WorkerChild } from './worker-children.js';

const ENDPOINTS = 2;

export interface WebhooksBenchOptions {
  dialect: Dialect;
  dataDir: string;
  databaseUrl?: string;
  schema?: string;
  events: number;
  workers: number;
  logLevel: string;
  timeoutMs: number;
  track(child: ChildProcess): void;
}

export interface WebhooksMeasurement {
  dialect: Dialect;
  workers: number;
  events: number;
  endpoints: number;
  deliveries: number;
  /** From the first delivery's arrival to the last's. */
  deliveriesPerSecond: number;
  seconds: number;
  workerCpuPercent: number;
  /** Each worker's resident memory after the run, in MB. */
  workerRssMb: number[];
}

interface Receiver {
  url: string;
  /** webhook-id → arrivals, per endpoint path. */
  seen: Map<string, Map<string, number>>;
  arrivals: number;
  first: number;
  last: number;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const state = { arrivals: 0, first: 0, last: 0 };
  const seen = new Map<string, Map<string, number>>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? '');
      const path = req.url ?? '/';
      let ids = seen.get(path);
      if (!ids) seen.set(path, (ids = new Map()));
      ids.set(id, (ids.get(id) ?? 0) + 1);
      const now = performance.now();
      if (state.arrivals++ === 0) state.first = now;
      state.last = now;
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    get arrivals() {
      return state.arrivals;
    },
    get first() {
      return state.first;
    },
    get last() {
      return state.last;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureWebhooks(options: WebhooksBenchOptions): Promise<WebhooksMeasurement> {
  const secretKey = randomBytes(32).toString('hex');
  const env = { AUDENCI_ALLOW_PRIVATE_URLS: 'true' };
  const config = benchConfig({ ...options, secretKey }, env);
  const receiver = await startReceiver();
  const runtime = await createRuntime(config, { schema: options.schema });
  const workers: WorkerChild[] = [];
  try {
    const { ctx } = runtime;
    const organization = await createOrganization(ctx.db, ctx.clock, {
      name: 'Webhooks benchmark',
      plan: 'enterprise',
    });
    const tenant: Tenant = { organizationId: organization.id, environment: 'live' };
    const webhooks = { ...ctx, secrets: runtime.webhookBox, allowPrivateUrls: true };
    for (let e = 1; e <= ENDPOINTS; e++) {
      const input = { url: `${receiver.url}/endpoint-${e}`, events: ['*'] };
      await createEndpoint(webhooks, tenant, input, SYSTEM_ORIGIN);
    }
    const brand = await createBrand(ctx, tenant, { name: 'Acme Coffee' });
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < options.events) {
          const i = next++;
          await createPost(ctx, tenant, {
            brandId: brand.id,
            platform: 'twitter',
            caption: `Webhook benchmark post ${i}`,
          });
        }
      }),
    );
    const expected = options.events * ENDPOINTS;

    workers.push(
      ...(await startWorkerChildren({
        count: options.workers,
        spec: {
          dataDir: options.dataDir,
          databaseUrl: options.databaseUrl,
          schema: options.schema,
          secretKey,
          logLevel: options.logLevel,
          env,
        },
        track: options.track,
      })),
    );
    const started = Date.now();
    while (receiver.arrivals < expected) {
      if (Date.now() - started > options.timeoutMs)
        throw new Error(
          `only ${receiver.arrivals} of ${expected} deliveries after ${options.timeoutMs / 1000} s`,
        );
      await sleep(20);
    }
    const seconds = (receiver.last - receiver.first) / 1000;
    // Late duplicates would show up now.
    await sleep(200);
    let workerCpuMicros = 0;
    const workerRssMb: number[] = [];
    for (const worker of workers.splice(0)) {
      workerCpuMicros += (await worker.stop()) - worker.cpuAtReady;
      workerRssMb.push(Number((worker.rssAtStop / (1024 * 1024)).toFixed(1)));
    }

    if (receiver.arrivals !== expected)
      throw new Error(`${receiver.arrivals} arrivals for ${expected} deliveries`);
    if (receiver.seen.size !== ENDPOINTS)
      throw new Error(`deliveries reached ${receiver.seen.size} endpoints`);
    for (const [path, ids] of receiver.seen) {
      if (ids.size !== options.events)
        throw new Error(`${path} got ${ids.size} distinct events of ${options.events}`);
    }
    const runSeconds = (Date.now() - started) / 1000;
    return {
      dialect: options.dialect,
      workers: options.workers,
      events: options.events,
      endpoints: ENDPOINTS,
      deliveries: expected,
      deliveriesPerSecond: Number(((expected - 1) / Math.max(0.001, seconds)).toFixed(1)),
      seconds: Number(seconds.toFixed(2)),
      workerCpuPercent: Number(((workerCpuMicros / 1e6 / Math.max(0.001, runSeconds)) * 100).toFixed(1)),
      workerRssMb,
    };
  } finally {
    for (const worker of workers) await worker.stop().catch(() => 0);
    await runtime.close();
    await receiver.close();
  }
}
