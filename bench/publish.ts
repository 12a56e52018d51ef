/**
 * Publish throughput for `npm run bench`: how fast posts that fall due together go from SCHEDULED to
 * PUBLISHED through the real scheduler, queue and worker, to the sandbox connector (test environment),
 * with worker processes of their own (bench/publish-worker.ts) — one on SQLite (its deployment: one
 * in-process worker); on PostgreSQL, where any number can share the queue, bench/run.ts measures one and
 * then `BENCH_PUBLISH_WORKERS` (2), each on fresh data.
 *
 * The parent creates the posts through the service layer, due in an hour, starts the workers and lets
 * them go idle; then one UPDATE makes every post due at the same instant T. It watches the posts table
 * until all are PUBLISHED and reads, from the rows, when each one's publication committed. Throughput is
 * posts / (last commit − T); the lag percentiles are (commit − T) over the posts. It also checks that
 * nothing was published twice: one succeeded publish job and one publish attempt per post.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { benchConfig } from './bench-config.js';
import { createBrand } from '../src/modules/brands/brands.service.js';
import { createOrganization } from '../src/modules/organizations/organizations.service.js';
import { PUBLISH_JOB } from '../src/modules/posts/posts.jobs.js';
import { createPost } from '../src/modules/posts/posts.service.js';
import { createRuntime } from '../src/runtime.js';
import { PLATFORMS } from '../src/platforms/platforms.js';
import type { Tenant } from '../src/shared/tenant.js';
import { startWorkerChildren, type WorkerChild } from './worker-children.js';
import type { Dialect } from './scenarios.js';

/** Gives idle workers time to finish their start-up sweeps before the posts fall due. */
const DUE_IN_MS = 1_000;

export interface PublishBenchOptions {
  dialect: Dialect;
  dataDir: string;
  databaseUrl?: string;
  schema?: string;
  posts: number;
  workers: number;
  logLevel: string;
  timeoutMs: number;
  /** Each worker limited to this share of one CPU (bench/cpu-limit.ts); unlimited when absent. */
  workerCpuShare?: number;
  /** Registers a child with the caller, which kills it if the run is interrupted. */
  track(child: ChildProcess): void;
}

export interface PublishMeasurement {
  dialect: Dialect;
  workers: number;
  /** The share of one CPU each worker was limited to, or null: unlimited. */
  workerCpuShare: number | null;
  posts: number;
  /** Posts published per second, from the due instant to the last commit. */
  postsPerSecond: number;
  /** From the due instant to each post's PUBLISHED commit, in milliseconds. */
  lagMs: { first: number; p50: number; p90: number; p99: number; last: number };
  /** CPU time of all workers together from ready to stopped, as a share of one core during the run. */
  workerCpuPercent: number;
  /** Each worker's resident memory after the run, in MB. */
  workerRssMb: number[];
  seedSeconds: number;
}

const TEXT_PLATFORMS = PLATFORMS.filter((p) => p !== 'instagram');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : 0;
}

export async function measurePublish(options: PublishBenchOptions): Promise<PublishMeasurement> {
  const secretKey = randomBytes(32).toString('hex');
  const config = benchConfig({ ...options, secretKey });
  const runtime = await createRuntime(config, { schema: options.schema });
  const workers: WorkerChild[] = [];
  try {
    const { ctx } = runtime;
    const { db, clock } = ctx;

    // The posts: test environment, no social account (the sandbox publishes as the brand), text posts on
    // every platform that takes them (Instagram needs media).
    const seedStarted = performance.now();
    const organization = await createOrganization(db, clock, {
      name: 'Publish benchmark',
      plan: 'enterprise',
    });
    const tenant: Tenant = { organizationId: organization.id, environment: 'test' };
    const brand = await createBrand(ctx, tenant, { name: 'Acme Coffee', timezone: 'Europe/Paris' });
    const later = new Date(clock.now() + 3_600_000).toISOString();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < options.posts) {
          const i = next++;
          await createPost(ctx, tenant, {
            brandId: brand.id,
            platform: TEXT_PLATFORMS[i % TEXT_PLATFORMS.length]!,
            caption: `Fresh roast, fresh start: batch ${i} lands on Monday. #coffee`,
            scheduledFor: later,
          });
        }
      }),
    );
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    // The workers, started and idle.
    workers.push(
      ...(await startWorkerChildren({
        count: options.workers,
        spec: {
          dataDir: options.dataDir,
          databaseUrl: options.databaseUrl,
          schema: options.schema,
          secretKey,
          logLevel: options.logLevel,
        },
        track: options.track,
        ...(options.workerCpuShare !== undefined ? { cpuShare: options.workerCpuShare } : {}),
      })),
    );

    // Every post falls due at the same instant.
    const dueAt = Date.now() + DUE_IN_MS;
    await db
      .updateTable('posts')
      .set({ scheduled_for: dueAt })
      .where('organization_id', '=', tenant.organizationId)
      .where('environment', '=', tenant.environment)
      .where('status', '=', 'SCHEDULED')
      .execute();
    const runStarted = Date.now();

    const deadline = runStarted + DUE_IN_MS + options.timeoutMs;
    for (;;) {
      const counts = await db
        .selectFrom('posts')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('organization_id', '=', tenant.organizationId)
        .where('environment', '=', tenant.environment)
        .groupBy('status')
        .execute();
      const of = (status: string) => Number(counts.find((c) => c.status === status)?.n ?? 0);
      if (of('PUBLISHED') === options.posts) break;
      if (of('FAILED') > 0) throw new Error(`${of('FAILED')} posts FAILED`);
      if (Date.now() > deadline)
        throw new Error(
          `only ${of('PUBLISHED')} of ${options.posts} posts PUBLISHED after ${options.timeoutMs / 1000} s`,
        );
      await sleep(20);
    }
    const runSeconds = (Date.now() - runStarted) / 1000;

    let workerCpuMicros = 0;
    const workerRssMb: number[] = [];
    for (const worker of workers.splice(0)) {
      workerCpuMicros += (await worker.stop()) - worker.cpuAtReady;
      workerRssMb.push(Number((worker.rssAtStop / (1024 * 1024)).toFixed(1)));
    }

    // Exactly once: one publish attempt per post and one succeeded job per post, none failed or pending.
    const attempts = await db
      .selectFrom('posts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', tenant.organizationId)
      .where('publish_attempts', '!=', 1)
      .executeTakeFirstOrThrow();
    if (Number(attempts.n) !== 0) throw new Error(`${attempts.n} posts were attempted more than once`);
    const jobs = await sql<{ status: string; n: number }>`
      select status, count(*) as n from jobs where type = ${PUBLISH_JOB} group by status`.execute(db);
    const succeeded = Number(jobs.rows.find((r) => r.status === 'succeeded')?.n ?? 0);
    if (succeeded !== options.posts || jobs.rows.length !== 1)
      throw new Error(`publish jobs: ${JSON.stringify(jobs.rows)}; expected ${options.posts} succeeded`);

    const committed = await db
      .selectFrom('posts')
      .select('updated_at')
      .where('organization_id', '=', tenant.organizationId)
      .where('environment', '=', tenant.environment)
      .execute();
    const lags = committed.map((r) => Number(r.updated_at) - dueAt).sort((a, b) => a - b);
    const last = lags[lags.length - 1]!;
    return {
      dialect: options.dialect,
      workers: options.workers,
      workerCpuShare: options.workerCpuShare ?? null,
      posts: options.posts,
      postsPerSecond: Number((options.posts / (Math.max(1, last) / 1000)).toFixed(1)),
      lagMs: {
        first: lags[0]!,
        p50: percentile(lags, 0.5),
        p90: percentile(lags, 0.9),
        p99: percentile(lags, 0.99),
        last,
      },
      // From ready to stopped (their idle second before T and the graceful stop included).
      workerCpuPercent: Number(((workerCpuMicros / 1e6 / Math.max(0.001, runSeconds)) * 100).toFixed(1)),
      workerRssMb,
      seedSeconds: Number(seedSeconds.toFixed(1)),
    };
  } finally {
    for (const worker of workers) await worker.stop().catch(() => 0);
    await runtime.close();
  }
}
