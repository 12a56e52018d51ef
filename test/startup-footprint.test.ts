import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { compileAllSchemas, uncompiledSchemas } from '../src/http/lazy-compile.js';
import { call, createTenant, createTestApp, dialects } from './helpers/app.js';

// What a server loads before it is ready is what it holds in memory and pays for in start-up time
// (issue #20: idle < 100 MB, cold start < 1 s; the figures are bench/startup.ts's). These tests fail
// when a heavy module slips back into the start-up path, or when route schemas are compiled eagerly
// again — without timing anything.

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Packages a `serve` process on SQLite, without Redis, SMTP, S3 or an AI provider configured, must not
 * have loaded when `/readyz` first answers 200: each is loaded where it is first used.
 */
const NOT_AT_START_UP: Record<string, string> = {
  sharp: 'images: probing uploads, generated images (src/shared/sharp.ts)',
  '@img': "sharp's native libvips",
  nodemailer: 'mail, only with AUDENCI_SMTP_URL (src/mail/smtp.ts)',
  ioredis: 'rate limits in Redis, only with REDIS_URL (src/http/redis-rate-limit.ts)',
  pg: 'PostgreSQL, only with DATABASE_URL (src/db/dialects/postgres.ts)',
  'pg-pool': 'PostgreSQL',
  undici: 'outbound HTTP: webhooks, media imports, AI providers (src/shared/safe-fetch.ts)',
  '@aws-sdk': 'S3 media storage, only with AUDENCI_MEDIA_STORAGE=s3',
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The packages (under node_modules, scoped ones by scope) and the source files among `files`. */
function packagesOf(files: string[]): Set<string> {
  const out = new Set<string>();
  for (const file of files) {
    const match = /[\\/]node_modules[\\/]((?:@[^\\/]+)|[^\\/]+)[\\/]/.exec(
      file.slice(file.lastIndexOf('node_modules') - 1),
    );
    if (match) out.add(match[1]!);
  }
  return out;
}

describe('start-up footprint', () => {
  it('`audenci serve` on SQLite is ready without loading sharp, nodemailer, ioredis, pg, undici or the S3 SDK', async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'audenci-footprint-'));
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of [
      'DATABASE_URL',
      'REDIS_URL',
      'AUDENCI_SMTP_URL',
      'AUDENCI_MEDIA_STORAGE',
      'AI_PROVIDER',
    ])
      delete env[name];
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        // Last, so that its resolve hook sees the URLs tsx resolved.
        '--import',
        './test/helpers/loaded-modules.mjs',
        'src/cli.ts',
        'serve',
      ],
      {
        cwd: ROOT,
        env: {
          ...env,
          AUDENCI_DATA_DIR: dataDir,
          AUDENCI_PUBLIC_URL: `http://127.0.0.1:${port}`,
          HOST: '127.0.0.1',
          PORT: String(port),
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let gone = false;
    void exited.then(() => (gone = true));
    t.after(async () => {
      if (!gone) child.kill('SIGTERM');
      await exited;
    });

    for (;;) {
      assert.ok(!gone, `the server exited before it was ready:\n${output}`);
      const status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      await sleep(50);
    }

    const files = await new Promise<string[]>((resolve) => {
      child.on('message', (message: { type?: string; files?: string[] }) => {
        if (message.type === 'loaded-modules') resolve(message.files ?? []);
      });
      child.send({ type: 'loaded-modules' });
    });
    const packages = packagesOf(files);
    // The listing sees both kinds of module: CommonJS packages, ES modules, and the server's own source.
    for (const seen of ['fastify', 'better-sqlite3', 'kysely'])
      assert.ok(packages.has(seen), `expected ${seen} among the loaded packages: the listing is broken`);
    assert.ok(
      files.includes(path.join(ROOT, 'src/app.ts')),
      'expected src/app.ts among the loaded files: the listing is broken',
    );

    const loaded = Object.keys(NOT_AT_START_UP).filter((name) => packages.has(name));
    assert.deepEqual(
      loaded.map((name) => `${name} (${NOT_AT_START_UP[name]})`),
      [],
      'loaded before the server was ready; import it where it is first used (see docs/operations.md, "Memory and start-up")',
    );
  });

  for (const dialect of dialects) {
    it(`route schemas compile on first use, and every one compiles (${dialect})`, async (t) => {
      const testApp = await createTestApp(dialect);
      t.after(() => testApp.close());
      const { app } = testApp;
      const tenant = await createTenant(testApp);

      // Ready, and nothing (or next to nothing) compiled: each route's validators and serializers wait.
      const before = uncompiledSchemas(app);
      assert.ok(before > 500, `expected the routes' schemas uncompiled after start-up, ${before} are`);

      // A request compiles its route's, and is validated and answered as ever.
      const bad = await call(app, 'GET', '/api/v1/posts', {
        key: tenant.live.admin,
        query: { limit: 'many' },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'INVALID_INPUT');
      assert.equal(bad.body.error.details.field, 'limit');
      const list = await call(app, 'GET', '/api/v1/posts', { key: tenant.live.admin, query: { limit: 5 } });
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.data, []);
      const after = uncompiledSchemas(app);
      assert.ok(after < before, 'the request compiled its route’s schemas');

      // Every remaining schema compiles (a broken one would throw here, as it once stopped the start-up).
      assert.equal(compileAllSchemas(app), after);
      assert.equal(uncompiledSchemas(app), 0);
      const again = await call(app, 'GET', '/api/v1/posts', { key: tenant.live.admin, query: { limit: 5 } });
      assert.deepEqual(again.body, list.body);
    });
  }
});
