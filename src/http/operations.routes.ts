import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Gauge, type Registry } from 'prom-client';
import type { DbHandle } from '../db/index.js';
import { pendingMigrations } from '../db/migrate.js';
import { AppError } from '../shared/errors.js';
import { metricsDescription } from './metric-families.js';
import { postmanRoute } from './postman.js';

/** A dependency `/readyz` checks besides the database (e.g. Redis). */
export interface DependencyCheck {
  /**
   * true: `/readyz` answers 503 while it fails. false: the API serves without it (in a degraded way:
   * rate limits counted per process while Redis is unreachable), so `/readyz` answers 200 and reports
   * it `degraded`; taking every instance out of rotation for it would turn a degraded service into none.
   */
  required: boolean;
  /** Resolves when the dependency answers, within a bound; rejects otherwise. */
  check(): Promise<void>;
  /** Whether it answers, as last seen, without asking it (for the metric between two `/readyz`). */
  available?(): boolean;
}

export interface OperationsDeps {
  db: DbHandle;
  metrics: Registry;
  /** Readiness checks besides the database, by name (`redis`). */
  checks: Record<string, DependencyCheck>;
  changelog: string;
}

const Health = Type.Object(
  { status: Type.Literal('ok') },
  { additionalProperties: false, description: 'The process is up' },
);
type CheckState = 'ok' | 'degraded';

/** Every 503 says when to ask again (a probe ignores it; a person reading the answer does not). */
const RETRY = { 'Retry-After': '1' };

const Ready = Type.Object(
  {
    status: Type.Unsafe<'ready' | 'degraded'>({
      type: 'string',
      enum: ['ready', 'degraded'],
      description:
        '`ready`: every check is `ok`. `degraded`: a dependency the API can serve without is unreachable ' +
        '(see `checks`); the instance still serves and should stay in rotation.',
    }),
    database: Type.Unsafe<'sqlite' | 'postgres'>({
      type: 'string',
      enum: ['sqlite', 'postgres'],
      description: 'Which database serves this process',
    }),
    checks: Type.Record(
      Type.String(),
      Type.Unsafe<CheckState>({
        type: 'string',
        enum: ['ok', 'degraded'],
        description:
          '`database`, `migrations` and, in scale-out mode, `redis`. `degraded` (only `redis`): unreachable, ' +
          'and rate limits are counted in each API process against its share of the limit until it answers.',
      }),
    ),
  },
  { additionalProperties: false, description: 'Ready to serve requests' },
);

/**
 * `audenci_dependency_up{dependency}`: 1 when the dependency answers, 0 when not. The database's (and
 * any check's without a live state) is the outcome of the last `/readyz`; Redis's is its live state.
 */
function dependencyGauge(registry: Registry, checks: Record<string, DependencyCheck>): Gauge {
  return new Gauge({
    name: 'audenci_dependency_up',
    help: 'Whether a dependency answers (1) or not (0): database (as of the last /readyz), redis (live)',
    labelNames: ['dependency'],
    registers: [registry],
    collect() {
      for (const [name, check] of Object.entries(checks)) {
        if (check.available) this.set({ dependency: name }, check.available() ? 1 : 0);
      }
    },
  });
}

/** Unauthenticated operational endpoints: liveness, readiness, Prometheus metrics, the OpenAPI document. */
export async function operationsRoutes(app: FastifyInstance, deps: OperationsDeps): Promise<void> {
  let migrationsCurrent = false;
  const up = dependencyGauge(deps.metrics, deps.checks);
  // The database was reachable when the process started (it ran or checked the migrations).
  up.set({ dependency: 'database' }, 1);

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
          'Answers 200 when the database is reachable and every migration has run; otherwise 503 ' +
          '`SERVICE_UNAVAILABLE` naming the failing check (`details.check`). In scale-out mode an ' +
          'unreachable Redis does not make the instance unready: the answer is 200 with `status` and ' +
          '`checks.redis` `degraded` (rate limits are then counted per process), and the metric ' +
          '`audenci_dependency_up{dependency="redis"}` is 0. Every check is bounded in time. For readiness ' +
          'probes.',
        response: { 200: Ready },
      },
    },
    async () => {
      const checks: Record<string, CheckState> = {};
      try {
        await deps.db.ping();
        checks.database = 'ok';
        up.set({ dependency: 'database' }, 1);
      } catch {
        up.set({ dependency: 'database' }, 0);
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'The database is not reachable',
          { check: 'database' },
          RETRY,
        );
      }
      if (!migrationsCurrent) {
        let pending: string[];
        try {
          pending = await pendingMigrations(deps.db.db);
        } catch {
          throw new AppError(
            'SERVICE_UNAVAILABLE',
            'The migration state could not be read',
            { check: 'migrations' },
            RETRY,
          );
        }
        if (pending.length > 0) {
          throw new AppError(
            'SERVICE_UNAVAILABLE',
            `Migrations pending: ${pending.join(', ')}`,
            { check: 'migrations', pending },
            RETRY,
          );
        }
        migrationsCurrent = true;
      }
      checks.migrations = 'ok';
      for (const [name, dependency] of Object.entries(deps.checks)) {
        try {
          await dependency.check();
          checks[name] = 'ok';
          up.set({ dependency: name }, 1);
        } catch {
          up.set({ dependency: name }, 0);
          if (dependency.required) {
            throw new AppError('SERVICE_UNAVAILABLE', `${name} is not reachable`, { check: name }, RETRY);
          }
          checks[name] = 'degraded';
        }
      }
      const degraded = Object.values(checks).includes('degraded');
      return {
        status: degraded ? ('degraded' as const) : ('ready' as const),
        database: deps.db.capabilities.name,
        checks,
      };
    },
  );

  app.get(
    '/metrics',
    {
      config: { scope: 'public', probe: true },
      schema: {
        tags: ['Operations'],
        operationId: 'getMetrics',
        summary: 'Prometheus metrics: HTTP, queue, jobs, publishing, webhooks, rate limits, process',
        description: metricsDescription(),
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
