import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { signedContentUrl } from '../modules/media/index.js';
import type { Runtime } from '../runtime.js';
import { call, createTenant, dialects, type LoggedApp, startLoggedApp } from '../../test/helpers/app.js';
import { upload } from '../../test/helpers/media.js';
import { makeImage } from '../../test/fixtures/media.js';

interface LogLine {
  msg: string;
  url?: string;
  statusCode?: number;
}

for (const dialect of dialects) {
  describe(`secrets in request logs (${dialect})`, () => {
    let logged: LoggedApp;
    let runtime: Runtime;
    let app: FastifyInstance;
    const lines = () =>
      logged.log
        .join('')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as LogLine)
        .filter((line) => line.msg === 'request completed');

    before(async () => {
      // The most verbose level: what is not written there is not written at all.
      logged = await startLoggedApp(dialect, 'trace');
      ({ app, runtime } = logged);
      await app.ready();
    });
    after(() => logged.close());

    it('a signed media link is logged with its signature redacted and its expiry readable', async () => {
      const tenant = await createTenant({ runtime, clock: runtime.ctx.clock });
      const uploaded = await upload(app, tenant.live.read_write, {
        data: await makeImage('png', 8, 8),
        filename: 'dot.png',
        contentType: 'image/png',
      });
      assert.equal(uploaded.status, 201);
      const id: string = uploaded.body.data.id;

      const link = new URL(signedContentUrl(runtime.media, id, 60_000));
      const signature = link.searchParams.get('signature')!;
      const expires = link.searchParams.get('expires')!;
      assert.match(signature, /^[A-Za-z0-9_-]{43}$/);
      const fetched = await app.inject({ method: 'GET', url: `${link.pathname}${link.search}` });
      assert.equal(fetched.statusCode, 200);
      assert.equal(fetched.headers['content-type'], 'image/png');

      // A refused link (one character changed) and an unusual spelling of the name are hidden as well.
      const wrong = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
      const refused = await call(app, 'GET', `${link.pathname}?expires=${expires}&signature=${wrong}`);
      assert.equal(refused.status, 403);
      assert.deepEqual(refused.body, {
        error: {
          code: 'FORBIDDEN',
          message: 'This media link is invalid or has expired; ask for a new one',
          details: { reason: 'invalid_signature' },
        },
      });
      const encoded = await call(app, 'GET', `${link.pathname}?expires=${expires}&%73ignature=${signature}`);
      assert.equal(encoded.status, 200);

      const log = logged.log.join('');
      for (const secret of [signature, wrong]) assert.ok(!log.includes(secret), 'the log shows a signature');
      const urls = lines().map((line) => line.url);
      assert.ok(urls.includes(`${link.pathname}?expires=${expires}&signature=[redacted]`), urls.join('\n'));
      assert.ok(urls.includes(`${link.pathname}?expires=${expires}&%73ignature=[redacted]`), urls.join('\n'));
    });

    it('OAuth codes and states, tokens and secrets in any query are logged redacted', async () => {
      const code = 'AQD7code-Secret-1234567890';
      const state = 'state-Secret-abcdefghijklmnopqrstuvwxyz';
      const callback = await call(app, 'GET', `/api/v1/social-accounts/callback?code=${code}&state=${state}`);
      assert.equal(callback.status, 400);
      assert.equal(callback.body.error.code, 'INVALID_INPUT');
      assert.equal(callback.body.error.details.field, 'state');

      const token = 'EAAG-token-Secret-0987654321';
      const clientSecret = 'client-Secret-5555';
      const other = await call(
        app,
        'GET',
        `/healthz?access_token=${token}&Client_Secret=${clientSecret}&page=2`,
      );
      assert.ok(other.status < 500);

      const log = logged.log.join('');
      for (const secret of [code, state, token, clientSecret]) {
        assert.ok(!log.includes(secret), `the log shows ${secret}`);
      }
      const urls = lines().map((line) => line.url);
      assert.ok(
        urls.includes('/api/v1/social-accounts/callback?code=[redacted]&state=[redacted]'),
        urls.join('\n'),
      );
      assert.ok(
        urls.includes('/healthz?access_token=[redacted]&Client_Secret=[redacted]&page=2'),
        urls.join('\n'),
      );
    });
  });
}
