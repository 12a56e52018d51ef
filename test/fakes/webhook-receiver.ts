/**
 * A webhook receiver on 127.0.0.1 for delivery tests: it records every request (raw body, headers, time
 * of arrival) and answers from a script per path — e.g. 500, 500, then the default 200. Apps sending to
 * it run with AUDENCI_ALLOW_PRIVATE_URLS=true (it is a loopback address).
 *
 * ```ts
 * const receiver = await startWebhookReceiver();
 * receiver.script('/a', [{ status: 500 }, { status: 429, headers: { 'retry-after': '1' } }]);
 * // register receiver.url('/a') as an endpoint, cause an event …
 * const [hit] = await receiver.waitFor((r) => r.path === '/a');
 * await receiver.close();
 * ```
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  /** Exactly the bytes received, as UTF-8. */
  body: string;
  /** Date.now() when the request arrived. */
  at: number;
  /** The status it was answered with. */
  status: number;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port><path>`. */
  url(path?: string): string;
  /** Every request so far, in arrival order. */
  readonly requests: ReceivedWebhook[];
  /** The next requests to `path` get these answers, in order; after them, `fallback` (200 by default). */
  script(path: string, answers: ScriptedAnswer[], fallback?: ScriptedAnswer): void;
  /** The requests for which `predicate` holds, once there are at least `count` (default 1). */
  waitFor(
    predicate: (r: ReceivedWebhook) => boolean,
    count?: number,
    timeoutMs?: number,
  ): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedWebhook[] = [];
  const scripts = new Map<string, { answers: ScriptedAnswer[]; fallback: ScriptedAnswer }>();
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const script = scripts.get(path);
      const answer = script?.answers.shift() ?? script?.fallback ?? { status: 200 };
      requests.push({
        path,
        method: req.method ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        status: answer.status,
      });
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? `answered ${answer.status}`);
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    requests,
    script(path, answers, fallback = { status: 200 }) {
      scripts.set(path, { answers: [...answers], fallback });
    },
    async waitFor(predicate, count = 1, timeoutMs = 10_000) {
      const matching = () => requests.filter(predicate);
      if (matching().length >= count) return matching();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`Timed out waiting for ${count} webhook(s); got ${matching().length}`));
        }, timeoutMs);
        function check() {
          if (matching().length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(matching());
        }
        waiters.add(check);
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
