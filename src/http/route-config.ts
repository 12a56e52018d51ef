import type { FastifyContextConfig, FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The matched route's config (see `routeConfig`), once read. */
    keptRouteConfig: RouteConfig | null;
  }
}

/** The config of a request's route, as read by the hooks below: its own options, `url` and `method`. */
export type RouteConfig = FastifyContextConfig & { url?: string; method?: HTTPMethods | HTTPMethods[] };

/**
 * Makes `routeConfig` available. Register before any hook that reads it (buildApp does so first).
 */
export function registerRouteConfig(app: FastifyInstance): void {
  app.decorateRequest('keptRouteConfig', null);
}

/**
 * The route's config (`url` and `method` included; `{}` when no route matched), read from Fastify once
 * per request: `request.routeOptions` is a getter that builds a new object of a dozen fields on every
 * read, and the tracing, authentication, versioning, input-check, idempotency and metrics hooks each
 * need the config.
 */
export function routeConfig(request: FastifyRequest): RouteConfig {
  return (request.keptRouteConfig ??= request.routeOptions.config);
}
