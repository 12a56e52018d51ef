import assert from 'node:assert/strict';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { closeOutboundAgents, OutboundError, safeFetch, type SafeFetchOptions } from './safe-fetch.js';
import { assertPublicUrl, type LookupFn, UnsafeUrlError } from './ssrf.js';

interface Seen {
  method: string;
  url: string;
  host: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const seen: Seen[] = [];
let connections = 0;
let port = 0;

/** One local server plays every remote endpoint; the path picks the behaviour. */
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({
      method: req.method ?? '',
      url: url.pathname,
      host: req.headers.host ?? '',
      headers: req.headers,
      body,
    });
    const to = url.searchParams.get('to');
    const status = Number(url.searchParams.get('status') ?? 302);
    switch (url.pathname) {
      case '/ok':
        res.writeHead(200, { 'content-type': 'text/plain', 'x-test': 'yes' }).end('hello');
        return;
      case '/echo':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, body, headers: req.headers }));
        return;
      case '/redirect':
        res.writeHead(status, { location: to ?? '/echo' }).end('moved');
        return;
      case '/loop':
        res.writeHead(302, { location: '/loop' }).end();
        return;
      case '/big':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(200_000));
        return;
      case '/utf8':
        res.writeHead(200).end('é'.repeat(10));
        return;
      case '/hang':
        return; // never answers
      case '/slow-body':
        res.writeHead(200).write('start'); // headers and a first chunk, then nothing
        return;
      default:
        res.writeHead(404).end();
    }
  });
});
server.on('connection', () => connections++);

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await closeOutboundAgents();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A resolver answering from a table (a function of the call number, for rebinding); never real DNS. */
function fakeDns(table: Record<string, string | ((call: number) => string)>): LookupFn {
  const calls = new Map<string, number>();
  return (hostname, _options, callback) => {
    const n = (calls.get(hostname) ?? 0) + 1;
    calls.set(hostname, n);
    const entry = table[hostname];
    const address = typeof entry === 'function' ? entry(n) : entry;
    setImmediate(() =>
      address === undefined
        ? callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), [])
        : callback(null, [{ address, family: address.includes(':') ? 6 : 4 }]),
    );
  };
}

/** Names for the local server: `public.test` counts as public because 127.0.0.1 is allow-listed. */
const lookup = fakeDns({
  'public.test': '127.0.0.1',
  'other.test': '127.0.0.1',
  'internal.test': '10.0.0.1',
  'evil.test': '127.0.0.1',
});
const asPublic: SafeFetchOptions = {
  allowPrivate: false,
  timeoutMs: 2000,
  lookup,
  allowAddresses: ['127.0.0.1'],
};
const guarded: SafeFetchOptions = { allowPrivate: false, timeoutMs: 2000, lookup };
const at = (host: string, path: string) => `http://${host}:${port}${path}`;

function refusedWith(reason: string, address?: string) {
  return (err: unknown) => {
    assert.ok(err instanceof UnsafeUrlError, `expected UnsafeUrlError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    if (address !== undefined) assert.equal(err.address, address);
    return true;
  };
}

function failedWith(code: OutboundError['code']) {
  return (err: unknown) => {
    assert.ok(err instanceof OutboundError, `expected OutboundError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

describe('safeFetch', () => {
  it('allowPrivate lets 127.0.0.1 through and returns status, headers, body, final URL and duration', async () => {
    const res = await safeFetch(at('127.0.0.1', '/ok'), {}, { allowPrivate: true, timeoutMs: 2000 });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-test'), 'yes');
    assert.equal(res.body, 'hello');
    assert.equal(res.url, at('127.0.0.1', '/ok'));
    assert.ok(res.durationMs >= 0 && res.durationMs < 2000);
  });

  it('sends method, headers and body as given', async () => {
    const res = await safeFetch(
      at('public.test', '/echo'),
      {
        method: 'post',
        headers: { 'content-type': 'application/json', 'x-signature': 'sig' },
        body: '{"a":1}',
      },
      asPublic,
    );
    const echoed = JSON.parse(res.body) as { method: string; body: string; headers: Record<string, string> };
    assert.equal(echoed.method, 'POST');
    assert.equal(echoed.body, '{"a":1}');
    assert.equal(echoed.headers['x-signature'], 'sig');
    assert.equal(echoed.headers.host, `public.test:${port}`);
  });

  it('refuses private IP-literal hosts before connecting', async () => {
    const before = seen.length;
    for (const [host, address] of [
      ['127.0.0.1', '127.0.0.1'],
      ['0x7f.1', '127.0.0.1'],
      ['[::ffff:127.0.0.1]', '::ffff:7f00:1'],
      ['[::1]', '::1'],
    ] as const) {
      await assert.rejects(
        safeFetch(at(host, '/ok'), {}, guarded),
        refusedWith('private_address', address),
        host,
      );
    }
    await assert.rejects(
      safeFetch('http://169.254.169.254/latest/meta-data/', {}, guarded),
      refusedWith('private_address'),
    );
    assert.equal(seen.length, before);
  });

  it('refuses a name resolving to a private address at connect time', async () => {
    const before = seen.length;
    await assert.rejects(
      safeFetch(at('evil.test', '/ok'), {}, guarded),
      refusedWith('private_address', '127.0.0.1'),
    );
    assert.equal(seen.length, before);
  });

  it('refuses DNS rebinding: public at registration, private when connecting', async () => {
    const rebinding = fakeDns({ 'rebind.test': (call) => (call === 1 ? '93.184.215.14' : '127.0.0.1') });
    const options = { allowPrivate: false, timeoutMs: 2000, lookup: rebinding };
    await assertPublicUrl(at('rebind.test', '/ok'), options);
    const before = seen.length;
    await assert.rejects(
      safeFetch(at('rebind.test', '/ok'), {}, options),
      refusedWith('private_address', '127.0.0.1'),
    );
    assert.equal(seen.length, before);
  });

  it('refuses bad schemes and credentials', async () => {
    await assert.rejects(safeFetch('file:///etc/passwd', {}, asPublic), refusedWith('scheme'));
    await assert.rejects(safeFetch(at('u:p@public.test', '/ok'), {}, asPublic), refusedWith('credentials'));
  });

  it('returns a 3xx as is unless followRedirects is set', async () => {
    const res = await safeFetch(at('public.test', '/redirect?to=http://10.0.0.1/'), {}, asPublic);
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), 'http://10.0.0.1/');
  });

  it('follows a redirect to a public address, checking it', async () => {
    const res = await safeFetch(
      at('public.test', `/redirect?to=${at('other.test', '/ok')}`),
      {},
      {
        ...asPublic,
        followRedirects: true,
      },
    );
    assert.equal(res.status, 200);
    assert.equal(res.body, 'hello');
    assert.equal(res.url, at('other.test', '/ok'));
  });

  it('refuses a public URL redirecting to a private one', async () => {
    const follow = { ...asPublic, followRedirects: true };
    for (const [to, address] of [
      ['http://10.0.0.1/', '10.0.0.1'],
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
      ['http://[::1]/', '::1'],
      [at('internal.test', '/ok'), '10.0.0.1'], // a name, refused by the connect-time lookup
    ] as const) {
      const before = seen.length;
      await assert.rejects(
        safeFetch(at('public.test', `/redirect?to=${encodeURIComponent(to)}`), {}, follow),
        refusedWith('private_address', address),
        to,
      );
      assert.equal(seen.length, before + 1, 'only the first hop reached a server');
    }
  });

  it('refuses a redirect to another scheme', async () => {
    await assert.rejects(
      safeFetch(
        at('public.test', '/redirect?to=file:///etc/passwd'),
        {},
        { ...asPublic, followRedirects: true },
      ),
      refusedWith('scheme'),
    );
  });

  it('gives up after maxRedirects', async () => {
    const before = seen.length;
    await assert.rejects(
      safeFetch(at('public.test', '/loop'), {}, { ...asPublic, followRedirects: true, maxRedirects: 3 }),
      failedWith('too_many_redirects'),
    );
    assert.equal(seen.length, before + 4, 'the first request and three redirects');
  });

  it('turns POST into GET without a body on 303 (and 301/302), and keeps it on 307', async () => {
    const init = {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': 's' },
      body: '{}',
    };
    const follow = { ...asPublic, followRedirects: true };
    for (const status of [301, 302, 303]) {
      const res = await safeFetch(at('public.test', `/redirect?status=${status}&to=/echo`), init, follow);
      const echoed = JSON.parse(res.body) as {
        method: string;
        body: string;
        headers: Record<string, string>;
      };
      assert.equal(echoed.method, 'GET', String(status));
      assert.equal(echoed.body, '');
      assert.equal(echoed.headers['content-type'], undefined);
      assert.equal(echoed.headers['x-signature'], 's');
    }
    const res = await safeFetch(at('public.test', '/redirect?status=307&to=/echo'), init, follow);
    const echoed = JSON.parse(res.body) as { method: string; body: string };
    assert.deepEqual([echoed.method, echoed.body], ['POST', '{}']);
  });

  it('with keepMethod follows only 307/308 and returns a 301/302/303 as is', async () => {
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' };
    const follow = { ...asPublic, followRedirects: true, keepMethod: true };
    for (const status of [301, 302, 303]) {
      const res = await safeFetch(at('public.test', `/redirect?status=${status}&to=/echo`), init, follow);
      assert.equal(res.status, status);
    }
    for (const status of [307, 308]) {
      const res = await safeFetch(at('public.test', `/redirect?status=${status}&to=/echo`), init, follow);
      const echoed = JSON.parse(res.body) as { method: string; body: string };
      assert.deepEqual([res.status, echoed.method, echoed.body], [200, 'POST', '{"a":1}'], String(status));
    }
  });

  it('drops Authorization on a cross-origin redirect', async () => {
    const res = await safeFetch(
      at('public.test', `/redirect?to=${encodeURIComponent(at('other.test', '/echo'))}`),
      { headers: { authorization: 'Bearer t', 'x-keep': '1' } },
      { ...asPublic, followRedirects: true },
    );
    const echoed = JSON.parse(res.body) as { headers: Record<string, string> };
    assert.equal(echoed.headers.authorization, undefined);
    assert.equal(echoed.headers['x-keep'], '1');
  });

  it('times out when the server never answers', async () => {
    const started = Date.now();
    await assert.rejects(
      safeFetch(at('public.test', '/hang'), {}, { ...asPublic, timeoutMs: 200 }),
      failedWith('timeout'),
    );
    assert.ok(Date.now() - started < 1500);
  });

  it('times out while reading a body that stalls', async () => {
    await assert.rejects(
      safeFetch(at('public.test', '/slow-body'), {}, { ...asPublic, timeoutMs: 200 }),
      failedWith('timeout'),
    );
  });

  it('keeps at most maxResponseBytes of the body, 64 KiB by default', async () => {
    const small = await safeFetch(at('public.test', '/big'), {}, { ...asPublic, maxResponseBytes: 1000 });
    assert.equal(small.body, 'x'.repeat(1000));
    const byDefault = await safeFetch(at('public.test', '/big'), {}, asPublic);
    assert.equal(byDefault.body.length, 64 * 1024);
    const cut = await safeFetch(at('public.test', '/utf8'), {}, { ...asPublic, maxResponseBytes: 3 });
    assert.equal(cut.body, 'é\uFFFD');
  });

  it('reports a refused connection as a network error without the request in the message', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(
      safeFetch(
        `http://127.0.0.1:${closedPort}/?token=secret`,
        { headers: { 'x-signature': 'sig' }, body: 'payload', method: 'POST' },
        {
          allowPrivate: true,
          timeoutMs: 2000,
        },
      ),
      (err: unknown) => {
        failedWith('network')(err);
        const message = (err as Error).message;
        for (const secret of ['secret', 'sig', 'payload']) assert.ok(!message.includes(secret), message);
        return true;
      },
    );
  });

  it('reuses pooled connections across calls with the same options', async () => {
    const keepAlive = { ...asPublic, lookup: fakeDns({ 'pool.test': '127.0.0.1' }) };
    const before = connections;
    for (let i = 0; i < 6; i++) await safeFetch(`http://pool.test:${port}/ok`, {}, keepAlive);
    // undici may open a second socket while the first is still finishing its response; no more than that.
    assert.ok(connections - before <= 2, `${connections - before} connections for 6 calls`);
  });
});
