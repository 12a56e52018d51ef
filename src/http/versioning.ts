import { routeConfig } from './route-config.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';

export const API_PREFIX = '/api/v1';
/** The unversioned alias of the current major version. */
export const ALIAS_PREFIX = '/api';

export interface Deprecation {
  /** When the route was deprecated (ISO date-time). */
  deprecatedAt: string;
  /** When it stops being served (ISO date-time); at least 12 months after `deprecatedAt`. */
  sunsetAt: string;
  /** What to use instead, shown in the error after sunset. */
  replacement?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    deprecation?: Deprecation;
  }
}

const MIN_SUPPORT_MS = 365 * 24 * 3600 * 1000;

interface ParsedDeprecation {
  deprecatedAt: number;
  sunsetAt: number;
  replacement?: string;
}

/**
 * Deprecated routes (config `deprecation`) answer with `Deprecation: @<epoch>` (RFC 9745), `Sunset`
 * (RFC 8594) and a `Link` to the changelog, are marked `deprecated` in OpenAPI, and answer
 * `410 GONE` from their sunset on.
 */
export function registerVersioning(app: FastifyInstance, clock: Clock, changelogUrl: string): void {
  const parsed = new WeakMap<object, ParsedDeprecation>();

  app.addHook('onRoute', (route) => {
    const deprecation = route.config?.deprecation;
    if (!deprecation) return;
    const deprecatedAt = Date.parse(deprecation.deprecatedAt);
    const sunsetAt = Date.parse(deprecation.sunsetAt);
    if (Number.isNaN(deprecatedAt) || Number.isNaN(sunsetAt)) {
      throw new Error(`Route ${route.url}: deprecation dates must be ISO date-times`);
    }
    if (sunsetAt - deprecatedAt < MIN_SUPPORT_MS) {
      throw new Error(
        `Route ${route.url}: a deprecated route is served for at least 12 months before its sunset`,
      );
    }
    parsed.set(deprecation, { deprecatedAt, sunsetAt, replacement: deprecation.replacement });
    route.schema = { ...(route.schema ?? {}), deprecated: true } as typeof route.schema;
  });

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done) => {
    const deprecation = routeConfig(request).deprecation;
    const info = deprecation && parsed.get(deprecation);
    if (!info) return done();
    reply.header('Link', `<${changelogUrl}>; rel="deprecation"; type="text/markdown"`);
    if (clock.now() >= info.sunsetAt) {
      return done(
        new AppError(
          'GONE',
          `This endpoint was retired on ${new Date(info.sunsetAt).toISOString()}${info.replacement ? `; use ${info.replacement}` : ''}`,
          {
            sunsetAt: new Date(info.sunsetAt).toISOString(),
            ...(info.replacement ? { replacement: info.replacement } : {}),
          },
        ),
      );
    }
    reply.header('Deprecation', `@${Math.floor(info.deprecatedAt / 1000)}`);
    reply.header('Sunset', new Date(info.sunsetAt).toUTCString());
    done();
  });
}
