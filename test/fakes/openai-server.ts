/**
 * A fake OpenAI-compatible server on 127.0.0.1 speaking the two endpoints Audenci uses, with the shapes
 * of the OpenAI API reference:
 * - `POST /v1/chat/completions` → `{id, object: 'chat.completion', created, model, choices: [{index,
 *   message: {role: 'assistant', content, refusal: null}, finish_reason: 'stop'}], usage}`; `content`
 *   is the JSON text the request's `response_format.json_schema` asks for (`captions`, set by the test).
 * - `POST /v1/images/generations` → `{created, data: [{b64_json}]}`, `n` PNGs of the size asked for.
 * Errors have OpenAI's body `{error: {message, type, param, code}}`. Both need `Authorization: Bearer
 * <apiKey>` (401 `invalid_api_key` otherwise). Every request is recorded in `requests`.
 *
 * Knobs: `failNext(failure, times)` makes the next calls answer 429 (with `retry-after`), 500, 503,
 * malformed JSON, or hang without answering; `captions` sets what the chat model "writes".
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export type FakeOpenAiFailure =
  | { kind: 'rate_limited'; retryAfterSeconds?: number }
  | { kind: 'server_error'; status?: 500 | 502 | 503 }
  /** 200 whose body is not JSON. */
  | { kind: 'malformed' }
  /** 200 whose message content is not the JSON asked for. */
  | { kind: 'bad_content' }
  /** No answer until `close()`. */
  | { kind: 'hang' };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export interface FakeOpenAi {
  /** Base URL to use as `OPENAI_BASE_URL` (ends in `/v1`). */
  url: string;
  apiKey: string;
  requests: RecordedRequest[];
  /** What the chat model answers; by default one caption per `n` asked in the system message. */
  captions: { caption: string; hashtags: string[] }[] | null;
  failNext(failure: FakeOpenAiFailure, times?: number): void;
  close(): Promise<void>;
}

function openAiError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null,
) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type, param: null, code } }));
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

async function png(size: string): Promise<string> {
  const [width, height] = size.split('x').map(Number) as [number, number];
  const bytes = await sharp({ create: { width, height, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
  return bytes.toString('base64');
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const failures: FakeOpenAiFailure[] = [];
  const hanging = new Set<ServerResponse>();
  const fake: Omit<FakeOpenAi, 'url' | 'close'> = {
    apiKey: 'sk-fake-openai-key-0123456789',
    requests: [],
    captions: null,
    failNext(failure, times = 1) {
      for (let i = 0; i < times; i++) failures.push(failure);
    },
  };

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = (req.url ?? '/').split('?')[0]!;
      fake.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
      if (req.headers.authorization !== `Bearer ${fake.apiKey}`) {
        return openAiError(
          res,
          401,
          'Incorrect API key provided: sk-wrong.',
          'invalid_request_error',
          'invalid_api_key',
        );
      }
      const failure = failures.shift();
      if (failure?.kind === 'hang') return void hanging.add(res);
      if (failure?.kind === 'rate_limited') {
        res.setHeader('retry-after', String(failure.retryAfterSeconds ?? 0));
        return openAiError(res, 429, 'Rate limit reached for requests', 'requests', 'rate_limit_exceeded');
      }
      if (failure?.kind === 'server_error') {
        return openAiError(
          res,
          failure.status ?? 500,
          'The server had an error while processing your request. sk-fake-openai-key',
          'server_error',
          null,
        );
      }
      if (failure?.kind === 'malformed') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"id": "chatcmpl-1", "choices": [');
      }
      if (req.method === 'POST' && path === '/v1/chat/completions') {
        const system = String((body.messages as { content: string }[] | undefined)?.[0]?.content ?? '');
        const n = Number(/exactly (\d+)/.exec(system)?.[1] ?? 1);
        const captions =
          fake.captions ??
          Array.from({ length: n }, (_, i) => ({
            caption: `Fresh idea number ${i + 1}`,
            hashtags: ['fresh', 'ideas'],
          }));
        const content =
          failure?.kind === 'bad_content' ? 'Sure! Here are your captions: …' : JSON.stringify({ captions });
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({
            id: 'chatcmpl-fake',
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: body.model,
            choices: [
              { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop' },
            ],
            usage: { prompt_tokens: 50, completion_tokens: 50, total_tokens: 100 },
          }),
        );
      }
      if (req.method === 'POST' && path === '/v1/images/generations') {
        const n = Number(body.n ?? 1);
        const image = await png(
          String(body.size ?? '1024x1024').replace(
            /^(\d+)x(\d+)$/,
            (_m, w: string, h: string) => `${Number(w) / 16}x${Number(h) / 16}`,
          ),
        );
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({
            created: Math.floor(Date.now() / 1000),
            data: Array.from({ length: n }, () => ({ b64_json: image })),
          }),
        );
      }
      openAiError(res, 404, `Invalid URL (${req.method} ${path})`, 'invalid_request_error', null);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}/v1`,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
