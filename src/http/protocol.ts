import http, { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError, invalidInput, type ErrorCode } from '../shared/errors.js';
import { genReqId } from './observability.js';

/**
 * Errors answered below Fastify: by Node's HTTP parser (llhttp) and server before a request exists, so
 * neither hooks nor the error handler see them. Each is written here, in the envelope, with an
 * `X-Request-Id` and `Connection: close` (the connection cannot be reused after a parse error).
 */

interface Problem {
  code: ErrorCode;
  message: string;
  /** For INVALID_INPUT: where the problem is (`details.location`). */
  location?: string;
}

const MALFORMED = 'The request is not well-formed HTTP/1.1';
const FRAMING =
  "The body's length is framed invalidly or ambiguously: send one valid Content-Length, or " +
  'Transfer-Encoding: chunked, never both';

/**
 * Node's `clientError` codes in the contract's terms; anything else is MALFORMED. llhttp uses one code
 * for several faults (`HPE_INVALID_TRANSFER_ENCODING` is also Content-Length with Transfer-Encoding),
 * so each message names the whole class.
 */
function problemFor(code: string | undefined, server: Server | undefined): Problem {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        code: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
        message: `The request line and headers are larger than ${http.maxHeaderSize} bytes in all`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT': {
      const seconds = (ms: number | undefined) => `${Math.round((ms ?? 0) / 100) / 10} s`;
      return {
        code: 'REQUEST_TIMEOUT',
        message:
          `The request was not received in time (headers within ${seconds(server?.headersTimeout)}, ` +
          `the whole request within ${seconds(server?.requestTimeout)}); send it again`,
      };
    }
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { code: 'PAYLOAD_TOO_LARGE', message: 'The chunk extensions of the body are too large' };
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return { code: 'INVALID_INPUT', message: FRAMING, location: 'header' };
    case 'HPE_INVALID_HEADER_TOKEN':
      return {
        code: 'INVALID_INPUT',
        message: 'A header is malformed: its name or value has a character HTTP does not allow',
        location: 'header',
      };
    case 'HPE_INVALID_CHUNK_SIZE':
      return {
        code: 'INVALID_INPUT',
        message: 'The chunked body is malformed: a chunk size is not a hexadecimal number',
        location: 'body',
      };
    case 'HPE_INVALID_EOF_STATE':
      return {
        code: 'INVALID_INPUT',
        message: 'The request ended early: the body is shorter than its Content-Length or last chunk',
        location: 'body',
      };
    case 'HPE_INVALID_METHOD':
      return {
        code: 'INVALID_INPUT',
        message: 'The method is not a valid HTTP method',
        location: 'request-line',
      };
    case 'HPE_INVALID_URL':
      return {
        code: 'INVALID_INPUT',
        message: 'The request target is not a valid URL path',
        location: 'path',
      };
    case 'HPE_INVALID_VERSION':
      return {
        code: 'INVALID_INPUT',
        message: 'The request line is malformed: it must be `METHOD /path HTTP/1.1` ended by CRLF',
        location: 'request-line',
      };
    case 'HPE_PAUSED_H2_UPGRADE':
      return {
        code: 'INVALID_INPUT',
        message: 'HTTP/2 without TLS is not served; use HTTP/1.1',
        location: 'request-line',
      };
    default:
      return { code: 'INVALID_INPUT', message: MALFORMED, location: 'request' };
  }
}

function toError(problem: Problem): AppError {
  if (problem.code !== 'INVALID_INPUT') return new AppError(problem.code, problem.message);
  return invalidInput([{ field: '', reason: problem.message }], problem.message, {
    location: problem.location,
  });
}

function envelope(error: AppError): string {
  return JSON.stringify({
    error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
  });
}

/** Headers of an answer written outside Fastify. */
function headersOf(error: AppError, body: string): Record<string, string> {
  return {
    ...error.headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Request-Id': genReqId({ headers: {} }),
    Date: new Date().toUTCString(),
    Connection: 'close',
  };
}

/** Sockets already answered: Node reports a broken connection again for each later chunk it reads. */
const answered = new WeakSet<Duplex>();
/**
 * How long an answered, half-closed connection may linger so the client reads the answer before it is
 * closed: the bytes it still sends are read and dropped meanwhile (`LINGER_MS` without any, at most
 * `LINGER_MAX_MS` in all).
 */
const LINGER_MS = 2000;
const LINGER_MAX_MS = 30_000;

/**
 * Writes `error` as a complete HTTP/1.1 response on a raw socket and closes it: `end` sends the answer,
 * then FIN (closing at once could reset the connection with the answer still unread when the client has
 * sent more); a client that does not close its side is cut off after LINGER_MS.
 */
export function writeRawError(socket: Duplex, error: AppError): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  // A response of this request has begun: a second one would corrupt the stream. Only close.
  const inFlight = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const body = envelope(error);
  const head = Object.entries(headersOf(error, body)).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(`HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n${head.join('')}\r\n${body}`);
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/**
 * Fastify's `clientErrorHandler` (bound to the instance): Node's parser rejected the bytes of a request
 * (bad chunking, Content-Length with Transfer-Encoding, a forbidden header character, headers over the
 * limit → 431), or the request timed out (408). A reset connection has no one to answer.
 */
export function answerClientError(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Duplex,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const server = (socket as { server?: Server }).server;
  const appError = toError(problemFor(error.code, server));
  this.log.debug({ code: error.code, status: appError.status }, 'client error');
  writeRawError(socket, appError);
}

/**
 * A request answered before its body arrived to the end (a refusal before the body is read: 401, 403,
 * 404, 413, 415, 429, 503, an upload refused at its first bad part…): the rest of the body cannot be
 * told apart from a next request, so the connection closes (`Connection: close`). Node would close it
 * as soon as the answer is written, resetting it while the client is still sending — and a client that
 * sends its whole body before reading loses the answer. Instead the server half-closes (FIN after the
 * answer), reads and drops what still arrives, and closes once the body has arrived, the client has
 * gone quiet for LINGER_MS, or LINGER_MAX_MS have passed.
 */
function closeAfterBody(request: IncomingMessage): void {
  const socket = request.socket;
  if (answered.has(socket)) return;
  answered.add(socket);
  // Called by Node once the `Connection: close` answer is written (instead of destroying at once).
  (socket as Duplex & { destroySoon?: () => void }).destroySoon = () => socket.end();
  const cut = () => socket.destroy();
  const idle = setTimeout(cut, LINGER_MS).unref();
  const cap = setTimeout(cut, LINGER_MAX_MS).unref();
  socket.once('close', () => {
    clearTimeout(idle);
    clearTimeout(cap);
  });
  drop(request, () => idle.refresh());
  // Everything sent has arrived: close once the answer is out.
  request.once('end', () => (socket.writableFinished ? cut() : socket.once('finish', cut)));
}

/** Reads the rest of a body nothing will use, dropping it (detached from any parser it was piped to). */
function drop(request: IncomingMessage, onData: () => void = () => undefined): void {
  request.unpipe();
  request.removeAllListeners('data');
  request.on('data', onData);
  request.resume();
}

/**
 * The connection of every answer (hooks on the root instance, so every route and the 404 handler):
 * closed when its request's body did not arrive to the end (`closeAfterBody`) or once the server is
 * shutting down (`Connection: close` on in-flight requests; a connection whose answer began before the
 * shutdown is closed as soon as it is idle). A body that arrived but was not read to the end is dropped,
 * so that the next request on the connection is read.
 */
export function registerConnectionHandling(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    answerConnection(request.raw, reply, closing);
    done(null, payload);
  });
  app.addHook('onResponse', (_request, _reply, done) => {
    if (closing) app.server.closeIdleConnections();
    done();
  });
}

/** Whether a body follows the request's headers (chunked, or a Content-Length above 0). */
function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** What `registerConnectionHandling` does to one answer (also for answers that skip the hooks). */
export function answerConnection(request: IncomingMessage, reply: FastifyReply, closing = false): void {
  // `complete` is undefined on requests made by `inject`: they have no connection. A request without a
  // body is not complete yet while it is routed (Node marks it once the handler has started): nothing
  // of it is left to arrive.
  if (request.complete === false && hasBody(request)) {
    reply.header('Connection', 'close');
    closeAfterBody(request);
    return;
  }
  if (closing) reply.header('Connection', 'close');
  // A request without a body has nothing to drop (Node dumps its empty stream when the answer ends):
  // most GETs, spared the listener, the unpipe and the resume.
  if (request.complete && !request.readableEnded && hasBody(request)) drop(request);
}

/** The `http.createServer` options the handlers below need (see buildApp). */
export function serverOptions(requestTimeoutMs: number): http.ServerOptions {
  return {
    // A missing Host is answered by the hook below, in the envelope (Node's own answer has no body).
    requireHostHeader: false,
    // Node checks the request timeouts every 30 s by default; a tenth of the timeout keeps them exact
    // to 10 %.
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(requestTimeoutMs / 10))),
    // Node swaps the two timeouts when the headers one is longer, so a request timeout under 60 s
    // would otherwise let a slow body run for 60 s.
    headersTimeout: Math.min(60_000, requestTimeoutMs),
  };
}

/**
 * The answers Node writes itself once a request has been parsed, in the envelope instead: a `CONNECT`
 * (this is not a proxy; Node would drop the connection silently), an `Expect` other than
 * `100-continue` (417, which Node sends without a body), and an HTTP/1.1 request without `Host`.
 */
export function registerProtocolAnswers(app: FastifyInstance): void {
  app.server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    writeRawError(
      socket,
      new AppError('METHOD_NOT_ALLOWED', 'CONNECT is not allowed: this server is not a proxy'),
    );
  });
  app.server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const error = new AppError(
      'EXPECTATION_FAILED',
      `Expect: ${(request.headers.expect ?? '').slice(0, 100)} cannot be met; only 100-continue is supported`,
    );
    const body = envelope(error);
    response.writeHead(error.status, headersOf(error, body)).end(body);
  });
  app.addHook('onRequest', (request, _reply, done) => {
    const { httpVersionMajor, httpVersionMinor } = request.raw;
    if (httpVersionMajor === 1 && httpVersionMinor === 1 && request.headers.host === undefined) {
      const problem = { field: 'Host', reason: 'Required on an HTTP/1.1 request' };
      return done(
        new AppError(
          'INVALID_INPUT',
          'The Host header is required on an HTTP/1.1 request',
          { ...problem, errors: [problem], location: 'header' },
          { Connection: 'close' },
        ),
      );
    }
    done();
  });
}
