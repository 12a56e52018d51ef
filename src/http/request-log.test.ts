import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import Fastify, { LogController } from 'fastify';
import pino from 'pino';
import { LOG_REDACT } from '../app.js';
import { requestLoggerFactory } from './request-log.js';

/** A Fastify app whose pino logger (redacting as Audenci's does) writes its lines into `lines`. */
function appWithLog(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  const logger = pino({ level, redact: LOG_REDACT }, stream);
  let children = 0;
  // Counts the children made for a request (pino's children inherit this method: `this` is theirs).
  const child = logger.child;
  logger.child = function (this: typeof logger, ...args: Parameters<typeof child>) {
    if ('requestId' in args[0]) children++;
    return child.apply(this, args);
  } as typeof logger.child;
  const app = Fastify({
    loggerInstance: logger,
    genReqId: () => 'req_test',
    childLoggerFactory: requestLoggerFactory,
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
  });
  return { app, lines, children: () => children };
}

describe('request loggers', () => {
  it('are made when a line is written at an enabled level, with the request id bound', async () => {
    const { app, lines, children } = appWithLog('warn');
    app.get('/quiet', async (request) => {
      request.log.info('not written at warn');
      assert.equal(request.log.isLevelEnabled('info'), false);
      assert.equal(request.log.level, 'warn');
      return { ok: true };
    });
    app.get('/loud', async (request) => {
      request.log.warn({ key: { key: 'sk_secret' } }, 'written');
      return { ok: true };
    });
    assert.equal((await app.inject({ url: '/quiet' })).statusCode, 200);
    assert.equal(children(), 0, 'no child logger for a request that wrote nothing');
    assert.equal(lines.length, 0);
    assert.equal((await app.inject({ url: '/loud' })).statusCode, 200);
    assert.equal(children(), 1);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.requestId, 'req_test');
    assert.equal(lines[0]!.msg, 'written');
    assert.deepEqual(lines[0]!.key, { key: '[redacted]' }, 'the redaction still applies');
    await app.close();
  });

  it('a route with a log level of its own gets its child at once, at that level', async () => {
    const { app, lines, children } = appWithLog('warn');
    app.get('/debug', { logLevel: 'debug' }, async (request) => {
      request.log.debug('written at the route level');
      return { ok: true };
    });
    assert.equal((await app.inject({ url: '/debug' })).statusCode, 200);
    assert.equal(children(), 1);
    assert.equal(lines[0]!.msg, 'written at the route level');
    assert.equal(lines[0]!.requestId, 'req_test');
    await app.close();
  });

  it('a child of the request logger carries the request id and its own bindings', async () => {
    const { app, lines } = appWithLog('info');
    app.get('/child', async (request) => {
      request.log.child({ part: 'batch' }).info('from the child');
      return { ok: true };
    });
    assert.equal((await app.inject({ url: '/child' })).statusCode, 200);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.requestId, 'req_test');
    assert.equal(lines[0]!.part, 'batch');
    await app.close();
  });
});
