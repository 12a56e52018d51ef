/**
 * Worker processes for the background-work measurements (publish, webhooks): each runs
 * bench/publish-worker.ts — the real runtime and worker, as `audenci worker` — on the database the
 * parent prepared, and reports its CPU time when ready and when stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { buildChildren } from './build-children.js';
import { limitCpu } from './cpu-limit.js';
import { serverLaunch } from '../bin/build.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PublishWorkerAnswer, PublishWorkerMessage, PublishWorkerSpec } from './publish-worker.js';

const WORKER_SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'publish-worker.ts');
/** The worker child bundled as plain JavaScript (bench/build-children.ts), built once per bench run. */
let workerEntry: Promise<string> | undefined;

export class WorkerChild {
  private readonly waiting: Array<(m: PublishWorkerAnswer) => void> = [];
  readonly exited: Promise<void>;

  constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        for (const fn of this.waiting.splice(0))
          fn({ type: 'failed', error: `worker exited (${signal ?? `code ${code}`})` });
        resolve();
      }),
    );
    child.on('message', (m: PublishWorkerAnswer) => this.waiting.shift()?.(m));
  }

  ask(message: PublishWorkerMessage, timeoutMs: number): Promise<PublishWorkerAnswer> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(done);
        if (at >= 0) this.waiting.splice(at, 1);
        resolve({ type: 'failed', error: `worker did not answer '${message.type}' in ${timeoutMs} ms` });
      }, timeoutMs);
      const done = (m: PublishWorkerAnswer) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiting.push(done);
      this.child.send(message);
    });
  }

  /** CPU time (µs) when the worker was ready, and when it stopped. */
  cpuAtReady = 0;
  /** Resident memory (bytes) when it was asked to stop, after its work; 0 until then. */
  rssAtStop = 0;

  async stop(): Promise<number> {
    let cpuMicros = this.cpuAtReady;
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.connected) {
      const answer = await this.ask({ type: 'stop' }, 15_000);
      if (answer.type === 'stopped') {
        cpuMicros = answer.cpuMicros;
        this.rssAtStop = answer.rss;
      }
    }
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(killer);
    return cpuMicros;
  }
}

/**
 * `node --cpu-prof` for worker `w` when BENCH_CPU_PROF names a directory (as for the server children):
 * one directory per worker, `worker-1/`, `worker-2/`, whose largest `.cpuprofile` is the main thread's.
 */
function cpuProfile(w: number): string[] {
  const dir = process.env.BENCH_CPU_PROF?.trim();
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(path.resolve(dir), `worker-${w + 1}`)}`] : [];
}

/** Starts `count` workers one after the other; each is running (and idle, if there is nothing to do). */
export async function startWorkerChildren(options: {
  count: number;
  spec: Omit<PublishWorkerSpec, 'workerId'>;
  track(child: ChildProcess): void;
  /** Each worker limited to this share of one CPU (bench/cpu-limit.ts); unlimited when absent. */
  cpuShare?: number;
}): Promise<WorkerChild[]> {
  const started: WorkerChild[] = [];
  workerEntry ??= buildChildren([WORKER_SOURCE]).then(([entry]) => entry!);
  const entry = await workerEntry;
  try {
    for (let w = 0; w < options.count; w++) {
      // The Node.js options and environment of a deployed worker (package.json's start, bin/build.mjs).
      const launch = serverLaunch();
      const child = spawn(process.execPath, [...cpuProfile(w), ...launch.nodeOptions, entry], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, ...launch.env, NODE_ENV: 'production' },
        // A session of its own, as a worker deployed as its own service runs: with Linux's autogroup
        // scheduling (sched_autogroup_enabled), the processes of one session share one CPU share when
        // the machine is busy, so two workers in the bench's session split what one would get, and the
        // parent's polling takes from them too. It still exits with the parent (the IPC channel).
        detached: true,
      });
      options.track(child);
      const worker = new WorkerChild(child);
      started.push(worker);
      if (options.cpuShare !== undefined && child.pid !== undefined) {
        const group = limitCpu(child.pid, options.cpuShare, `worker-${w + 1}`);
        void worker.exited.then(group.release);
      }
      const answer = await worker.ask(
        { type: 'start', spec: { ...options.spec, workerId: `bench-worker-${w + 1}` } },
        60_000,
      );
      if (answer.type !== 'ready')
        throw new Error(answer.type === 'failed' ? answer.error : `unexpected '${answer.type}'`);
      worker.cpuAtReady = answer.cpuMicros;
    }
    return started;
  } catch (error) {
    for (const worker of started) await worker.stop().catch(() => 0);
    throw error;
  }
}
