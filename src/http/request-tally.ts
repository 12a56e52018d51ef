import { Counter, Histogram, type Registry } from 'prom-client';

/** One series of the request metrics: a method, route pattern and status, counted by the request hook. */
export interface RequestSeries {
  /** The series' labels, one object for its lifetime (prom-client caches their formatting by object). */
  readonly labels: Readonly<Record<'method' | 'route' | 'status_code', string>>;
  count: number;
  sum: number;
  /** Observations per bucket, not cumulative: `buckets[i]` counts values in (bounds[i-1], bounds[i]]. */
  readonly buckets: number[];
  /** How many of `count` the requests counter has been handed. */
  counted: number;
}

/**
 * `audenci_http_request_duration_seconds` as prom-client's Histogram exposes it, counted by the request
 * hook in plain numbers: prom-client's `observe` validates and hashes the labels and looks the series up
 * on every call (~0.8 µs with the counter's `inc`), where a request needs a few additions. The series'
 * figures are handed to prom-client's registry when it is scraped, in the structure its own Histogram
 * gives it, so the exposition is the same text.
 */
export class TalliedHistogram extends Histogram<'method' | 'route' | 'status_code'> {
  private readonly series: RequestSeries[] = [];
  private readonly bounds: readonly number[];

  constructor(config: { name: string; help: string; buckets: number[]; registry: Registry }) {
    super({
      name: config.name,
      help: config.help,
      labelNames: ['method', 'route', 'status_code'],
      buckets: config.buckets,
      registers: [config.registry],
    });
    this.bounds = [...config.buckets];
  }

  /** A new series (zero observations), exposed from the next scrape on. */
  open(method: string, route: string, status: number): RequestSeries {
    const series: RequestSeries = {
      labels: { method, route, status_code: String(status) },
      count: 0,
      sum: 0,
      buckets: this.bounds.map(() => 0),
      counted: 0,
    };
    this.series.push(series);
    return series;
  }

  /** Counts one observation of `value` in `series` (prom-client's Histogram#observe, without the lookups). */
  observeIn(series: RequestSeries, value: number): void {
    series.sum += value;
    series.count += 1;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        series.buckets[i]! += 1;
        return;
      }
    }
  }

  /** Every series, in the order they were opened. */
  all(): readonly RequestSeries[] {
    return this.series;
  }

  /** What the registry formats: the values prom-client's Histogram#getForPromString gives, from the series. */
  async getForPromString(): Promise<{
    name: string;
    help: string;
    type: string;
    values: unknown[];
    aggregator: string;
  }> {
    const self = this as unknown as { name: string; help: string; aggregator: string };
    const bucketName = `${self.name}_bucket`;
    const values: unknown[] = [];
    for (const s of this.series) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.buckets[i]!;
        values.push({
          labels: { le: this.bounds[i] },
          sharedLabels: s.labels,
          value: acc,
          metricName: bucketName,
          exemplar: null,
        });
      }
      values.push(
        {
          labels: { le: '+Inf' },
          sharedLabels: s.labels,
          value: s.count,
          metricName: bucketName,
          exemplar: null,
        },
        {
          labels: {},
          sharedLabels: s.labels,
          value: s.sum,
          metricName: `${self.name}_sum`,
          exemplar: undefined,
        },
        {
          labels: {},
          sharedLabels: s.labels,
          value: s.count,
          metricName: `${self.name}_count`,
          exemplar: undefined,
        },
      );
    }
    return { name: self.name, help: self.help, type: 'histogram', values, aggregator: self.aggregator };
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor resets too, before this class's fields exist.
    for (const s of this.series ?? []) {
      s.count = 0;
      s.sum = 0;
      s.buckets.fill(0);
      s.counted = 0;
    }
  }
}

/**
 * `audenci_http_requests_total`: a request's count is its series' histogram count, handed to this
 * prom-client Counter (public `inc`) when it is scraped rather than on every request.
 */
export function tallyCounter(
  config: { name: string; help: string; registry: Registry },
  histogram: TalliedHistogram,
): Counter<'method' | 'route' | 'status_code'> {
  return new Counter({
    name: config.name,
    help: config.help,
    labelNames: ['method', 'route', 'status_code'],
    registers: [config.registry],
    collect() {
      for (const s of histogram.all()) {
        // A series opened and never observed yet is not exposed (as prom-client would not).
        if (s.count > s.counted) {
          this.inc(s.labels, s.count - s.counted);
          s.counted = s.count;
        }
      }
    },
  });
}
