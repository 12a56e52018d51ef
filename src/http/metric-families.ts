/**
 * Every metric family the API and the worker export, as `GET /metrics` documents them (its OpenAPI
 * description is built from this list; docs/operations.md has the same table). A test reads the names a
 * running server registers and fails on one missing here, so a new family cannot go undocumented.
 */
export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  labels: string[];
  meaning: string;
  /** Which process exposes it: the API, the worker, or both (`serve` runs both in one process). */
  exposedBy: string;
}

export const METRIC_FAMILIES: readonly MetricFamily[] = [
  {
    name: 'audenci_http_requests_total',
    type: 'counter',
    labels: ['method', 'route', 'status_code'],
    meaning: 'Requests by method, route pattern (`unmatched` for none) and status',
    exposedBy: 'API',
  },
  {
    name: 'audenci_http_request_duration_seconds',
    type: 'histogram',
    labels: ['method', 'route', 'status_code'],
    meaning: 'Request latency, same labels',
    exposedBy: 'API',
  },
  {
    name: 'audenci_rate_limit_rejections_total',
    type: 'counter',
    labels: ['environment'],
    meaning:
      'Requests answered 429 by a rate limit; `environment` is `live`, `test`, or `none` before authentication (the public and failed-authentication limits)',
    exposedBy: 'API',
  },
  {
    name: 'audenci_idempotent_replays_total',
    type: 'counter',
    labels: ['environment'],
    meaning:
      'Requests answered with the stored response of their `Idempotency-Key` (`Idempotent-Replayed: true`)',
    exposedBy: 'API',
  },
  {
    name: 'audenci_queue_due_jobs',
    type: 'gauge',
    labels: [],
    meaning:
      'Queued jobs due to run now, all types (counted up to 10000), read from the database when scraped',
    exposedBy: 'API, worker',
  },
  {
    name: 'audenci_queue_oldest_due_job_age_seconds',
    type: 'gauge',
    labels: [],
    meaning: 'How long the oldest due job has waited past its run time; 0 when none is due',
    exposedBy: 'API, worker',
  },
  {
    name: 'audenci_jobs_total',
    type: 'counter',
    labels: ['type', 'outcome'],
    meaning:
      'Job attempts by job type (`post.publish`, `webhook.deliver`, …) and outcome (`succeeded`, `retried`, `failed`)',
    exposedBy: 'worker',
  },
  {
    name: 'audenci_job_duration_seconds',
    type: 'histogram',
    labels: ['type', 'outcome'],
    meaning: 'Job attempt duration, same labels',
    exposedBy: 'worker',
  },
  {
    name: 'audenci_publish_total',
    type: 'counter',
    labels: ['platform', 'outcome'],
    meaning:
      'Publish attempts by platform and outcome (`published`, `retrying`, `failed`: the post ends `FAILED`)',
    exposedBy: 'worker',
  },
  {
    name: 'audenci_webhook_deliveries_total',
    type: 'counter',
    labels: ['outcome'],
    meaning:
      'Webhook delivery attempts by outcome (`succeeded`, `http_error`, `timeout`, `network_error`, `blocked`), as in the delivery log',
    exposedBy: 'worker',
  },
  {
    name: 'audenci_webhook_delivery_duration_seconds',
    type: 'histogram',
    labels: ['outcome'],
    meaning: 'Webhook delivery attempt latency (request sent to answer read), by outcome',
    exposedBy: 'worker',
  },
  {
    name: 'audenci_dependency_up',
    type: 'gauge',
    labels: ['dependency'],
    meaning:
      'Whether a dependency answers (1) or not (0): `database` as of the last `/readyz`, `redis` (scale-out) live',
    exposedBy: 'API',
  },
  {
    name: 'audenci_rate_limit_local_hits_total',
    type: 'counter',
    labels: [],
    meaning: 'Scale-out: rate-limit hits counted in this process because Redis did not answer',
    exposedBy: 'API',
  },
  {
    name: 'audenci_api_processes',
    type: 'gauge',
    labels: [],
    meaning: 'Scale-out: the API processes a rate limit is shared among while Redis does not answer',
    exposedBy: 'API',
  },
];

/**
 * Families whose names start with these are prom-client's default process and Node.js metrics (CPU,
 * memory, file descriptors, event-loop lag, active handles and requests, heap spaces, GC, version),
 * exposed by every process; documented by prefix, as their set follows the prom-client version.
 */
export const DEFAULT_METRIC_PREFIXES = ['audenci_process_', 'audenci_nodejs_'] as const;

/** The `GET /metrics` description: every family as a Markdown table. */
export function metricsDescription(): string {
  const rows = METRIC_FAMILIES.map(
    (f) =>
      `| \`${f.name}\` | ${f.type} | ${f.labels.map((l) => `\`${l}\``).join(', ') || '—'} | ${f.meaning} | ${f.exposedBy} |`,
  );
  return [
    'Prometheus text exposition of every metric family below. Labels are bounded sets: no organization, ' +
      'key, endpoint or post id is ever a label. `audenci serve` exposes every family here; in scale-out ' +
      'mode an `api` process exposes the API families and a `worker` process the worker families on its ' +
      'own port (AUDENCI_WORKER_METRICS_PORT). Never rate limited, and answered while the process sheds load.',
    '',
    '| family | type | labels | meaning | exposed by |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    `| ${DEFAULT_METRIC_PREFIXES.map((p) => `\`${p}*\``).join(', ')} | counter, gauge, histogram | a few (\`type\`, \`space\`, \`kind\`, \`version\`, …) | The default process and Node.js runtime metrics of prom-client: CPU, memory, file descriptors, event-loop lag, active handles and requests, heap spaces, GC duration, version | API, worker |`,
  ].join('\n');
}
