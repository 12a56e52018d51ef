import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * The metric families beyond HTTP that the API and the worker update (documented in
 * docs/operations.md). One set per registry: asking again for the same registry answers the same
 * instruments (several apps or workers can share a process's registry). Labels are bounded sets (job
 * types, platforms, outcomes, environments); no organization, key or endpoint id is ever a label.
 */
export interface AppMetrics {
  /** `audenci_jobs_total{type,outcome}`: succeeded, retried, failed. */
  jobs: Counter<'type' | 'outcome'>;
  /** `audenci_job_duration_seconds{type,outcome}`. */
  jobDuration: Histogram<'type' | 'outcome'>;
  /** `audenci_publish_total{platform,outcome}`: published, retrying, failed. */
  publishes: Counter<'platform' | 'outcome'>;
  /** `audenci_webhook_deliveries_total{outcome}`: the attempt outcomes of the delivery log. */
  webhookDeliveries: Counter<'outcome'>;
  /** `audenci_webhook_delivery_duration_seconds{outcome}`. */
  webhookDuration: Histogram<'outcome'>;
  /** `audenci_rate_limit_rejections_total{environment}`. */
  rateLimitRejections: Counter<'environment'>;
  /** `audenci_idempotent_replays_total{environment}`. */
  idempotentReplays: Counter<'environment'>;
}

const byRegistry = new WeakMap<Registry, AppMetrics>();

export function appMetrics(registry: Registry): AppMetrics {
  const known = byRegistry.get(registry);
  if (known) return known;
  const registers = [registry];
  const metrics: AppMetrics = {
    jobs: new Counter({
      name: 'audenci_jobs_total',
      help: 'Worker job attempts by job type and outcome (succeeded, retried, failed)',
      labelNames: ['type', 'outcome'],
      registers,
    }),
    jobDuration: new Histogram({
      name: 'audenci_job_duration_seconds',
      help: 'Worker job attempt duration by job type and outcome',
      labelNames: ['type', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    publishes: new Counter({
      name: 'audenci_publish_total',
      help: 'Publish attempts by platform and outcome (published, retrying, failed)',
      labelNames: ['platform', 'outcome'],
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'audenci_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (succeeded, http_error, timeout, network_error, blocked)',
      labelNames: ['outcome'],
      registers,
    }),
    webhookDuration: new Histogram({
      name: 'audenci_webhook_delivery_duration_seconds',
      help: 'Webhook delivery attempt latency (request sent to answer read) by outcome',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    rateLimitRejections: new Counter({
      name: 'audenci_rate_limit_rejections_total',
      help: 'Requests answered 429 by a rate limit, by environment (live, test; none before authentication)',
      labelNames: ['environment'],
      registers,
    }),
    idempotentReplays: new Counter({
      name: 'audenci_idempotent_replays_total',
      help: 'Requests answered with a stored response for their Idempotency-Key, by environment',
      labelNames: ['environment'],
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
