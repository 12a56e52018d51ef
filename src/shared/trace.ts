import { AsyncLocalStorage } from 'node:async_hooks';
import { randomHex } from './random-pool.js';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): the trace a request or a job belongs to.
 * A request's well-formed `traceparent` is continued; otherwise (and for each worker job) a new trace
 * starts. Outbound calls made meanwhile carry a `traceparent` of the same trace id, so a receiver's
 * logs can be joined to ours.
 *
 * The trace reaches the code that calls out through an AsyncLocalStorage. On Node 20 an
 * AsyncLocalStorage in use slows every promise of the process (its hook runs for each one), so a trace
 * is entered only by work that can call out — a worker job, a request to a route whose config says
 * `outbound: true` — and the storage is disabled whenever no such work is in flight: reads and ordinary
 * writes pay nothing. In tests (`checkOutboundCalls`) every request enters one, and an
 * outbound call from a route without `outbound: true` throws, so a route that calls out cannot miss
 * the flag unnoticed.
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

/** What a trace scope holds: the trace, and whether the work may call out (false only when checking). */
interface Entered {
  trace: TraceContext;
  outbound: boolean;
}

/**
 * The one storage of every trace entered, enabled while any is in flight. (A storage per trace would
 * make each promise's hook walk every storage: slow once many jobs run at once.)
 */
const storage = new AsyncLocalStorage<Entered>();
let inFlight = 0;

let checking = false;

/**
 * Tests: every request enters its trace, and an outbound call made for a route without
 * `outbound: true` throws instead of leaving without its `traceparent`.
 */
export function checkOutboundCalls(on = true): void {
  checking = on;
}

/** Whether requests to routes without `outbound: true` enter their trace too (see checkOutboundCalls). */
export function checkingOutboundCalls(): boolean {
  return checking;
}

const hex = randomHex;

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

/** A trace entered by one request or job: `run` code in it; `end` once the work is over (idempotent). */
export interface TraceScope {
  run<T>(fn: () => T): T;
  end(): void;
}

/** Enters `trace` for one piece of work that may call out (`outbound`; false only when checking). */
export function openTrace(trace: TraceContext, outbound = true): TraceScope {
  const entered: Entered = { trace, outbound };
  inFlight++;
  let ended = false;
  return {
    run: (fn) => storage.run(entered, fn),
    end() {
      if (ended) return;
      ended = true;
      // The last trace in flight ended: promises stop paying for the async context.
      if (--inFlight === 0) storage.disable();
    },
  };
}

/** Runs `fn` in `trace` until it returns, or until the promise it returns settles. */
export function runInTrace<T>(trace: TraceContext, fn: () => T): T {
  const scope = openTrace(trace);
  let result: T;
  try {
    result = scope.run(fn);
  } catch (error) {
    scope.end();
    throw error;
  }
  if (result instanceof Promise) result.then(scope.end, scope.end);
  else scope.end();
  return result;
}

function entered(): Entered | undefined {
  return inFlight > 0 ? storage.getStore() : undefined;
}

/** The trace of the request or job being served, if it entered one. */
export function currentTrace(): TraceContext | undefined {
  return entered()?.trace;
}

/** The `traceparent` an outbound call of the current trace sends (our span as its parent), if any. */
export function outboundTraceparent(): string | undefined {
  const found = entered();
  if (!found) return undefined;
  if (!found.outbound) {
    throw new Error(
      'An outbound call from a route without `config.outbound: true`: it would leave without its ' +
        "traceparent in production. Set `outbound: true` in the route's config.",
    );
  }
  const { trace } = found;
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
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
