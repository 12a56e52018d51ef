import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AudenciProcess,
  cliJson,
  freePort,
  inParallel,
  request,
  skipScaleOut,
  startCluster,
  Tally,
  tempDir,
  type Cluster,
} from './harness.js';

/**
 * "No acknowledged write is lost": a 2xx answer to `POST /posts` means the post is stored for good, even
 * when the process that answered is SIGKILLed a moment later, or the database drops every connection.
 * Answers other than 2xx (503, 502, a refused connection) are allowed during the faults; they are counted.
 */

const LOAD_MS = Number(process.env.SYSTEM_WRITE_LOAD_SECONDS ?? 20) * 1000;
const CLIENTS = 8;
const RUN = randomBytes(3).toString('hex');

interface Acknowledged {
  id: string;
  caption: string;
}

/**
 * `CLIENTS` clients creating posts back to back for `LOAD_MS`, each request to the next of `targets()`
 * (read anew for each request) with its own Idempotency-Key; `faults` runs alongside.
 */
async function writeLoad(
  targets: () => string[],
  key: string,
  brandId: string,
  label: string,
  faults: (elapsed: () => number) => Promise<void>,
) {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const tally = new Tally();
  const acknowledged: Acknowledged[] = [];
  let sent = 0;
  const client = async (n: number) => {
    for (let i = 0; elapsed() < LOAD_MS; i++) {
      const list = targets();
      const base = list[(n + i) % list.length]!;
      const caption = `System write ${label} ${RUN} c${n} #${i}`;
      sent++;
      try {
        const answer = await request(base, 'POST', '/api/v1/posts', {
          key,
          headers: { 'idempotency-key': randomUUID() },
          body: { brandId, platform: 'twitter', caption },
          timeoutMs: 15_000,
        });
        tally.add(answer.status);
        if (answer.status >= 200 && answer.status < 300) {
          acknowledged.push({ id: answer.body.data.id, caption });
        } else if (answer.status >= 500 && answer.status !== 502 && answer.status !== 503) {
          console.log(`unexpected ${answer.status}: ${JSON.stringify(answer.body)}`);
        }
      } catch {
        tally.add('network');
        await sleep(50);
      }
    }
  };
  await Promise.all([...Array.from({ length: CLIENTS }, (_, n) => client(n)), faults(elapsed)]);
  return { tally, acknowledged, sent, ms: elapsed() };
}

/** Every acknowledged post answers 200 with its caption; returns the ones that do not. */
async function missingOf(base: string, key: string, acknowledged: Acknowledged[]) {
  const missing: string[] = [];
  await inParallel(acknowledged, 8, async (post) => {
    const answer = await request(base, 'GET', `/api/v1/posts/${post.id}`, { key }).catch(
      (error: unknown) => ({ status: 0, body: String(error) }),
    );
    if (answer.status !== 200 || answer.body.data.caption !== post.caption) {
      missing.push(`${post.id}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
    }
  });
  return missing;
}

describe('no acknowledged write is lost (PostgreSQL, 2 API processes)', { skip: skipScaleOut }, () => {
  let cluster: Cluster | undefined;
  after(async () => cluster?.close());

  it('an API process SIGKILLed and every database connection terminated mid-load: every 2xx post is stored', async () => {
    cluster = await startCluster({ apis: 2, workers: 0 });
    const c = cluster;
    const { key } = await c.tenant({ rateLimit: 1_000_000 });
    const brand = await request(c.apis[0]!.url, 'POST', '/api/v1/brands', { key, body: { name: 'Writes' } });
    assert.equal(brand.status, 201);
    const [a, b] = c.apis as [AudenciProcess, AudenciProcess];
    let terminated = 0;

    const result = await writeLoad(
      () => [a.url, b.url],
      key,
      brand.body.data.id,
      'pg',
      async (elapsed) => {
        while (elapsed() < LOAD_MS * 0.3) await sleep(100);
        await b.kill();
        console.log(`${Math.round(elapsed())} ms: SIGKILLed ${b.name}`);
        while (elapsed() < LOAD_MS * 0.5) await sleep(100);
        terminated = await c.db.terminateConnections();
        console.log(`${Math.round(elapsed())} ms: terminated ${terminated} database connection(s)`);
        // Started again in the background: the second fault does not wait for it.
        const restarted = b
          .start()
          .then(() => console.log(`${Math.round(elapsed())} ms: ${b.name} ready again`));
        while (elapsed() < LOAD_MS * 0.75) await sleep(100);
        terminated += await c.db.terminateConnections();
        console.log(`${Math.round(elapsed())} ms: terminated database connections again`);
        await restarted;
      },
    );
    const down = c.apis.filter((p) => !p.running);
    assert.deepEqual(
      down.map((p) => p.name),
      [],
      `API process(es) died during the load (only api-2 was killed, and restarted):\n${c.diagnostics()}`,
    );
    const missing = await missingOf(a.url, key, result.acknowledged);
    const rows = await c.db.query<{ n: string }>('select count(*) as n from posts');
    console.log(
      `no-lost-writes (PostgreSQL): ${result.sent} requests in ${result.ms} ms — ${result.tally}; ` +
        `${result.acknowledged.length} acknowledged, ${missing.length} missing; ${rows[0]!.n} rows; ` +
        `${terminated} connections terminated`,
    );
    assert.ok(result.acknowledged.length > 100, `too few writes went through: ${result.tally}`);
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged post(s) lost`);
    assert.deepEqual(
      result.tally.unexpected((s) => (s >= 200 && s < 300) || s === 503),
      result.tally.get('network') ? ['network'] : [],
      `answers other than 2xx/503: ${result.tally}\n${c.diagnostics()}`,
    );
  });
});

describe('no acknowledged write is lost (SQLite, one `audenci serve`)', () => {
  const dataDir = tempDir('audenci-sys-sqlite-');
  let server: AudenciProcess | undefined;
  after(async () => {
    await server?.stop(5000);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the process SIGKILLed mid-load and started again on the same data dir: every 2xx post is stored', async () => {
    const env = {
      AUDENCI_DATA_DIR: dataDir,
      AUDENCI_SECRET_KEY: randomBytes(32).toString('hex'),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
    // A limit above the load and the read-back (a quiet machine writes over 10,000 posts in 20 s).
    const org = await cliJson(
      ['orgs', 'create', '--name', 'Writes', '--plan', 'enterprise', '--rate-limit', '1000000'],
      env,
    );
    const { key } = await cliJson(['keys', 'create', '--org', org.id, '--scope', 'admin'], env);
    server = new AudenciProcess('serve', 'serve', env, await freePort());
    const s = server;
    await s.start();
    const brand = await request(s.url, 'POST', '/api/v1/brands', { key, body: { name: 'Writes' } });
    assert.equal(brand.status, 201);

    const result = await writeLoad(
      () => [s.url],
      key,
      brand.body.data.id,
      'sqlite',
      async (elapsed) => {
        while (elapsed() < LOAD_MS * 0.4) await sleep(100);
        await s.kill();
        console.log(`${Math.round(elapsed())} ms: SIGKILLed serve`);
        await s.start();
        console.log(`${Math.round(elapsed())} ms: serve ready again`);
      },
    );
    const missing = await missingOf(s.url, key, result.acknowledged);
    console.log(
      `no-lost-writes (SQLite): ${result.sent} requests in ${result.ms} ms — ${result.tally}; ` +
        `${result.acknowledged.length} acknowledged, ${missing.length} missing`,
    );
    assert.ok(result.acknowledged.length > 100, `too few writes went through: ${result.tally}`);
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged post(s) lost\n${s.tail()}`);
    assert.deepEqual(
      result.tally.unexpected((status) => (status >= 200 && status < 300) || status === 503),
      result.tally.get('network') ? ['network'] : [],
      `answers other than 2xx/503: ${result.tally}\n${s.tail()}`,
    );
  });
});
