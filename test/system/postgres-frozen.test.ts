/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are JSON of any shape */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AudenciProcess,
  cliJson,
  freePort,
  inParallel,
  request,
  runCli,
  tempDir,
  waitFor,
  type Answer,
} from './harness.js';
import { skipOwnPostgres, startOwnPostgres, type OwnPostgres } from './own-postgres.js';

/**
 * A frozen PostgreSQL (SIGSTOP on the postmaster and every backend of a cluster the test starts
 * itself) answers nothing: the server's statement timeout never fires and TCP stays up. Every wait is
 * bounded on the client side (AUDENCI_DB_CONNECT_TIMEOUT_MS, AUDENCI_DB_QUERY_TIMEOUT_MS), so each
 * request answers 503 SERVICE_UNAVAILABLE with Retry-After within connect + query timeout, never hangs
 * and never 500s; liveness stays 200 and readiness 503. After SIGCONT the same processes recover
 * without a restart: reads, writes and the worker's publishing work, and no acknowledged write is lost.
 */

const CONNECT_MS = 1000;
const STATEMENT_MS = 2000;
/** AUDENCI_DB_QUERY_TIMEOUT_MS's default: the statement timeout plus one second. */
const QUERY_MS = STATEMENT_MS + 1000;
/** A request may wait for a pooled connection, then for an answer; plus a loaded machine's slack. */
const BOUND_MS = CONNECT_MS + QUERY_MS + 1500;

describe('a frozen PostgreSQL: 503 within the bound, full recovery after', { skip: skipOwnPostgres }, () => {
  let db: OwnPostgres;
  let api: AudenciProcess;
  let worker: AudenciProcess;
  let dataDir: string;
  let key: string;

  before(async () => {
    const started = Date.now();
    db = await startOwnPostgres();
    dataDir = tempDir('audenci-sys-pg-');
    const port = await freePort();
    const env: Record<string, string> = {
      DATABASE_URL: db.url,
      AUDENCI_SECRET_KEY: randomBytes(32).toString('hex'),
      AUDENCI_DATA_DIR: dataDir,
      AUDENCI_PUBLIC_URL: `http://127.0.0.1:${port}`,
      AUDENCI_ALLOW_PRIVATE_URLS: 'true',
      AUDENCI_DB_POOL_SIZE: '4',
      AUDENCI_DB_CONNECT_TIMEOUT_MS: String(CONNECT_MS),
      AUDENCI_DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_MS),
      AUDENCI_SHUTDOWN_TIMEOUT_MS: '5000',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
    const migrated = await runCli(['migrate'], env);
    if (migrated.code !== 0) throw new Error(`audenci migrate failed: ${migrated.stderr}${migrated.stdout}`);
    api = new AudenciProcess('api', 'api', env, port);
    worker = new AudenciProcess('worker', 'worker', env);
    await api.start();
    await worker.start();
    console.log(
      `own PostgreSQL on port ${db.port} (pid ${db.pid}), API and worker ready in ${Date.now() - started} ms`,
    );
    const org = await cliJson(['orgs', 'create', '--name', 'Frozen', '--plan', 'enterprise'], env);
    // A test-environment key: its posts publish through the sandbox connector.
    key = (await cliJson(['keys', 'create', '--org', org.id, '--scope', 'admin', '--test'], env)).key;
  });

  after(async () => {
    db?.thaw();
    await api?.stop(5000);
    await worker?.stop(5000);
    await db?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const diagnostics = () => `${api.tail()}\n${worker.tail()}\n--- postgres ---\n${db.log().slice(-3000)}`;

  it(`requests answer 503 with Retry-After within ${BOUND_MS} ms while frozen; after SIGCONT everything works, nothing lost`, async () => {
    const call = (method: string, url: string, body?: unknown) =>
      request(api.url, method, url, { key, body, timeoutMs: 60_000 });
    const brand = await call('POST', '/api/v1/brands', { name: 'Frozen brand' });
    assert.equal(brand.status, 201, JSON.stringify(brand.body));
    const brandId = brand.body.data.id as string;
    const account = await call('POST', '/api/v1/social-accounts', {
      brandId,
      platform: 'twitter',
      name: 'Sandbox',
    });
    assert.equal(account.status, 201, JSON.stringify(account.body));
    const post = (caption: string) =>
      call('POST', '/api/v1/posts', {
        brandId,
        platform: 'twitter',
        socialAccountId: account.body.data.id,
        caption,
      });
    const before: Record<string, string> = {};
    for (let i = 0; i < 5; i++) {
      const created = await post(`before ${i}`);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      before[created.body.data.id] = `before ${i}`;
    }
    const ids = Object.keys(before);

    const frozenPids = db.freeze();
    const frozenAt = Date.now();
    const answers: { what: string; answer?: Answer; error?: unknown; ms: number }[] = [];
    const attempt = async (what: string, method: string, url: string, body?: unknown) => {
      const started = Date.now();
      try {
        answers.push({ what, answer: await call(method, url, body), ms: Date.now() - started });
      } catch (error) {
        answers.push({ what, error, ms: Date.now() - started });
      }
    };
    let health: Answer | undefined;
    try {
      // More at once than the pool has connections: some wait for a connection, some for an answer.
      const burst = [
        ...ids.map((id) => ['GET', `/api/v1/posts/${id}`, undefined] as const),
        ['GET', '/api/v1/posts', undefined] as const,
        ...[0, 1, 2].map(
          (i) => ['POST', '/api/v1/posts', { brandId, platform: 'twitter', caption: `during ${i}` }] as const,
        ),
        ['POST', `/api/v1/posts/${ids[0]}/publish`, undefined] as const,
      ];
      await inParallel(burst, burst.length, ([method, url, body]) =>
        attempt(`${method} ${url}`, method, url, body),
      );
      // Later in the freeze, one at a time: new connections get no answer either.
      for (let i = 0; i < 3; i++) {
        await sleep(1000);
        await attempt('GET /api/v1/posts (later)', 'GET', '/api/v1/posts');
        await attempt('GET /readyz', 'GET', '/readyz');
      }
      health = await request(api.url, 'GET', '/healthz', { timeoutMs: 2000 });
      assert.ok(worker.running, 'the worker is still running');
    } finally {
      db.thaw();
    }
    const frozenFor = Date.now() - frozenAt;

    const problems: string[] = [];
    for (const { what, answer, error, ms } of answers) {
      if (error || !answer) problems.push(`${what}: no answer after ${ms} ms (${String(error)})`);
      else if (answer.status !== 503)
        problems.push(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
      else if (answer.headers.get('retry-after') !== '1')
        problems.push(`${what}: Retry-After ${answer.headers.get('retry-after')}`);
      else if (answer.body?.error?.code !== 'SERVICE_UNAVAILABLE')
        problems.push(`${what}: ${JSON.stringify(answer.body)}`);
      else if (ms > BOUND_MS) problems.push(`${what}: answered after ${ms} ms`);
    }
    const slowest = Math.max(...answers.map((a) => a.ms));
    console.log(
      `frozen PostgreSQL (${frozenPids.length} processes stopped for ${frozenFor} ms): ${answers.length} requests, ` +
        `all 503 within ${slowest} ms (bound ${BOUND_MS} ms = connect ${CONNECT_MS} + query ${QUERY_MS} + slack); ` +
        `latencies ${answers.map((a) => a.ms).join(', ')}`,
    );
    assert.deepEqual(problems, [], diagnostics());
    assert.equal(health?.status, 200, 'liveness does not depend on the database');
    assert.ok(answers.some((a) => a.what === 'GET /readyz'));

    // Thawed: the same processes recover, without a restart.
    const thawedAt = Date.now();
    await waitFor(
      '/readyz 200 after SIGCONT',
      async () => (await request(api.url, 'GET', '/readyz').catch(() => undefined))?.status === 200,
      30_000,
    );
    console.log(`PostgreSQL thawed: /readyz 200 again after ${Date.now() - thawedAt} ms`);
    for (const [id, caption] of Object.entries(before)) {
      const read = await call('GET', `/api/v1/posts/${id}`);
      assert.equal(read.status, 200, JSON.stringify(read.body));
      assert.equal(read.body.data.caption, caption);
    }
    const after = await post('after');
    assert.equal(after.status, 201, JSON.stringify(after.body));
    assert.equal((await call('GET', `/api/v1/posts/${after.body.data.id}`)).body.data.caption, 'after');
    // A write refused with 503 did not happen (its transaction never committed).
    const listed = await call('GET', '/api/v1/posts?limit=100');
    assert.equal(listed.status, 200);
    const captions = (listed.body.data as any[]).map((p) => p.caption as string).sort();
    assert.deepEqual(captions, ['after', 'before 0', 'before 1', 'before 2', 'before 3', 'before 4']);

    // The worker was not wedged: a post published now is published.
    const publish = await call('POST', `/api/v1/posts/${after.body.data.id}/publish`);
    assert.equal(publish.status, 202, JSON.stringify(publish.body));
    await waitFor(
      'the post published by the worker',
      async () => (await call('GET', `/api/v1/posts/${after.body.data.id}`)).body.data.status === 'PUBLISHED',
      30_000,
      250,
    );
    assert.ok(api.running && worker.running, diagnostics());
    assert.equal(api.starts, 1, 'the API was never restarted');
    assert.equal(worker.starts, 1, 'the worker was never restarted');
  });
});
