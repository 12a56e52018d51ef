/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are JSON of any shape */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { makeImage } from '../fixtures/media.js';
import { AudenciProcess, cliJson, freePort, request, tempDir, waitFor } from './harness.js';

/**
 * Uploads against a real `audenci serve` over real sockets:
 * - an answer given before the request's body arrived (413 at the first byte over the limit, 413 for a
 *   JSON body announced too large) reaches a client that sends its whole body before reading, and the
 *   connection closes as soon as the body is in — not after the keep-alive timeout, and never a later
 *   408 on the reused socket;
 * - every failed upload shape (an unknown field after the file, a second file, an unknown brand, a file
 *   over the limit, a body cut before its closing boundary, a client that vanishes mid-file, a process
 *   killed mid-file) leaves no media row and no file.
 */

const BOUNDARY = 'sysBoundary4f1c2d';
const TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
const IMAGE_LIMIT = 64 * 1024;

const field = (name: string, value: string) =>
  Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
const fileHead = (name = 'a.png') =>
  Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      'Content-Type: image/png\r\n\r\n',
  );
const file = (data: Buffer, name?: string) => Buffer.concat([fileHead(name), data, Buffer.from('\r\n')]);
const CLOSE = Buffer.from(`--${BOUNDARY}--\r\n`);

/** What one raw connection saw: everything the server wrote, and when it closed. */
interface Exchange {
  text: string;
  status: number;
  headers: Record<string, string>;
  body: any;
  /** From the last byte the client wrote to the connection closing. */
  closedAfterMs: number;
  /** Status lines read (a second answer, e.g. a 408, on the same socket would show here). */
  answers: number;
}

/**
 * Sends `head` and then all of `body` before reading anything (as clients that do not read until they
 * are done writing), then waits for the server to close the connection (at most `waitMs`).
 */
async function exchange(
  port: number,
  head: string,
  body: Buffer,
  until: 'closed' | 'answered',
  waitMs = 20_000,
): Promise<Exchange> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  socket.on('error', () => undefined); // a reset after the answer is what the old server did
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(head);
  // In 64 KiB writes, each waited for: the client really sends the whole body.
  for (let at = 0; at < body.length && !socket.destroyed; at += 64 * 1024) {
    const ok = socket.write(body.subarray(at, at + 64 * 1024));
    if (!ok) {
      await Promise.race([new Promise((r) => socket.once('drain', r)), closed]);
    }
  }
  const wrote = Date.now();
  const timer = setTimeout(() => socket.destroy(), waitMs);
  if (until === 'answered') {
    // One whole answer (its Content-Length read), on a connection that stays open.
    const whole = () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(text)?.[1];
      return end >= 0 && length !== undefined && text.length >= end + 4 + Number(length);
    };
    while (!whole() && !socket.destroyed) await sleep(10);
    socket.destroy();
  }
  await closed;
  clearTimeout(timer);
  const text = Buffer.concat(chunks).toString('latin1');
  const [head_ = '', rest = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head_.split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  let parsed: any = null;
  try {
    parsed = JSON.parse(headers['transfer-encoding'] === 'chunked' ? rest.split('\r\n')[1]! : rest);
  } catch {
    parsed = rest;
  }
  return {
    text,
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: parsed,
    closedAfterMs: Date.now() - wrote,
    answers: (text.match(/HTTP\/1\.1 \d{3} /g) ?? []).length,
  };
}

/** Every file under the data dir's media folder (blobs, thumbnails, temporary files). */
function mediaFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'media');
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .filter((p) => fs.statSync(path.join(root, p)).isFile())
    .sort();
}

describe('uploads and early answers (SQLite, `audenci serve`)', () => {
  const dataDir = tempDir('audenci-sys-uploads-');
  let server: AudenciProcess;
  let key: string;
  let png: Buffer;

  before(async () => {
    const env = {
      AUDENCI_DATA_DIR: dataDir,
      AUDENCI_SECRET_KEY: randomBytes(32).toString('hex'),
      AUDENCI_MEDIA_MAX_IMAGE_BYTES: String(IMAGE_LIMIT),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
    const org = await cliJson(['orgs', 'create', '--name', 'Uploads', '--plan', 'enterprise'], env);
    ({ key } = await cliJson(['keys', 'create', '--org', org.id, '--scope', 'admin'], env));
    server = new AudenciProcess('serve', 'serve', env, await freePort());
    await server.start();
    png = await makeImage('png', 32, 32);
  });
  after(async () => {
    await server.stop(5000);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const media = async () => {
    const list = await request(server.url, 'GET', '/api/v1/media?limit=100', { key });
    assert.equal(list.status, 200, JSON.stringify(list.body));
    return list.body.data as { id: string }[];
  };
  const upload = (body: Buffer, extra = '') =>
    `POST /api/v1/media HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n` +
    `Content-Type: ${TYPE}\r\nContent-Length: ${body.length}\r\n${extra}\r\n`;

  /** An upload sent but for its last KiB, once its file part is in the temporary area. */
  async function uploadUnfinished(): Promise<net.Socket> {
    const socket = net.connect(server.port!, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    const whole = Buffer.concat([file(Buffer.concat([png, randomBytes(16 * 1024)])), CLOSE]);
    socket.write(upload(whole));
    socket.write(whole.subarray(0, whole.length - 1024));
    await waitFor('the file part in the temporary area', () => mediaFiles(dataDir).length > 0, 10_000);
    return socket;
  }

  it('an early 413 reaches a client that sends its whole body first, and the connection closes at once', async () => {
    // A PNG over the image limit: refused at the first byte past 64 KiB, while 4 MiB are still coming.
    const big = Buffer.concat([png.subarray(0, 64), randomBytes(4 * 1024 * 1024)]);
    const body = Buffer.concat([file(big), CLOSE]);
    const seen = await exchange(server.port!, upload(body), body, 'closed');
    assert.equal(seen.status, 413, seen.text.slice(0, 500));
    assert.equal(seen.body.error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(seen.headers.connection, 'close');
    assert.equal(seen.answers, 1, 'one answer, no 408 after it');
    assert.ok(seen.closedAfterMs < 3000, `closed ${seen.closedAfterMs} ms after the body was sent`);
    console.log(`upload over the limit: 413, closed ${seen.closedAfterMs} ms after the last byte`);

    // A JSON body announced larger than the 1 MiB limit: refused before a byte of it is read.
    const json = Buffer.alloc(2 * 1024 * 1024, 0x20);
    const head =
      `POST /api/v1/brands HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n`;
    const refused = await exchange(server.port!, head, json, 'closed');
    assert.equal(refused.status, 413, refused.text.slice(0, 500));
    assert.equal(refused.body.error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(refused.headers.connection, 'close');
    assert.equal(refused.answers, 1);
    assert.ok(refused.closedAfterMs < 3000, `closed ${refused.closedAfterMs} ms after the body was sent`);
    console.log(`JSON body over the limit: 413, closed ${refused.closedAfterMs} ms after the last byte`);

    // A body that arrived whole keeps its connection: the next request on it is read and answered.
    const ok = Buffer.concat([file(png), CLOSE]);
    const socket = net.connect(server.port!, '127.0.0.1');
    const answers: Buffer[] = [];
    socket.on('data', (d: Buffer) => answers.push(d));
    socket.write(upload(ok));
    socket.write(ok);
    socket.write(`GET /api/v1/media?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n\r\n`);
    await waitFor(
      'two answers on one connection',
      async () => {
        return (
          (
            Buffer.concat(answers)
              .toString('latin1')
              .match(/HTTP\/1\.1 \d{3} /g) ?? []
          ).length >= 2
        );
      },
      10_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${Buffer.concat(answers).toString('latin1').slice(0, 800)}`);
    });
    socket.destroy();
    const statuses = [
      ...Buffer.concat(answers)
        .toString('latin1')
        .matchAll(/HTTP\/1\.1 (\d{3}) /g),
    ];
    assert.deepEqual(
      statuses.map((m) => m[1]),
      ['201', '200'],
    );
    for (const item of await media()) {
      const removed = await request(server.url, 'DELETE', `/api/v1/media/${item.id}`, { key });
      assert.equal(removed.status, 200);
    }
  });

  it('every failed upload shape leaves no media row and no file', async () => {
    assert.deepEqual(await media(), []);
    assert.deepEqual(mediaFiles(dataDir), []);
    const brand = await request(server.url, 'POST', '/api/v1/brands', { key, body: { name: 'B' } });
    const shapes: [string, Buffer, number, string][] = [
      ['an unknown field after the file', Buffer.concat([file(png), field('caption', 'x'), CLOSE]), 400, ''],
      [
        'a second file',
        Buffer.concat([file(png), file(png, 'b.png'), CLOSE]),
        400,
        'file: send one file per request',
      ],
      [
        'an unknown brand after the file',
        Buffer.concat([file(png), field('brandId', 'brand_0000000000000000000000'), CLOSE]),
        400,
        '',
      ],
      [
        'a file over the limit',
        Buffer.concat([file(Buffer.concat([png, randomBytes(IMAGE_LIMIT)])), CLOSE]),
        413,
        '',
      ],
      ['a body cut before its closing boundary', file(png), 400, ''],
      [
        'a brand that exists and a second file',
        Buffer.concat([field('brandId', brand.body.data.id), file(png), file(png, 'c.png'), CLOSE]),
        400,
        'file: send one file per request',
      ],
    ];
    for (const [label, body, status, message] of shapes) {
      const seen = await exchange(server.port!, upload(body), body, 'answered');
      assert.equal(seen.status, status, `${label}: ${seen.text.slice(0, 400)}`);
      assert.ok(seen.body.error?.code, `${label}: the envelope`);
      if (message) assert.equal(seen.body.error.message, message, label);
      assert.deepEqual(await media(), [], `${label}: no media row`);
      assert.deepEqual(mediaFiles(dataDir), [], `${label}: no file`);
    }

    // A client that vanishes mid-file: nothing is answered, nothing stays.
    const socket = await uploadUnfinished();
    socket.destroy();
    await waitFor('the abandoned upload is removed', async () => mediaFiles(dataDir).length === 0, 10_000);
    assert.deepEqual(await media(), [], 'no media row from the vanished client');
    console.log(`${shapes.length} refused shapes and a vanished client: no row, no file`);
  });

  it('a process killed mid-upload leaves a temporary file that the next start removes', async () => {
    const socket = await uploadUnfinished();
    const left = mediaFiles(dataDir);
    assert.ok(
      left.every((f) => f.startsWith(`tmp${path.sep}`)),
      left.join(),
    );
    await server.kill('SIGKILL');
    socket.destroy();
    assert.deepEqual(mediaFiles(dataDir), left, 'the crash left the partial file');
    await server.start();
    assert.deepEqual(mediaFiles(dataDir), [], 'swept at start');
    assert.deepEqual(await media(), []);
    await sleep(0);
  });
});
