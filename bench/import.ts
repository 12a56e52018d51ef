/**
 * Import throughput for `npm run bench`: one `posts.import` job of many posts (JSON, a realistic mix of
 * platforms, drafts and scheduled posts, links and metadata), submitted through the jobs service as
 * `POST /jobs` would, then processed by a worker process of its own (bench/publish-worker.ts: the real
 * worker) in chunks, each chunk one transaction with its posts, their events and the job's progress.
 * Posts per second are measured from the job's start to its finish as the job row records them.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { benchConfig } from './bench-config.js';
import { createBrand } from '../src/modules/brands/brands.service.js';
import { createJobTypeRegistry } from '../src/worker/job-types.js';
import { getJob, submitJob, type JobsContext } from '../src/modules/jobs/jobs.service.js';
import { createOrganization } from '../src/modules/organizations/organizations.service.js';
import { createRuntime } from '../src/runtime.js';
import type { Tenant } from '../src/shared/tenant.js';
import type { Dialect } from './scenarios.js';
import { startWorkerChildren, type WorkerChild } from './worker-children.js';

export interface ImportBenchOptions {
  dialect: Dialect;
  dataDir: string;
  databaseUrl?: string;
  schema?: string;
  posts: number;
  logLevel: string;
  timeoutMs: number;
  track(child: ChildProcess): void;
}

export interface ImportMeasurement {
  dialect: Dialect;
  posts: number;
  postsPerSecond: number;
  /** From the job's start to its finish. */
  seconds: number;
  workerCpuPercent: number;
  /** Each worker's resident memory after the run, in MB. */
  workerRssMb: number[];
}

const PLATFORMS = ['twitter', 'facebook', 'linkedin'] as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureImport(options: ImportBenchOptions): Promise<ImportMeasurement> {
  const secretKey = randomBytes(32).toString('hex');
  const config = benchConfig({ ...options, secretKey });
  const runtime = await createRuntime(config, { schema: options.schema });
  const workers: WorkerChild[] = [];
  try {
    const { ctx } = runtime;
    const organization = await createOrganization(ctx.db, ctx.clock, {
      name: 'Import benchmark',
      plan: 'enterprise',
    });
    const tenant: Tenant = { organizationId: organization.id, environment: 'live' };
    const brand = await createBrand(ctx, tenant, { name: 'Acme Coffee', timezone: 'Europe/Paris' });
    const now = ctx.clock.now();
    const posts = Array.from({ length: options.posts }, (_, i) => ({
      platform: PLATFORMS[i % PLATFORMS.length],
      caption: `Imported post ${i}: fresh roast, fresh start. #coffee #specialtycoffee`,
      ...(i % 2 === 0 ? { scheduledFor: new Date(now + 86_400_000 + i * 60_000).toISOString() } : {}),
      ...(i % 3 === 0 ? { link: `https://acme.example/blog/${i}` } : {}),
      ...(i % 5 === 0 ? { metadata: { utm_campaign: 'spring', row: i } } : {}),
    }));
    const jobs: JobsContext = {
      ...ctx,
      registry: createJobTypeRegistry(config),
      publicUrl: config.publicUrl,
    };
    const submitted = await submitJob(
      jobs,
      { ...tenant, kind: 'key', keyId: 'bench', scope: 'read_write', rateLimit: 1_000_000 },
      { type: 'posts.import', payload: { brandId: brand.id, posts } },
    );

    workers.push(
      ...(await startWorkerChildren({
        count: 1,
        spec: {
          dataDir: options.dataDir,
          databaseUrl: options.databaseUrl,
          schema: options.schema,
          secretKey,
          logLevel: options.logLevel,
        },
        track: options.track,
      })),
    );
    const started = Date.now();
    let job = submitted;
    while (job.status === 'queued' || job.status === 'running') {
      if (Date.now() - started > options.timeoutMs)
        throw new Error(
          `the import did not finish in ${options.timeoutMs / 1000} s: ${JSON.stringify(job.progress)}`,
        );
      await sleep(50);
      job = await getJob(jobs, tenant, submitted.id);
    }
    const runSeconds = (Date.now() - started) / 1000;
    let workerCpuMicros = 0;
    const workerRssMb: number[] = [];
    for (const worker of workers.splice(0)) {
      workerCpuMicros += (await worker.stop()) - worker.cpuAtReady;
      workerRssMb.push(Number((worker.rssAtStop / (1024 * 1024)).toFixed(1)));
    }

    if (job.status !== 'succeeded' || job.progress.succeeded !== options.posts)
      throw new Error(`import ended ${job.status} with ${JSON.stringify(job.progress)}`);
    const stored = await ctx.db
      .selectFrom('posts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', tenant.organizationId)
      .executeTakeFirstOrThrow();
    if (Number(stored.n) !== options.posts) throw new Error(`${stored.n} posts stored for ${options.posts}`);
    const seconds = (Date.parse(job.finishedAt!) - Date.parse(job.startedAt!)) / 1000;
    return {
      dialect: options.dialect,
      posts: options.posts,
      postsPerSecond: Number((options.posts / Math.max(0.001, seconds)).toFixed(1)),
      seconds: Number(seconds.toFixed(2)),
      workerCpuPercent: Number(((workerCpuMicros / 1e6 / Math.max(0.001, runSeconds)) * 100).toFixed(1)),
      workerRssMb,
    };
  } finally {
    for (const worker of workers) await worker.stop().catch(() => 0);
    await runtime.close();
  }
}
