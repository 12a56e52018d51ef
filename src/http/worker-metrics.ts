import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsListener {
  /** `http://host:port`. */
  url: string;
  close(): Promise<void>;
}

function json(status: number, body: unknown): [number, Record<string, string>, string] {
  return [status, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(body)];
}

/**
 * The `worker` process's metrics (AUDENCI_WORKER_METRICS_PORT): `GET /metrics` in the Prometheus text
 * format and `GET /healthz`, nothing else, no key — the worker has no API to serve. Errors in the
 * contract envelope.
 */
export async function serveMetrics(registry: Registry, port: number, host: string): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = async (): Promise<[number, Record<string, string>, string]> => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'Only GET is served here' } });
      }
      if (path === '/metrics')
        return [200, { 'content-type': registry.contentType }, await registry.metrics()];
      if (path === '/healthz') return json(200, { status: 'ok' });
      return json(404, {
        error: { code: 'NOT_FOUND', message: 'Only /metrics and /healthz are served here' },
      });
    };
    answer().then(
      ([status, headers, body]) => {
        res.writeHead(status, { ...headers, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => {
        const [status, headers, body] = json(500, {
          error: { code: 'INTERNAL_ERROR', message: 'The metrics could not be collected' },
        });
        res.writeHead(status, headers);
        res.end(body);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
