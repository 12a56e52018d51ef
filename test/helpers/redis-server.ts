import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/**
 * A `redis-server` of the test's own, on a free port, without persistence: a test may freeze it
 * (SIGSTOP), thaw it (SIGCONT) or stop it without touching the Redis the rest of the suite shares.
 */
export interface OwnRedis {
  url: string;
  pid: number;
  /** SIGSTOP: the server keeps its connections (the kernel still accepts) and answers nothing. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
  /** A plain client of the test's (close it with `disconnect()`). */
  client(): Redis;
  stop(): Promise<void>;
}

/** Why tests that need an own Redis are skipped (no `redis-server` on the PATH), or false. */
export const skipOwnRedis: string | false =
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
    ? false
    : 'redis-server is not installed: the frozen-Redis tests are skipped';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of started) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
});

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  started.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 500 });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`redis-server on port ${port} did not start`, { cause: error });
      await sleep(50);
    } finally {
      probe.disconnect();
    }
  }
  return {
    url,
    pid: child.pid!,
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    client: () => {
      const client = new Redis(url, { maxRetriesPerRequest: 1 });
      client.on('error', () => undefined);
      return client;
    },
    async stop() {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
      started.delete(child);
    },
  };
}
