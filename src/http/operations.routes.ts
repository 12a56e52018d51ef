import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Registry } from 'prom-client';
import type { DbHandle } from '../db/index.js';
import { pendingMigrations } from '../db/migrate.js';
import { AppError } from '../shared/errors.js';
import { postmanRoute } from './postman.js';

export interface OperationsDeps {
  db: DbHandle;
  metrics: Registry;
  /** Extra readiness checks (e.g. the shared rate-limit store). */
  checks: Record<string, () => Promise<void>>;
  changelog: string;
}

const Health = Type.Object(
  { status: Type.Literal('ok') },
  { additionalProperties: false, description: 'The process is up' },
);
const Ready = Type.Object(
  {
    status: Type.Literal('ready'),
    database: Type.Unsafe<'sqlite' | 'postgres'>({
      type: 'string',
      enum: ['sqlite', 'postgres'],
      description: 'Which database serves this process',
    }),
    checks: Type.Record(Type.String(), Type.Literal('ok')),
  },
  { additionalProperties: false, description: 'Ready to serve requests' },
);

/** Unauthenticated operational endpoints: liveness, readiness, Prometheus metrics, the OpenAPI document. */
export async function operationsRoutes(app: FastifyInstance, deps: OperationsDeps): Promise<void> {
  let migrationsCurrent = false;

  app.get(
    '/healthz',
    {
      config: { scope: 'public', probe: true },
      schema: {
        tags: ['Operations'],
        operationId: 'getHealth',
        summary: 'Liveness: the process is up',
        description:
          'Answers 200 as long as the process runs, without touching the database. For liveness probes.',
        response: { 200: Health },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { scope: 'public', probe: true },
      schema: {
        tags: ['Operations'],
        operationId: 'getReadiness',
        summary: 'Readiness: the database is reachable and fully migrated',
        description:
          'Answers 200 when the database (and Redis, in scale-out mode) is reachable and every migration ' +
          'has run; otherwise 503 `SERVICE_UNAVAILABLE` naming the failing check. For readiness probes.',
        response: { 200: Ready },
      },
    },
    async () => {
      const checks: Record<string, 'ok'> = {};
      try {
        await deps.db.ping();
        checks.database = 'ok';
      } catch {
        throw new AppError('SERVICE_UNAVAILABLE', 'The database is not reachable', { check: 'database' });
      }
      if (!migrationsCurrent) {
        let pending: string[];
        try {
          pending = await pendingMigrations(deps.db.db);
        } catch {
          throw new AppError('SERVICE_UNAVAILABLE', 'The migration state could not be read', {
            check: 'migrations',
          });
        }
        if (pending.length > 0) {
          throw new AppError('SERVICE_UNAVAILABLE', `Migrations pending: ${pending.join(', ')}`, {
            check: 'migrations',
            pending,
          });
        }
        migrationsCurrent = true;
      }
      checks.migrations = 'ok';
      for (const [name, check] of Object.entries(deps.checks)) {
        try {
          await check();
          checks[name] = 'ok';
        } catch {
          throw new AppError('SERVICE_UNAVAILABLE', `${name} is not reachable`, { check: name });
        }
      }
      return { status: 'ready' as const, database: deps.db.capabilities.name, checks };
    },
  );

  app.get(
    '/metrics',
    {
      config: { scope: 'public', probe: true },
      schema: {
        tags: ['Operations'],
        operationId: 'getMetrics',
        summary: 'Prometheus metrics: request counts and latency by route and status',
        description:
          'Prometheus text exposition: `audenci_http_requests_total` and ' +
          '`audenci_http_request_duration_seconds` by method, route pattern and status, plus process metrics.',
        response: {
          200: {
            description: 'Prometheus text exposition format',
            // Label sets are finite (route patterns, methods, statuses): a few MiB at most.
            content: { 'text/plain': { schema: { type: 'string', maxLength: 64 * 1024 * 1024 } } },
          },
        },
      },
    },
    async (_request, reply) => {
      reply.type(deps.metrics.contentType);
      return deps.metrics.metrics();
    },
  );

  app.get(
    '/openapi.json',
    {
      config: { scope: 'public' },
      schema: {
        tags: ['Operations'],
        operationId: 'getOpenApiDocument',
        summary: 'This OpenAPI 3.1 document',
        description: 'The machine-readable description of every operation; `/docs` renders it.',
        response: {
          200: {
            description: 'OpenAPI document',
            content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } },
          },
        },
      },
    },
    async () => app.swagger(),
  );
  postmanRoute(app);

  app.get(
    '/changelog',
    {
      config: { scope: 'public' },
      schema: {
        tags: ['Operations'],
        operationId: 'getChangelog',
        summary: 'API changelog (deprecations link here)',
        description:
          'Markdown history of the API: additions, deprecations with their sunset dates, and removals.',
        response: {
          200: {
            description: 'Markdown',
            content: {
              'text/markdown': { schema: { type: 'string', maxLength: Math.max(1, deps.changelog.length) } },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      reply.type('text/markdown; charset=utf-8');
      return deps.changelog;
    },
  );
}
