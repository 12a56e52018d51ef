import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { makeImage } from '../fixtures/media.js';
import { AudenciProcess, cliJson, freePort, tempDir, waitFor } from './harness.js';

/**
 * SIGTERM to `audenci serve` while clients hold idle keep-alive connections and one upload is still
 * being sent: the idle connections are closed at once, the upload in flight is answered (with
 * `Connection: close`), key usage is flushed to the database, and the process exits 0 well within
 * 2 s — not after AUDENCI_SHUTDOWN_TIMEOUT_MS with exit 1 and nothing flushed.
 */

const BOUNDARY = 'sysShutdownBoundary';

/** GET with a keep-alive agent: the connection stays open (idle) after the answer. */
function get(agent: http.Agent, port: number, key: string, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { agent, host: '127.0.0.1', port, path: url, headers: { authorization: `Bearer ${key}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
  });
}

describe('SIGTERM with idle keep-alive clients (SQLite, `audenci serve`)', () => {
  const dataDir = tempDir('audenci-sys-shutdown-');
  let server: AudenciProcess | undefined;
  after(async () => {
    await server?.stop(5000);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('closes idle connections, answers the request in flight, flushes key usage, exits 0 within 2 s', async () => {
    const env = {
      AUDENCI_DATA_DIR: dataDir,
      AUDENCI_SECRET_KEY: randomBytes(32).toString('hex'),
      // Key usage reaches the database only when flushed: here, only by the shutdown.
      AUDENCI_KEY_USAGE_FLUSH_MS: '3600000',
      AUDENCI_SHUTDOWN_TIMEOUT_MS: '10000',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    };
    const org = await cliJson(['orgs', 'create', '--name', 'Shutdown', '--plan', 'enterprise'], env);
    const created = await cliJson(['keys', 'create', '--org', org.id, '--scope', 'admin'], env);
    const port = await freePort();
    server = new AudenciProcess('serve', 'serve', env, port);
    await server.start();

    // Eight idle keep-alive connections.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const statuses = await Promise.all(
      Array.from({ length: 8 }, () => get(agent, port, created.key, '/api/v1/brands?limit=1')),
    );
    assert.deepEqual(new Set(statuses), new Set([200]));
    assert.equal(Object.values(agent.freeSockets).flat().length, 8, 'eight idle connections');

    // An upload in flight: headers and half its body sent.
    const png = await makeImage('png', 16, 16);
    const body = Buffer.concat([
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n` +
          'Content-Type: image/png\r\n\r\n',
      ),
      png,
      Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
    ]);
    const upload = net.connect(port, '127.0.0.1');
    let answer = '';
    upload.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    const uploadClosed = new Promise<void>((resolve) => upload.once('close', () => resolve()));
    upload.write(
      `POST /api/v1/media HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${created.key}\r\n` +
        `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    upload.write(body.subarray(0, 100));
    await sleep(200);

    const signalled = Date.now();
    server.child!.kill('SIGTERM');
    // The idle connections are closed by the server, at once.
    await waitFor(
      'the idle keep-alive connections to be closed',
      () => Object.values(agent.freeSockets).flat().length === 0,
      1500,
      10,
    );
    const idleClosedMs = Date.now() - signalled;
    // The upload in flight is still answered.
    await sleep(200);
    // Written, not ended: Node drops a request whose client half-closes (allowHalfOpen is off).
    upload.write(body.subarray(100));
    await uploadClosed;
    assert.match(answer, /^HTTP\/1\.1 201 /, `${answer.slice(0, 300)}\n${server.tail()}`);
    assert.match(answer, /\r\nConnection: close\r\n/i);

    await server.exit();
    const exitedMs = Date.now() - signalled;
    const code = server.child!.exitCode;
    agent.destroy();
    console.log(`idle connections closed after ${idleClosedMs} ms, exit ${code} after ${exitedMs} ms`);
    assert.equal(code, 0, server.tail());
    assert.ok(exitedMs < 2000, `exited ${exitedMs} ms after SIGTERM`);
    assert.match(server.output, /shut down cleanly/);

    // The uses above reached the database with the shutdown's flush.
    const db = new Database(path.join(dataDir, 'audenci.db'), { readonly: true });
    try {
      const row = db.prepare('select last_used_at from api_keys where id = ?').get(created.id) as {
        last_used_at: number | null;
      };
      assert.ok(row.last_used_at !== null && row.last_used_at >= signalled - 60_000, 'key usage flushed');
    } finally {
      db.close();
    }
  });
});
