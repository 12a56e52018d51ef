/**
 * A worker in a child process, for the jobs crash test: `node --import tsx test/helpers/jobs-worker.ts
 * '<spec JSON>'`. It runs the real worker (every handler and periodic task) on the test database, with
 * the test job types registered besides the real ones, and prints `ready` once it claims jobs. The test
 * kills it with SIGKILL to simulate a crash (no release, no graceful stop).
 */
import { loadConfig } from '../../src/config/index.js';
import { createJobTypeRegistry } from '../../src/worker/job-types.js';
import { createRuntime } from '../../src/runtime.js';
import { createWorker } from '../../src/worker/index.js';
import { rowsJobType } from './job-types.js';

export interface JobsWorkerSpec {
  env: Record<string, string>;
  schema?: string;
  sqliteFile?: string;
  workerId: string;
  leaseMs: number;
  chunkSize: number;
}

const spec = JSON.parse(process.argv[2]!) as JobsWorkerSpec;
const config = loadConfig(spec.env);
const runtime = await createRuntime(config, { schema: spec.schema, sqliteFile: spec.sqliteFile });
const jobTypes = createJobTypeRegistry(config).register(rowsJobType({ chunkSize: spec.chunkSize }));
const worker = createWorker(
  {
    config,
    ctx: runtime.ctx,
    db: runtime.ctx.db,
    connectors: runtime.connectors,
    tokenBox: runtime.tokenBox,
    webhookBox: runtime.webhookBox,
    media: runtime.media,
    jobTypes,
  },
  {
    workerId: spec.workerId,
    leaseMs: spec.leaseMs,
    pollMs: 100,
    onError: (error, what) => process.stderr.write(`${spec.workerId}: ${what}: ${String(error)}\n`),
  },
);
await worker.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void worker
    .stop(2_000)
    .then(() => runtime.close())
    .then(() => process.exit(0));
});
