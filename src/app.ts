import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from './config/index.js';
import type { DbHandle } from './db/index.js';
import { failpoints } from './shared/failpoints.js';
import { registerAuth } from './http/auth.js';
import type { AuthFailureThrottle } from './http/auth-throttle.js';
import { registerCors } from './http/cors.js';
import { registerErrorHandling, sendError, toAppError } from './http/errors.js';
import { registerLoadShedding, type LoadSheddingOptions } from './http/load-shedding.js';
import { honoursIdempotencyKey, registerIdempotency } from './http/idempotency.js';
import { registerInputChecks } from './http/input-checks.js';
import { IDEMPOTENT_EXTENSION, RATE_LIMIT_EXTENSION } from './http/openapi.decorate.js';
import {
  genReqId,
  registerRequestMetrics,
  registerResponseHeaders,
  registerTracing,
} from './http/observability.js';
import { registerJsonBody } from './http/json-body.js';
import { requestLoggerFactory } from './http/request-log.js';
import {
  answerClientError,
  answerConnection,
  registerConnectionHandling,
  registerProtocolAnswers,
  serverOptions,
} from './http/protocol.js';
import { registerOpenApi } from './http/openapi.js';
import { loadWebApp } from './http/web-app.js';
import { operationsRoutes, type DependencyCheck } from './http/operations.routes.js';
import type { RateLimiter } from './http/rate-limit.js';
import type { RouteDeps } from './modules/route-deps.js';
import { ErrorEnvelope, PaginationSchema } from './http/schemas.js';
import { validatorCompiler } from './shared/validation/validator.js';
import { lazySchemas } from './http/lazy-compile.js';
import { ALIAS_PREFIX, API_PREFIX, registerVersioning } from './http/versioning.js';
import { registerRouteConfig } from './http/route-config.js';
import { BrandSchema, brandsRoutes } from './modules/brands/index.js';
import { SocialAccountSchema, accountsRoutes } from './modules/accounts/index.js';
import type { ConnectorRegistry } from './platforms/registry.js';
import type { SecretBox } from './shared/secret-box.js';
import type { ServiceContext } from './modules/context.js';
import { keysRoutes, type KeyAuthenticator, type KeyUsage } from './modules/keys/index.js';
import { ApiKeySchema, ApiKeyWithSecretSchema } from './modules/keys/keys.schemas.js';
import { OrganizationSchema } from './modules/organizations/index.js';
import { organizationsRoutes } from './modules/organizations/organizations.routes.js';
import { CampaignSchema, campaignsRoutes } from './modules/campaigns/index.js';
import {
  campaignPostsRoutes,
  PostSchema,
  postsResource,
  postsRoutes,
  ValidationReportSchema,
} from './modules/posts/index.js';
import { MetricsSnapshotSchema, PostAnalyticsSchema } from './modules/analytics/analytics.series.js';
import {
  AccountStatsDaySchema,
  SocialAccountAnalyticsSchema,
} from './modules/analytics/analytics.accounts.js';
import { accountAnalyticsRoutes, postAnalyticsRoutes } from './modules/analytics/analytics.routes.js';
import { PlatformRulesSchema, platformsRoutes } from './modules/platform-catalog/index.js';
import { EventSchema, eventsRoutes } from './modules/events/index.js';
import { CommentSchema, commentsRoutes } from './modules/comments/index.js';
import { accountsContext, getPublishingAccount } from './modules/accounts/index.js';
import {
  AnalyticsReportSchema,
  AnalyticsRowSchema,
  AnalyticsTotalsSchema,
  analyticsRoutes,
} from './modules/analytics/index.js';
import { ItemErrorSchema, JobSchema, jobsRoutes, type JobTypeRegistry } from './modules/jobs/index.js';
import {
  WebhookAttemptSchema,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
  WebhookEndpointWithSecretSchema,
  WebhookEventSchema,
  webhooksRoutes,
} from './modules/webhooks/index.js';
import {
  PlanApplicationSchema,
  PlanItemSchema,
  PlanPreviewSchema,
  PlanSchema,
  PlanSummarySchema,
  plansRoutes,
} from './modules/plans/index.js';
import { createAiProvider, type AiProvider } from './ai/index.js';
import { MediaSchema, mediaRoutes, type MediaContext } from './modules/media/index.js';
import { CaptionDraftSchema, generationRoutes } from './modules/generation/index.js';
import { AuditEntrySchema, auditRoutes } from './modules/audit/index.js';
import { AppError } from './shared/errors.js';
import { CHANGELOG, VERSION } from './shared/version.js';
import { SignInThrottle } from './http/sign-in-throttle.js';
import {
  memberPasswordResetRoutes,
  passwordResetAuthRoutes,
  PasswordResetThrottle,
} from './modules/people/password-reset.routes.js';
import {
  authRoutes,
  CreatedInvitationSchema,
  InvitationSchema,
  MemberSchema,
  membersRoutes,
  meRoutes,
  MeSchema,
  SessionSchema,
  SessionStore,
} from './modules/people/index.js';

export interface AppDeps {
  config: Config;
  db: DbHandle;
  ctx: ServiceContext;
  rateLimiter: RateLimiter;
  /** Failed authentications per client address (AUDENCI_AUTH_FAILURE_LIMIT); absent: not throttled. */
  authFailures?: AuthFailureThrottle;
  /** Failed sign-ins per account (AUDENCI_SIGN_IN_FAILURE_LIMIT); absent: not throttled. */
  signInFailures?: AuthFailureThrottle;
  authenticator: KeyAuthenticator;
  keyUsage: KeyUsage;
  metrics: Registry;
  /** Which connector serves a platform in an environment (test → the sandbox). */
  connectors: ConnectorRegistry;
  /** Seals platform tokens at rest (a key derived from AUDENCI_SECRET_KEY). */
  tokenBox: SecretBox;
  /** Seals webhook endpoint secrets at rest (another key derived from AUDENCI_SECRET_KEY). */
  webhookBox: SecretBox;
  /**
   * Seals stored idempotent responses (they can hold a key or a webhook secret shown once); without
   * it they are stored as they were sent.
   */
  idempotencyBox?: SecretBox;
  /** Seals people's TOTP secrets at rest (another key derived from AUDENCI_SECRET_KEY). */
  twoFactorBox: SecretBox;
  /** The types `POST /jobs` accepts (shared with the worker; see createJobTypeRegistry). */
  jobTypes: JobTypeRegistry;
  /** Media storage, limits and link signing (the media module's context). */
  media: MediaContext;
  /** Extra `/readyz` checks beyond the database (e.g. Redis, which the API can serve without). */
  readinessChecks?: Record<string, DependencyCheck>;
  /** The AI provider (AI_PROVIDER); made from the config when not given. */
  ai?: AiProvider;
}

export interface BuildAppOptions {
  logger?: FastifyServerOptions['logger'];
  loggerInstance?: FastifyServerOptions['loggerInstance'];
  loadShedding?: LoadSheddingOptions;
  /** The built web app served at `/` (default `web/dist`); a missing one serves a notice to build it. */
  webDist?: string;
}

/** Component schemas referenced by `$ref` from routes; each appears once in the OpenAPI document. */
const COMPONENT_SCHEMAS = [
  ErrorEnvelope,
  PaginationSchema,
  OrganizationSchema,
  BrandSchema,
  ApiKeySchema,
  ApiKeyWithSecretSchema,
  PlatformRulesSchema,
  PostSchema,
  MetricsSnapshotSchema,
  PostAnalyticsSchema,
  AccountStatsDaySchema,
  SocialAccountAnalyticsSchema,
  ValidationReportSchema,
  CampaignSchema,
  SocialAccountSchema,
  EventSchema,
  WebhookEventSchema,
  CommentSchema,
  WebhookEndpointSchema,
  WebhookEndpointWithSecretSchema,
  WebhookAttemptSchema,
  WebhookDeliverySchema,
  ItemErrorSchema,
  JobSchema,
  MediaSchema,
  PlanItemSchema,
  PlanSummarySchema,
  PlanPreviewSchema,
  PlanSchema,
  PlanApplicationSchema,
  CaptionDraftSchema,
  AnalyticsRowSchema,
  AnalyticsTotalsSchema,
  AnalyticsReportSchema,
  AuditEntrySchema,
  MeSchema,
  SessionSchema,
  MemberSchema,
  InvitationSchema,
  CreatedInvitationSchema,
];

/** Never logged: credentials in headers, and any secret-looking field a serializer might meet. */
export const LOG_REDACT = {
  paths: [
    'req.headers.authorization',
    'req.headers.cookie',
    'headers.authorization',
    '*.key',
    '*.secret',
    '*.token',
    '*.signature',
    '*.password',
    '*.accessToken',
    '*.refreshToken',
  ],
  censor: '[redacted]',
};

/** A request without a body, to a route with a body schema, is validated as `{}`. */
function emptyBodyAsObject(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  if (request.body === undefined) request.body = {};
  done();
}

/**
 * The HTTP application: plugins, hooks and routes. Never listens (tests use `inject` or `listen` on
 * their own); the entry points in `main.ts` own the lifecycle.
 */
export async function buildApp(deps: AppDeps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config, ctx } = deps;
  // Validators and serializers compile when a route first needs them (src/http/lazy-compile.ts).
  const schemas = lazySchemas();
  const app = Fastify({
    ...(options.loggerInstance
      ? { loggerInstance: options.loggerInstance }
      : { logger: options.logger ?? false }),
    genReqId,
    requestIdHeader: false,
    // A request's logger is made when it writes (binding the request id through redaction costs).
    childLoggerFactory: requestLoggerFactory,
    // One log line per request, written by the metrics hook with the status and duration.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // A client must send its whole request (uploads included) within this; slow senders are cut off.
    requestTimeout: config.load.requestTimeoutMs,
    // Malformed requests, 408 and 431 that Node's HTTP parser answers itself: in the envelope too.
    clientErrorHandler: answerClientError,
    http: serverOptions(config.load.requestTimeoutMs),
    trustProxy: config.trustProxy,
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: { strict: false } },
    schemaController: schemas.schemaController,
    // Errors raised before routing (e.g. a malformed %-escape in the URL) skip the hooks and the error
    // handler; answer them with the envelope and the request id too.
    frameworkErrors: (error, request, reply) => {
      reply.header('X-Request-Id', request.id);
      answerConnection(request.raw, reply);
      sendError(reply, toAppError(error));
    },
  });
  schemas.attach(app);
  app.setValidatorCompiler(schemas.validatorCompiler(validatorCompiler));
  // JSON only: Fastify's built-in text/plain parser would hand a string to the body schema (a 400
  // "must be an object") where the contract says 415.
  app.removeContentTypeParser('text/plain');
  // Empty JSON bodies are no body; deeply nested ones are 400 before anything walks them.
  registerJsonBody(app);

  // Before any hook: they read their route's config through `routeConfig`, once per request.
  registerRouteConfig(app);
  // First: every later hook, the handler and its outbound calls run in the request's trace.
  registerTracing(app);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Hooks that never wait take Fastify's callback: an async hook costs a promise and a tick per request.
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    reply.header('Connection', 'close');
    done(
      new AppError('SERVICE_UNAVAILABLE', 'The server is shutting down; retry shortly', undefined, {
        'Retry-After': '1',
      }),
    );
  });

  registerResponseHeaders(app);
  // Before load shedding, authentication and rate limits: a preflight answers here, free and keyless.
  registerCors(app, config.corsOrigins);
  registerProtocolAnswers(app);
  // An answer before the body arrived, or during shutdown, closes its connection (one rule, every route).
  registerConnectionHandling(app);
  const webApp = loadWebApp(options.webDist);
  registerErrorHandling(app, { fallback: webApp.fallback });
  registerRequestMetrics(app, deps.metrics);
  await registerLoadShedding(app, config.load, options.loadShedding);
  registerVersioning(app, ctx.clock, `${config.publicUrl}/changelog`);
  const sessions = new SessionStore(ctx.db, ctx.clock, {
    lifetimeMs: config.sessions.lifetimeSeconds * 1000,
    idleMs: config.sessions.idleSeconds * 1000,
  });
  registerAuth(app, {
    ...deps,
    clock: ctx.clock,
    publicRateLimit: config.publicRateLimit,
    sessions,
    publicOrigin: new URL(config.publicUrl).origin,
  });
  // Before idempotency: a request refused by its input checks claims no key.
  registerInputChecks(app);
  registerIdempotency(app, {
    db: deps.db.db,
    clock: ctx.clock,
    box: deps.idempotencyBox,
    // The services' database: an idempotent request's writes commit with the record of its answer.
    units: () => deps.db.beginUnit(),
    failpoint: failpoints(config.failpoints),
  });

  // Every API route states who may call it; forgetting is a start-up error, not an open door. The
  // scope also becomes the operation's security requirement in the OpenAPI document.
  app.addHook('onRoute', (route) => {
    const scope = route.config?.scope;
    if (route.url.startsWith(ALIAS_PREFIX) && scope === undefined) {
      throw new Error(`Route ${String(route.method)} ${route.url} declares no scope`);
    }
    if (scope === undefined) return;
    // Either an API key or a browser's session cookie (with X-CSRF-Token when it changes something).
    const security: Record<string, string[]>[] =
      scope === 'public' ? [] : [{ bearerAuth: [] }, { sessionCookie: [] }];
    const note = scope === 'public' ? '' : `Requires scope \`${scope}\`.`;
    const description = [route.schema?.description, note].filter(Boolean).join('\n\n');
    route.schema = {
      ...(route.schema ?? {}),
      security,
      ...(description ? { description } : {}),
      'x-required-scope': scope,
      // Operations about the signed-in person: a key is answered 403 (session_required).
      ...(route.config?.sessionOnly ? { 'x-session-only': true } : {}),
      ...(scope !== 'public' && [route.method].flat().some((m) => honoursIdempotencyKey(m, route.config))
        ? { [IDEMPOTENT_EXTENSION]: true }
        : {}),
      ...(route.config?.probe
        ? {}
        : { [RATE_LIMIT_EXTENSION]: scope === 'public' ? 'address' : 'organization' }),
    } as typeof route.schema;
  });

  // A POST without a body is validated as an empty object, so missing fields are named one by one. A
  // hook of the routes with a body schema, first of theirs: the others do not pay for it.
  app.addHook('onRoute', (route) => {
    if (!route.schema?.body) return;
    const own = route.preValidation === undefined ? [] : [route.preValidation].flat();
    route.preValidation = [emptyBodyAsObject, ...own];
  });

  for (const schema of COMPONENT_SCHEMAS) app.addSchema(schema);
  await registerOpenApi(app, { publicUrl: config.publicUrl, version: VERSION });

  await app.register(operationsRoutes, {
    db: deps.db,
    metrics: deps.metrics,
    checks: deps.readinessChecks ?? {},
    changelog: CHANGELOG,
  });

  await webApp.routes(app);

  const people = { db: ctx.db, clock: ctx.clock, sessions, twoFactorBox: deps.twoFactorBox };
  await app.register(authRoutes, {
    people,
    throttle: new SignInThrottle(deps.authFailures, deps.signInFailures, ctx.clock),
    publicUrl: config.publicUrl,
  });
  await app.register(passwordResetAuthRoutes, {
    reset: { db: ctx.db, clock: ctx.clock, mailer: ctx.mailer, publicUrl: config.publicUrl },
    throttle: new PasswordResetThrottle(deps.authFailures, deps.signInFailures, ctx.clock),
  });

  const ai = deps.ai ?? createAiProvider(config);
  const routeDeps: RouteDeps = { ctx, publicUrl: config.publicUrl, config };
  const api = async (scope: FastifyInstance) => {
    await scope.register(organizationsRoutes, routeDeps);
    await scope.register(brandsRoutes, routeDeps);
    await scope.register(meRoutes, { people });
    await scope.register(memberPasswordResetRoutes, routeDeps);
    await scope.register(membersRoutes, routeDeps);
    await scope.register(keysRoutes, {
      ...routeDeps,
      authenticator: deps.authenticator,
      keyUsage: deps.keyUsage,
    });
    await scope.register(postsRoutes, routeDeps);
    await scope.register(postAnalyticsRoutes, routeDeps);
    await scope.register(accountAnalyticsRoutes, routeDeps);
    await scope.register(campaignsRoutes, {
      ...routeDeps,
      afterDelete: (tenant) => ctx.counts.invalidate(postsResource(tenant)),
    });
    await scope.register(campaignPostsRoutes, routeDeps);
    await scope.register(platformsRoutes, routeDeps);
    await scope.register(eventsRoutes, routeDeps);
    await scope.register(analyticsRoutes, routeDeps);
    await scope.register(jobsRoutes, { ...routeDeps, jobTypes: deps.jobTypes });
    await scope.register(plansRoutes, { ...routeDeps, ai });
    await scope.register(generationRoutes, { ...routeDeps, ai, media: deps.media, jobTypes: deps.jobTypes });
    await scope.register(webhooksRoutes, { ...routeDeps, webhookBox: deps.webhookBox });
    await scope.register(auditRoutes, routeDeps);
    await scope.register(mediaRoutes, { ...routeDeps, media: deps.media });
    await scope.register(accountsRoutes, {
      ...routeDeps,
      connectors: deps.connectors,
      tokenBox: deps.tokenBox,
    });
    await scope.register(commentsRoutes, {
      ...routeDeps,
      comments: {
        connectors: deps.connectors,
        resolveAccount: (tenant, post) =>
          getPublishingAccount(
            accountsContext(ctx, {
              connectors: deps.connectors,
              tokenBox: deps.tokenBox,
              publicUrl: config.publicUrl,
            }),
            tenant,
            post.social_account_id ?? '',
            { brandId: post.brand_id, platform: post.platform },
          ),
      },
    });
  };
  await app.register(api, { prefix: API_PREFIX });
  await app.register(api, { prefix: ALIAS_PREFIX });
  return app;
}
