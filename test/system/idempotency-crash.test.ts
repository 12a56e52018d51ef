import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import {
  AudenciProcess,
  cliJson,
  createSystemDatabase,
  freePort,
  request,
  runCli,
  skipScaleOut,
  tempDir,
  type SystemDatabase,
} from './harness.js';

/**
 * "Without doing the work again": a process is killed right after an idempotent `POST /posts` committed
 * and before its answer left (the `idempotency.after-commit` failpoint SIGKILLs it there). The client saw
 * the connection drop and retries with the same Idempotency-Key on the restarted process: it gets the
 * first answer replayed, and there is one post and one `post.created`. Before the key's record committed
 * with the work, the retry found the key still `running`, got 409 for a minute and then made a second
 * post.
 */

async function crashAndRetry(doomed: AudenciProcess, restarted: AudenciProcess, key: string): Promise<void> {
  const brand = await request(doomed.url, 'POST', '/api/v1/brands', { key, body: { name: 'Crash' } });
  assert.equal(brand.status, 201, JSON.stringify(brand.body));
  const caption = `Once ${randomBytes(4).toString('hex')}`;
  const post = { brandId: brand.body.data.id, platform: 'twitter', caption };
  const idempotencyKey = `crash-${randomBytes(6).toString('hex')}`;
  const headers = { 'Idempotency-Key': idempotencyKey };

  const started = Date.now();
  await assert.rejects(
    request(doomed.url, 'POST', '/api/v1/posts', { key, body: post, headers }),
    'the answer never arrives: the failpoint killed the process after the commit',
  );
  await doomed.exit();
  assert.equal(doomed.running, false);
  console.log(`killed after the commit, ${Date.now() - started} ms after the request`);

  await restarted.start();
  const retry = await request(restarted.url, 'POST', '/api/v1/posts', { key, body: post, headers });
  assert.equal(retry.status, 201, JSON.stringify(retry.body));
  assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  assert.equal(retry.body.data.caption, caption);

  const posts = await request(restarted.url, 'GET', '/api/v1/posts?limit=100', { key });
  const same = posts.body.data.filter((p: { caption: string }) => p.caption === caption);
  assert.deepEqual(
    same.map((p: { id: string }) => p.id),
    [retry.body.data.id],
    'exactly one post, the one the replay names',
  );
  const events = await request(restarted.url, 'GET', '/api/v1/events?type=post.created&limit=100', { key });
  const created = events.body.data.filter((e: { data: { id: string } }) => e.data.id === retry.body.data.id);
  assert.equal(created.length, 1, 'one post.created');
  console.log(`retry replayed ${retry.body.data.id}: 1 post, 1 post.created`);
}

describe('a crash after an idempotent request committed (SQLite, `audenci serve`)', () => {
  const dataDir = tempDir('audenci-sys-crash-');
  const processes: AudenciProcess[] = [];
  after(async () => {
    for (const p of processes) await p.stop(5000);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the retry replays the first answer: one post, one event', async () => {
    const env = {
      AUDENCI_DATA_DIR: dataDir,
      AUDENCI_SECRET_KEY: randomBytes(32).toString('hex'),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
    const org = await cliJson(['orgs', 'create', '--name', 'Crash', '--plan', 'enterprise'], env);
    const { key } = await cliJson(['keys', 'create', '--org', org.id, '--scope', 'admin'], env);
    const port = await freePort();
    const doomed = new AudenciProcess(
      'serve',
      'serve',
      { ...env, AUDENCI_FAILPOINTS: 'idempotency.after-commit' },
      port,
    );
    const restarted = new AudenciProcess('serve (restarted)', 'serve', env, port);
    processes.push(doomed, restarted);
    await doomed.start();
    await crashAndRetry(doomed, restarted, key);
  });
});

describe(
  'a crash after an idempotent request committed (PostgreSQL, `audenci api`)',
  { skip: skipScaleOut },
  () => {
    let db: SystemDatabase | undefined;
    const dataDir = tempDir('audenci-sys-crash-pg-');
    const processes: AudenciProcess[] = [];
    after(async () => {
      for (const p of processes) await p.stop(5000);
      await db?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('the retry replays the first answer: one post, one event', async () => {
      db = await createSystemDatabase();
      const env = {
        DATABASE_URL: db.url,
        REDIS_URL: process.env.TEST_REDIS_URL!,
        AUDENCI_DATA_DIR: dataDir,
        AUDENCI_SECRET_KEY: randomBytes(32).toString('hex'),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      };
      const migrated = await runCli(['migrate'], env);
      assert.equal(migrated.code, 0, migrated.stderr);
      const org = await cliJson(['orgs', 'create', '--name', 'Crash', '--plan', 'enterprise'], env);
      const { key } = await cliJson(['keys', 'create', '--org', org.id, '--scope', 'admin'], env);
      const port = await freePort();
      const doomed = new AudenciProcess(
        'api',
        'api',
        { ...env, AUDENCI_FAILPOINTS: 'idempotency.after-commit' },
        port,
      );
      const restarted = new AudenciProcess('api (restarted)', 'api', env, port);
      processes.push(doomed, restarted);
      await doomed.start();
      await crashAndRetry(doomed, restarted, key);
    });
  },
);
