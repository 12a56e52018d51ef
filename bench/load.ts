/**
 * The load side of `npm run bench`: autocannon instances in the parent process, one per server URL,
 * sharing the connections and one record of response times, and the check that every answer was 2xx.
 */
import autocannon from 'autocannon';
import type { BenchRequest, Sample } from './scenarios.js';

const round = (n: number, digits: number) => Number(n.toFixed(digits));

export async function fetchSample(url: string, request: BenchRequest): Promise<Sample> {
  const response = await fetch(url + request.path, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.text();
  if (response.status < 200 || response.status > 299) {
    throw new Error(`${request.method} ${request.path} answered ${response.status}: ${body.slice(0, 500)}`);
  }
  return { status: response.status, body };
}

/** A response as it came, whatever its status: what the reference's answers are compared on. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export async function fetchAnswer(url: string, request: BenchRequest): Promise<Answer> {
  const response = await fetch(url + request.path, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: await response.text(),
  };
}

export interface LatencySummary {
  count: number;
  average: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Response times in milliseconds. autocannon's own histogram stores whole milliseconds, which says
 * nothing about a sub-millisecond API; its `response` event carries the precise time.
 */
export class Latencies {
  private values = new Float64Array(1 << 16);
  private count = 0;

  record(ms: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = ms;
  }

  summary(): LatencySummary {
    const sorted = this.values.slice(0, this.count).sort();
    const at = (q: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : 0;
    let sum = 0;
    for (const v of sorted) sum += v;
    const ms = (v: number) => round(v, 3);
    return {
      count: sorted.length,
      average: ms(sorted.length ? sum / sorted.length : 0),
      p50: ms(at(0.5)),
      p90: ms(at(0.9)),
      p99: ms(at(0.99)),
      max: ms(sorted.length ? sorted[sorted.length - 1]! : 0),
    };
  }
}

/** What the instances of one measured run saw together. */
export interface LoadResult {
  /** The sum of each instance's mean of per-second request counts (they run over the same seconds). */
  requestsPerSecond: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Seconds: the longest instance's. */
  duration: number;
  statusCodes: Record<string, number>;
}

export interface LoadSettings {
  connections: number;
  pipelining: number;
}

/**
 * Sends `requests` in a loop to every URL at once for `seconds`: one autocannon instance per URL with
 * its share of the connections (10 over two servers: 5 each), as a load balancer spreading connections
 * would. Every instance records into the same latency record, so the percentiles are those of all the
 * responses together, whichever server answered; a caller measuring one server in several slices passes
 * the record the slices share.
 */
export async function fire(
  urls: readonly string[],
  requests: BenchRequest[],
  seconds: number,
  settings: LoadSettings,
  latencies = new Latencies(),
): Promise<{ result: LoadResult; latency: LatencySummary }> {
  if (settings.connections < urls.length)
    throw new Error(`${settings.connections} connections cannot be shared by ${urls.length} servers`);
  const instances = urls.map((url, i) => {
    const connections =
      Math.floor(settings.connections / urls.length) + (i < settings.connections % urls.length ? 1 : 0);
    const instance = autocannon({
      url,
      connections,
      pipelining: settings.pipelining,
      duration: seconds,
      timeout: 10,
      requests,
    });
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, ms: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.record(ms);
    });
    return instance;
  });
  // autocannon ends on its own after `seconds`; this only guards against a wedged run.
  const watchdog = setTimeout(() => instances.forEach((i) => i.stop()), (seconds + 30) * 1000);
  try {
    const results = await Promise.all(instances);
    const statusCodes: Record<string, number> = {};
    for (const r of results)
      for (const [code, { count }] of Object.entries(r.statusCodeStats))
        statusCodes[code] = (statusCodes[code] ?? 0) + count;
    const sum = (f: (r: (typeof results)[number]) => number) => results.reduce((s, r) => s + f(r), 0);
    return {
      result: {
        requestsPerSecond: sum((r) => r.requests.average),
        total: sum((r) => r.requests.total),
        non2xx: sum((r) => r.non2xx),
        errors: sum((r) => r.errors),
        timeouts: sum((r) => r.timeouts),
        duration: Math.max(...results.map((r) => r.duration)),
        statusCodes,
      },
      latency: latencies.summary(),
    };
  } finally {
    clearTimeout(watchdog);
  }
}

/** What makes a measured run worthless, or undefined. */
export function problems(result: LoadResult): string | undefined {
  const bad: string[] = [];
  if (result.non2xx > 0) {
    const codes = Object.entries(result.statusCodes)
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, count]) => `${count}×${code}`);
    bad.push(`${result.non2xx} non-2xx responses (${codes.join(', ')})`);
  }
  if (result.errors > 0) bad.push(`${result.errors} errors`);
  if (result.timeouts > 0) bad.push(`${result.timeouts} timeouts`);
  if (result.total === 0) bad.push('no responses');
  return bad.length ? bad.join('; ') : undefined;
}
