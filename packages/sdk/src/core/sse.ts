/**
 * Server-sent events over `fetch`: a parser of `text/event-stream` (the WHATWG HTML "event stream
 * interpretation") that reads a streaming response body, in browsers and Node alike.
 */

/** One dispatched event of the stream. */
export interface ServerSentEvent {
  /** The stream's last event id when it was dispatched (`id:` of this frame or an earlier one). */
  id: string | undefined;
  /** `event:`; `message` when the frame named none. */
  event: string;
  /** `data:` lines joined with `\n`. */
  data: string;
}

/** What a reader of the stream learns besides events: the `retry:` hint (ms). */
export interface StreamState {
  retryMs?: number;
  lastEventId?: string;
}

/**
 * The events of a `text/event-stream` body, in order, until the body ends or `signal` aborts (the
 * generator then finishes). `state` follows the stream's `retry:` and last event id (as EventSource
 * keeps them for reconnecting). `onChunk` is called for every chunk read, comments included (a sign
 * of life, e.g. for an idle timeout).
 */
export async function* readEventStream(
  body: ReadableStream<Uint8Array>,
  state: StreamState = {},
  signal?: AbortSignal,
  onChunk?: () => void,
): AsyncGenerator<ServerSentEvent> {
  // The reader API rather than async iteration: not every browser iterates a ReadableStream.
  const reader = body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  if (signal?.aborted) cancel();
  signal?.addEventListener('abort', cancel, { once: true });
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let sawCarriageReturn = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || signal?.aborted) return;
      onChunk?.();
      let text = decoder.decode(value, { stream: true });
      // A CRLF split across two chunks: the LF was already counted with its CR.
      if (sawCarriageReturn && text.startsWith('\n')) text = text.slice(1);
      sawCarriageReturn = text.endsWith('\r');
      buffer += text;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0)
            yield { id: state.lastEventId, event: event || 'message', data: data.join('\n') };
          data = [];
          event = '';
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id' && !value.includes('\0')) state.lastEventId = value;
        else if (field === 'retry' && /^\d+$/.test(value)) state.retryMs = Number(value);
      }
    }
  } finally {
    signal?.removeEventListener('abort', cancel);
    await reader.cancel().catch(() => undefined);
  }
}
