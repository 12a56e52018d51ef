import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the trace a request or a job belongs to.
 * A request's well-formed `traceparent` is continued; otherwise (and for each worker job) a new trace
 * starts. Outbound calls made meanwhile carry a `traceparent` of the same trace id, so a receiver's
 * logs can be joined to ours.
 */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** This process's span: 16 lowercase hex digits. */
  spanId: string;
  /** The caller's span, when a `traceparent` was received. */
  parentId?: string;
  /** Trace flags, 2 hex digits (`01`: sampled). */
  flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

const storage = new AsyncLocalStorage<TraceContext>();

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/**
 * The trace and parent span of a `traceparent` header, or undefined when it is absent or malformed (it
 * is then ignored, as the specification says). Version `ff` and all-zero ids are invalid; version `00`
 * has exactly four fields; a later version may add fields after them.
 */
export function parseTraceparent(
  header: unknown,
): { traceId: string; parentId: string; flags: string } | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return undefined;
  return { traceId, parentId, flags };
}

/** A trace continuing the given `traceparent` when it is well formed, else a new one. */
export function traceFrom(header: unknown): TraceContext {
  const parent = parseTraceparent(header);
  if (parent)
    return { traceId: parent.traceId, parentId: parent.parentId, spanId: hex(8), flags: parent.flags };
  return newTrace();
}

/** A new trace (a worker job, a request without a usable `traceparent`). */
export function newTrace(): TraceContext {
  return { traceId: hex(16), spanId: hex(8), flags: '01' };
}

/** Runs `fn` in `trace`: outbound calls it makes carry it. */
export function runInTrace<T>(trace: TraceContext, fn: () => T): T {
  return storage.run(trace, fn);
}

/** The trace of the request or job being served, if any. */
export function currentTrace(): TraceContext | undefined {
  return storage.getStore();
}

/** The `traceparent` an outbound call of the current trace sends (our span as its parent), if any. */
export function outboundTraceparent(): string | undefined {
  const trace = storage.getStore();
  return trace ? `00-${trace.traceId}-${trace.spanId}-${trace.flags}` : undefined;
}

/**
 * `headers` with the current trace's `traceparent` added (unless it has one); the same object when
 * there is no current trace.
 */
export function withTraceparent<H extends Record<string, string>>(headers: H): H {
  const traceparent = outboundTraceparent();
  if (traceparent === undefined) return headers;
  if (Object.keys(headers).some((name) => name.toLowerCase() === 'traceparent')) return headers;
  return { ...headers, traceparent };
}
