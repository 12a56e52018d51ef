import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Answer } from './app.js';

/**
 * Harnesses that call every operation (scopes, generated inputs) wait for each answer's end; a
 * `text/event-stream` answer (`GET /events/stream`) never ends. These helpers tell such an operation
 * from the OpenAPI document and inject it reading only the head of the stream, then hang up, as a
 * client that goes away does (the server stops the stream).
 */

/** True when the operation's 200 answer is a server-sent event stream. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the OpenAPI document is JSON of any shape
export function isEventStream(operation: any): boolean {
  return Boolean(operation?.responses?.['200']?.content?.['text/event-stream']);
}

/**
 * `inject` that answers once the head of the answer is there: an event stream's status, headers and
 * first frame (then the connection is dropped); any other answer whole, with its JSON parsed.
 */
export async function injectHead(app: FastifyInstance, options: InjectOptions): Promise<Answer> {
  const response = await app.inject({ ...options, payloadAsStream: true });
  const type = String(response.headers['content-type'] ?? '');
  const body = response.stream();
  let raw = '';
  if (type.startsWith('text/event-stream')) {
    for await (const chunk of body) {
      raw += String(chunk);
      break;
    }
    // The client goes away: the server sees its response close and stops the stream.
    (response.raw.res as unknown as { destroy(): void }).destroy();
  } else {
    for await (const chunk of body) raw += String(chunk);
  }
  let parsed: unknown;
  if (raw && type.includes('json')) {
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as `call` answers
  return { status: response.statusCode, headers: response.headers, body: parsed as any, raw };
}
