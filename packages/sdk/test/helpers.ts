/**
 * A real Audenci server for the SDK tests: the app of `test/helpers/app.ts` (real database, every plugin
 * and route) listening on a free port of 127.0.0.1, with a tenant and, on request, the worker.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Audenci, type ClientOptions } from '@audenci/sdk-js';
import {
  createTenant,
  createTestApp,
  startWorker,
  type DialectName,
  type Tenant,
  type TestApp,
  type TestAppOptions,
} from '../../../test/helpers/app.js';
import type { Worker } from '../../../src/worker/worker.js';

export { dialects } from '../../../test/helpers/app.js';
export { eventually } from '../../../test/helpers/webhooks.js';

export interface LiveServer {
  t: TestApp;
  tenant: Tenant;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  worker?: Worker;
  /** A client of this server; the key defaults to the tenant's test-environment admin key. */
  client(options?: ClientOptions): Audenci;
  close(): Promise<void>;
}

export async function startServer(
  dialect: DialectName,
  options: TestAppOptions & { worker?: boolean } = {},
): Promise<LiveServer> {
  const t = await createTestApp(dialect, options);
  try {
    const tenant = await createTenant(t);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    const live: LiveServer = {
      t,
      tenant,
      url,
      worker: options.worker ? await startWorker(t) : undefined,
      client: (clientOptions = {}) =>
        new Audenci({ apiKey: tenant.test.admin, baseUrl: url, retryBaseDelay: 10, ...clientOptions }),
      async close() {
        await live.worker?.stop();
        await t.close();
      },
    };
    return live;
  } catch (error) {
    await t.close();
    throw error;
  }
}

/** A brand of the client's organization and environment. */
export async function makeBrand(client: Audenci, name = 'SDK Coffee'): Promise<string> {
  return (await client.brands.create({ name })).id;
}

/** What the proxy does with one request. */
export type ProxyAction =
  /** Forward it and return the server's answer. */
  | 'forward'
  /** Forward it, let the server finish, then destroy the client's socket instead of answering. */
  | 'drop-answer'
  /** Never answer (until the proxy closes). */
  | 'hang'
  /** Answer this without asking the server. */
  | { status: number; headers?: Record<string, string>; body?: string };

export interface ProxiedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The server's status, when the request was forwarded. */
  upstreamStatus?: number;
}

export interface Proxy {
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

/**
 * A tiny HTTP proxy in front of the real server, to lose answers, stall or inject a status on chosen
 * requests; `decide` sees each request with the number of earlier ones of the same method and path.
 */
export async function startProxy(
  target: string,
  decide: (request: ProxiedRequest, seen: number) => ProxyAction = () => 'forward',
): Promise<Proxy> {
  const requests: ProxiedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const record: ProxiedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
      const seen = requests.filter(
        (r) => r.method === record.method && r.url.split('?')[0] === record.url.split('?')[0],
      ).length;
      requests.push(record);
      const action = decide(record, seen);
      if (action === 'hang') return;
      if (typeof action === 'object') {
        res.writeHead(action.status, { 'content-type': 'application/json', ...action.headers });
        res.end(action.body ?? '');
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          ([name]) =>
            !['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'].includes(name),
        ),
      ) as Record<string, string>;
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      fetch(`${target}${req.url}`, { method: req.method, headers, body })
        .then(async (upstream) => {
          const content = Buffer.from(await upstream.arrayBuffer());
          record.upstreamStatus = upstream.status;
          if (action === 'drop-answer') {
            req.socket.destroy();
            return;
          }
          const out: Record<string, string> = {};
          upstream.headers.forEach((value, name) => {
            if (
              ![
                'connection',
                'content-length',
                'transfer-encoding',
                'keep-alive',
                'content-encoding',
              ].includes(name)
            )
              out[name] = value;
          });
          res.writeHead(upstream.status, out);
          res.end(content);
        })
        .catch(() => req.socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
