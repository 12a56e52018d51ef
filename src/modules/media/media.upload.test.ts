import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { makeImage } from '../../../test/fixtures/media.js';
import {
  call,
  createTenant,
  createTestApp,
  dialects,
  type Tenant,
  type TestApp,
} from '../../../test/helpers/app.js';
import { drivers, startStorage, type StorageFixture } from '../../../test/helpers/media.js';

const BOUNDARY = 'audenciBoundary7MA4YWxk';
const TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
const MALFORMED =
  'The multipart body is malformed or truncated: each part must start with --<boundary> (the boundary ' +
  'of the Content-Type) and the body must end with --<boundary>--';

const fieldPart = (name: string, value: string, type?: string) =>
  Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n` +
      (type ? `Content-Type: ${type}\r\n` : '') +
      `\r\n${value}\r\n`,
  );
const filePart = (data: Buffer, disposition = 'form-data; name="file"; filename="a.png"') =>
  Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\nContent-Type: image/png\r\n\r\n`),
    data,
    Buffer.from('\r\n'),
  ]);
const CLOSE = Buffer.from(`--${BOUNDARY}--\r\n`);

/** The envelope of a 400 naming one problem. */
const invalid = (field: string, reason: string, message = reason, location = 'body') => ({
  error: {
    code: 'INVALID_INPUT',
    message,
    details: { field, reason, errors: [{ field, reason }], location },
  },
});

for (const dialect of dialects) {
  for (const driver of drivers) {
    describe(`malformed multipart on POST /media (${dialect}, ${driver} storage)`, () => {
      let storage: StorageFixture;
      let t: TestApp;
      let tenant: Tenant;
      let png: Buffer;

      before(async () => {
        storage = await startStorage(driver);
        t = await createTestApp(dialect, { env: storage.env });
        tenant = await createTenant(t);
        png = await makeImage('png', 24, 24);
      });
      after(async () => {
        await t.close();
        await storage.close();
      });

      const post = (body: Buffer, contentType = TYPE) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/media',
          headers: { authorization: `Bearer ${tenant.live.read_write}`, 'content-type': contentType },
          payload: body,
        });
      const rows = async () => (await t.runtime.ctx.db.selectFrom('media').select('id').execute()).length;

      /** Each malformed form is a 400 in the envelope, at once, and leaves no row and no blob. */
      async function assertRefused(body: Buffer, expected: unknown, contentType = TYPE): Promise<void> {
        const started = Date.now();
        const res = await post(body, contentType);
        assert.ok(Date.now() - started < 5_000, 'answered at once, no hang');
        assert.equal(res.statusCode, 400, res.body);
        assert.match(String(res.headers['content-type']), /^application\/json/);
        assert.ok(res.headers['x-request-id']);
        assert.deepEqual(JSON.parse(res.body), expected);
        assert.equal(await rows(), 0, 'no media row');
        assert.deepEqual(await storage.list(t), [], 'no blob, no temporary file');
      }

      it('a well-formed upload is stored (the baseline of the cases below)', async () => {
        const res = await post(Buffer.concat([filePart(png), CLOSE]));
        assert.equal(res.statusCode, 201, res.body);
        const id = JSON.parse(res.body).data.id;
        const removed = await call(t.app, 'DELETE', `/api/v1/media/${id}`, { key: tenant.live.read_write });
        assert.equal(removed.status, 200, removed.raw);
        assert.deepEqual(await storage.list(t), []);
      });

      it('a brandId after the file is the brand of the item: one row, made once the body has ended', async () => {
        const brand = await call(t.app, 'POST', '/api/v1/brands', {
          key: tenant.live.admin,
          body: { name: 'Uploads' },
        });
        assert.equal(brand.status, 201, brand.raw);
        const brandId = brand.body.data.id as string;
        const res = await post(Buffer.concat([filePart(png), fieldPart('brandId', brandId), CLOSE]));
        assert.equal(res.statusCode, 201, res.body);
        const media = JSON.parse(res.body).data;
        assert.equal(media.brandId, brandId);
        assert.equal(media.source, 'upload');
        assert.equal(await rows(), 1);
        const removed = await call(t.app, 'DELETE', `/api/v1/media/${media.id}`, {
          key: tenant.live.read_write,
        });
        assert.equal(removed.status, 200, removed.raw);
        assert.deepEqual(await storage.list(t), []);
      });

      it('a brandId holding NUL, before or after the file, is 400 naming it (PostgreSQL cannot store it)', async () => {
        for (const body of [
          Buffer.concat([fieldPart('brandId', 'brand_\u0000x'), filePart(png), CLOSE]),
          Buffer.concat([filePart(png), fieldPart('brandId', 'brand_\u0000x'), CLOSE]),
        ]) {
          const res = await post(body);
          assert.equal(res.statusCode, 400, res.body);
          const { details } = JSON.parse(res.body).error;
          assert.equal(details.field, 'brandId');
          assert.equal(details.reason, 'Must not contain the NUL character (U+0000)');
          assert.equal(await rows(), 0, 'no media row');
          assert.deepEqual(await storage.list(t), [], 'no blob, no temporary file');
        }
      });

      it('a multipart Content-Type without a boundary is 400 naming the header', async () => {
        const body = Buffer.concat([filePart(png), CLOSE]);
        const expected = invalid(
          'Content-Type',
          'multipart/form-data needs a boundary parameter',
          'Content-Type multipart/form-data needs a boundary parameter (e.g. multipart/form-data; boundary=x)',
          'header',
        );
        await assertRefused(body, expected, 'multipart/form-data');
        await assertRefused(body, expected, 'multipart/form-data; boundary=');
        await assertRefused(body, expected, 'multipart/form-data; charset=utf-8');
      });

      it('a boundary that does not match the body is 400', async () => {
        const body = Buffer.concat([filePart(png), CLOSE]);
        await assertRefused(body, invalid('', MALFORMED), 'multipart/form-data; boundary=other');
      });

      it('a body truncated in the file, in part headers, or right after the file is 400', async () => {
        const whole = Buffer.concat([filePart(png), CLOSE]);
        const expected = invalid('', MALFORMED);
        await assertRefused(whole.subarray(0, whole.length - CLOSE.length - 40), expected);
        await assertRefused(whole.subarray(0, 60), expected);
        await assertRefused(filePart(png), expected);
      });

      it('a closing boundary that never comes, or comes unfinished, is 400', async () => {
        const expected = invalid('', MALFORMED);
        await assertRefused(Buffer.concat([filePart(png), Buffer.from(`--${BOUNDARY}`)]), expected);
        await assertRefused(Buffer.concat([filePart(png), Buffer.from(`--${BOUNDARY}-`)]), expected);
      });

      it('a part without a name is 400 and its file is not stored', async () => {
        const nameless = filePart(png, 'form-data; filename="a.png"');
        await assertRefused(
          Buffer.concat([nameless, CLOSE]),
          invalid('', "Unknown field; send the file in the field 'file'"),
        );
        await assertRefused(
          Buffer.concat([Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n`), CLOSE]),
          invalid('', 'Unknown field'),
        );
      });

      it('garbage where a boundary or a part should be is 400', async () => {
        // Without a closing delimiter the parser reports the body as truncated.
        await assertRefused(Buffer.from('garbage, not multipart at all\r\n'), invalid('', MALFORMED));
        // `--<boundary>garbage` is no delimiter: all before the closing one is preamble, so no file
        // arrives; nor from a part without Content-Disposition, nor in an empty body.
        const required = invalid('file', 'Field is required', 'file is required');
        const afterBoundary = Buffer.concat([
          Buffer.from(`--${BOUNDARY}garbage`),
          filePart(png).subarray(BOUNDARY.length + 2),
          CLOSE,
        ]);
        await assertRefused(afterBoundary, required);
        const headless = `--${BOUNDARY}\r\ngarbage\r\n\r\n${png.toString('latin1')}\r\n--${BOUNDARY}--\r\n`;
        await assertRefused(Buffer.from(headless, 'latin1'), required);
        await assertRefused(Buffer.alloc(0), required);
      });

      it('a file part that fails with the body is not stored; nor is a bad part after the file', async () => {
        const truncatedField = Buffer.from(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="brandId"\r\n\r\nbrand_01`,
        );
        await assertRefused(Buffer.concat([filePart(png), truncatedField]), invalid('', MALFORMED));
        await assertRefused(
          Buffer.concat([filePart(png), fieldPart('caption', 'hello'), CLOSE]),
          invalid('caption', 'Unknown field', 'caption: unknown field'),
        );
        await assertRefused(
          Buffer.concat([filePart(png), fieldPart('brandId', '{"id":"brand_x"}', 'application/json'), CLOSE]),
          invalid('brandId', 'Must be a string', 'brandId: must be a string'),
        );
        await assertRefused(
          Buffer.concat([filePart(png), fieldPart('brandId', '{"id":', 'application/json'), CLOSE]),
          invalid('', 'A part declared as application/json is not valid JSON'),
        );
      });

      it('a staged file is no media item until the body ends well, and is removed when a later part fails', async () => {
        const rest: [string, unknown][] = [
          ['Content-Disposition: form-data; name="brandId"\r\n\r\nbrand_01', invalid('', MALFORMED)],
          [
            `Content-Disposition: form-data; name="caption"\r\n\r\nhello\r\n--${BOUNDARY}--\r\n`,
            invalid('caption', 'Unknown field', 'caption: unknown field'),
          ],
          [
            `Content-Disposition: form-data; name="file"; filename="b.png"\r\nContent-Type: image/png\r\n\r\n${png.toString('latin1')}\r\n--${BOUNDARY}--\r\n`,
            invalid('file', 'Send one file per request', 'file: send one file per request'),
          ],
          [
            `Content-Disposition: form-data; name="brandId"\r\n\r\nbrand_0000000000000000000000\r\n--${BOUNDARY}--\r\n`,
            {
              error: {
                code: 'INVALID_INPUT',
                message: "brandId: no brand with id 'brand_0000000000000000000000'",
                details: {
                  field: 'brandId',
                  reason: "No brand with id 'brand_0000000000000000000000'",
                  errors: [{ field: 'brandId', reason: "No brand with id 'brand_0000000000000000000000'" }],
                },
              },
            },
          ],
        ];
        // Tells when the file part has been written to the temporary area (the real driver underneath).
        const media = t.runtime.media.storage;
        const stage = media.stage.bind(media);
        let staged: (() => void) | undefined;
        media.stage = async (body) => {
          const blob = await stage(body);
          staged?.();
          return blob;
        };
        try {
          for (const [tail, expected] of rest) {
            // The file and the next delimiter first; the rest only once the file is staged.
            const body = new PassThrough();
            const written = new Promise<void>((resolve) => (staged = resolve));
            body.write(Buffer.concat([filePart(png), Buffer.from(`--${BOUNDARY}\r\n`)]));
            const answer = t.app.inject({
              method: 'POST',
              url: '/api/v1/media',
              headers: { authorization: `Bearer ${tenant.live.read_write}`, 'content-type': TYPE },
              payload: body,
            });
            await written;
            await sleep(100);
            assert.equal(await rows(), 0, 'no media item while the rest of the body is awaited');
            // Local storage keeps it in a temporary file; S3 holds a file this small in memory.
            const expectedTemporary = driver === 'local' ? [/^tmp\/[0-9a-f]{12}\.\d+\.[0-9a-f-]{36}$/] : [];
            const held = await storage.list(t);
            assert.equal(held.length, expectedTemporary.length, held.join());
            held.forEach((name, i) => assert.match(name, expectedTemporary[i]!));
            body.end(Buffer.from(tail, 'latin1'));
            const res = await answer;
            assert.equal(res.statusCode, 400, res.body);
            assert.deepEqual(JSON.parse(res.body), expected);
            assert.equal(await rows(), 0, 'no media row');
            assert.deepEqual(await storage.list(t), [], 'no blob, no thumbnail, no temporary file');
          }
        } finally {
          media.stage = stage;
        }
      });

      it('a request refused before its body was read closes the connection; the next one is served', async () => {
        await t.app.listen({ port: 0, host: '127.0.0.1' });
        const { port } = t.app.server.address() as AddressInfo;
        // An unknown part first, then 2 MiB the server never reads.
        const body = Buffer.concat([
          fieldPart('caption', 'hi'),
          filePart(Buffer.alloc(2 * 1024 * 1024)),
          CLOSE,
        ]);
        const head =
          `POST /api/v1/media HTTP/1.1\r\nHost: audenci.test\r\nAuthorization: Bearer ${tenant.live.read_write}\r\n` +
          `Content-Type: ${TYPE}\r\nContent-Length: ${body.length}\r\n\r\n`;
        const answer = await new Promise<{ text: string; closed: boolean }>((resolve, reject) => {
          const socket = net.connect(port, '127.0.0.1');
          let text = '';
          const timer = setTimeout(() => {
            socket.destroy();
            resolve({ text, closed: false });
          }, 5_000);
          socket.on('data', (chunk) => (text += chunk.toString('latin1')));
          socket.on('error', () => undefined);
          socket.on('close', () => {
            clearTimeout(timer);
            resolve({ text, closed: true });
          });
          socket.write(head);
          socket.write(body, (error) => error && reject(error));
        });
        assert.match(answer.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
        assert.match(answer.text, /\r\nconnection: close\r\n/i);
        assert.ok(answer.closed, 'the server closed the connection instead of waiting for the rest');
        const json = JSON.parse(answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4));
        assert.deepEqual(json, invalid('caption', 'Unknown field', 'caption: unknown field'));
        const health = await fetch(`http://127.0.0.1:${port}/healthz`);
        assert.equal(health.status, 200);
        assert.equal(await rows(), 0);
        assert.deepEqual(await storage.list(t), []);
      });
    });
  }
}
