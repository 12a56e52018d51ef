import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createTenant, createTestApp, dialects, type Tenant, type TestApp } from '../../test/helpers/app.js';

interface RawAnswer {
  statusLine: string;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection after answering. */
  closed: boolean;
  ms: number;
}

/**
 * Sends `bytes` on a fresh connection (then half-closes it when `halfClose`) and reads until the server
 * closes it, or `waitMs` passes.
 */
function exchange(
  port: number,
  bytes: string | Buffer,
  { halfClose = false, waitMs = 5_000 } = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = (split < 0 ? text : text.slice(0, split)).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = split < 0 ? '' : Buffer.from(text.slice(split + 4), 'latin1').toString('utf8');
      resolve({ statusLine, headers, body, closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
    socket.write(bytes);
    if (halfClose) socket.end();
  });
}

const TIMEOUT_MS = 2_000;
const MALFORMED_HEADER = 'A header is malformed: its name or value has a character HTTP does not allow';
const FRAMING =
  "The body's length is framed invalidly or ambiguously: send one valid Content-Length, or " +
  'Transfer-Encoding: chunked, never both';

const invalid = (message: string, location: string, field = '', reason = message) => ({
  error: {
    code: 'INVALID_INPUT',
    message,
    details: { field, reason, errors: [{ field, reason }], location },
  },
});

for (const dialect of dialects) {
  describe(`protocol-level errors on a listening server (${dialect})`, () => {
    let t: TestApp;
    let tenant: Tenant;
    let port: number;

    before(async () => {
      // A short request timeout, so the 408 cases take two seconds.
      t = await createTestApp(dialect, { env: { AUDENCI_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) } });
      tenant = await createTenant(t);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      port = (t.app.server.address() as AddressInfo).port;
      // fetch loads its modules on first use, between connecting and sending: not inside a test.
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    });
    after(() => t.close());

    const head = (method: string, path: string, headers: string[] = []) =>
      [
        `${method} ${path} HTTP/1.1`,
        'Host: audenci.test',
        `Authorization: Bearer ${tenant.live.admin}`,
        ...headers,
      ]
        .map((line) => `${line}\r\n`)
        .join('');

    /** The whole answer: status line, envelope, headers; the connection closed; the server still serving. */
    async function assertAnswer(answer: RawAnswer, status: string, envelope: unknown): Promise<void> {
      assert.equal(answer.statusLine, `HTTP/1.1 ${status}`, JSON.stringify(answer));
      assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(Number(answer.headers['content-length']), Buffer.byteLength(answer.body));
      assert.match(answer.headers['x-request-id'] ?? '', /^req_[A-Za-z0-9_-]{16}$/);
      assert.equal(answer.headers.connection?.toLowerCase(), 'close');
      assert.deepEqual(JSON.parse(answer.body), envelope);
      assert.ok(answer.closed, 'the server closed the connection');
      const next = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(next.status, 200, 'the server keeps serving');
      assert.deepEqual(await next.json(), { status: 'ok' });
    }

    it('a malformed chunked body is 400 in the envelope', async () => {
      const answer = await exchange(
        port,
        `${head('POST', '/api/v1/brands', ['Content-Type: application/json', 'Transfer-Encoding: chunked'])}\r\nZZ\r\n{}\r\n0\r\n\r\n`,
      );
      await assertAnswer(
        answer,
        '400 Bad Request',
        invalid('The chunked body is malformed: a chunk size is not a hexadecimal number', 'body'),
      );
    });

    it('Content-Length with Transfer-Encoding, in either order, or two Content-Lengths, is 400', async () => {
      const cases = [
        ['Content-Length: 2', 'Transfer-Encoding: chunked'],
        ['Transfer-Encoding: chunked', 'Content-Length: 2'],
        ['Content-Length: 2', 'Content-Length: 3'],
        ['Content-Length: 2x'],
        ['Transfer-Encoding: gzip'],
      ];
      for (const framing of cases) {
        const answer = await exchange(
          port,
          `${head('POST', '/api/v1/brands', ['Content-Type: application/json', ...framing])}\r\n2\r\n{}\r\n0\r\n\r\n`,
        );
        await assertAnswer(answer, '400 Bad Request', invalid(FRAMING, 'header'));
      }
    });

    it('a header with a character HTTP does not allow, or a folded one, is 400 naming the headers', async () => {
      for (const header of ['X-Bad: a\x01b', 'X Bad: spaced name', 'X-Folded: a\r\n  b', 'X-Nul: a\x00b']) {
        const answer = await exchange(port, `${head('GET', '/api/v1/brands', [header])}\r\n`);
        await assertAnswer(answer, '400 Bad Request', invalid(MALFORMED_HEADER, 'header'));
      }
    });

    it('headers over 16 KiB are 431 REQUEST_HEADER_FIELDS_TOO_LARGE', async () => {
      const answer = await exchange(
        port,
        `${head('GET', '/api/v1/brands', [`X-Big: ${'a'.repeat(20_000)}`])}\r\n`,
      );
      await assertAnswer(answer, '431 Request Header Fields Too Large', {
        error: {
          code: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
          message: 'The request line and headers are larger than 16384 bytes in all',
        },
      });
    });

    it('a malformed request line is 400', async () => {
      const method = await exchange(port, 'G@T /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await assertAnswer(
        method,
        '400 Bad Request',
        invalid('The method is not a valid HTTP method', 'request-line'),
      );
      const target = await exchange(port, 'GET /a\x7fb HTTP/1.1\r\nHost: x\r\n\r\n');
      await assertAnswer(
        target,
        '400 Bad Request',
        invalid('The request target is not a valid URL path', 'path'),
      );
      const bareLf = await exchange(port, 'GET /healthz HTTP/1.1\nHost: x\n\n');
      await assertAnswer(
        bareLf,
        '400 Bad Request',
        invalid(
          'The request line is malformed: it must be `METHOD /path HTTP/1.1` ended by CRLF',
          'request-line',
        ),
      );
    });

    it('a body shorter than its Content-Length is 400 when the client stops sending', async () => {
      const answer = await exchange(
        port,
        `${head('POST', '/api/v1/brands', ['Content-Type: application/json', 'Content-Length: 100'])}\r\n{"name":`,
        { halfClose: true },
      );
      await assertAnswer(
        answer,
        '400 Bad Request',
        invalid('The request ended early: the body is shorter than its Content-Length or last chunk', 'body'),
      );
    });

    const TIMEOUT = {
      error: {
        code: 'REQUEST_TIMEOUT',
        message:
          'The request was not received in time (headers within 2 s, the whole request within 2 s); send it again',
      },
    };

    it('a body shorter than its Content-Length is 408 once the request timeout passes', async () => {
      const answer = await exchange(
        port,
        `${head('POST', '/api/v1/brands', ['Content-Type: application/json', 'Content-Length: 100'])}\r\n{"name":`,
      );
      await assertAnswer(answer, '408 Request Timeout', TIMEOUT);
      assert.ok(
        answer.ms >= TIMEOUT_MS - 100 && answer.ms < TIMEOUT_MS + 1_500,
        `answered after ${answer.ms} ms`,
      );
      const brands = await t.runtime.ctx.db.selectFrom('brands').select('id').execute();
      assert.equal(brands.length, 0, 'nothing was created');
    });

    it('headers that never end are 408 once the request timeout passes', async () => {
      const answer = await exchange(port, head('GET', '/api/v1/brands'));
      await assertAnswer(answer, '408 Request Timeout', TIMEOUT);
      assert.ok(
        answer.ms >= TIMEOUT_MS - 100 && answer.ms < TIMEOUT_MS + 1_500,
        `answered after ${answer.ms} ms`,
      );
    });

    it('CONNECT is 405 (Node would drop the connection without a word)', async () => {
      const answer = await exchange(
        port,
        'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
      );
      await assertAnswer(answer, '405 Method Not Allowed', {
        error: { code: 'METHOD_NOT_ALLOWED', message: 'CONNECT is not allowed: this server is not a proxy' },
      });
    });

    it('an Expect other than 100-continue is 417 (Node sends it without a body)', async () => {
      const answer = await exchange(
        port,
        `${head('POST', '/api/v1/brands', ['Content-Type: application/json', 'Content-Length: 2', 'Expect: teapot'])}\r\n{}`,
      );
      await assertAnswer(answer, '417 Expectation Failed', {
        error: {
          code: 'EXPECTATION_FAILED',
          message: 'Expect: teapot cannot be met; only 100-continue is supported',
        },
      });
    });

    it('an HTTP/1.1 request without Host is 400 naming the header; HTTP/1.0 needs none', async () => {
      const answer = await exchange(port, 'GET /api/v1/posts HTTP/1.1\r\n\r\n');
      const problem = { field: 'Host', reason: 'Required on an HTTP/1.1 request' };
      await assertAnswer(answer, '400 Bad Request', {
        error: {
          code: 'INVALID_INPUT',
          message: 'The Host header is required on an HTTP/1.1 request',
          details: { ...problem, errors: [problem], location: 'header' },
        },
      });
      const old = await exchange(port, 'GET /healthz HTTP/1.0\r\n\r\n');
      assert.equal(old.statusLine, 'HTTP/1.1 200 OK');
      assert.deepEqual(JSON.parse(old.body), { status: 'ok' });
    });

    it('errors Fastify raises before routing use the envelope and keep the connection', async () => {
      const cases: [string, string, unknown][] = [
        ['/api/v1/brands/%zz', '400 Bad Request', invalid('The URL is not valid', 'path')],
        [
          `/api/v1/brands/${'b'.repeat(201)}`,
          '400 Bad Request',
          invalid('A path segment is longer than 200 characters', 'path'),
        ],
        [
          '/docs/static/no-such-file.js',
          '404 Not Found',
          { error: { code: 'NOT_FOUND', message: 'No route GET /docs/static/no-such-file.js' } },
        ],
      ];
      for (const [path, status, envelope] of cases) {
        // Two requests on one connection: the second is answered too, so the connection was reusable.
        const request = `${head('GET', path)}\r\n`;
        const answer = await exchange(
          port,
          `${request}${head('GET', '/healthz', ['Connection: close'])}\r\n`,
        );
        assert.equal(answer.statusLine, `HTTP/1.1 ${status}`, path);
        assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8');
        const first = answer.body.slice(0, Number(answer.headers['content-length']));
        assert.deepEqual(JSON.parse(first), envelope, path);
        assert.match(
          answer.body.slice(first.length),
          /^HTTP\/1\.1 200 OK\r\n[\s\S]*\{"status":"ok"\}$/,
          path,
        );
      }
    });

    it('a HEAD answer has the status and headers of the GET and no body', async () => {
      const answer = await exchange(
        port,
        `${head('HEAD', '/api/v1/nothing-here', ['Connection: close'])}\r\n`,
      );
      assert.equal(answer.statusLine, 'HTTP/1.1 404 Not Found');
      assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(answer.body, '');
      assert.ok(answer.closed);
    });
  });
}
