import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import type { ServiceContext } from './context.js';

/** What route plugins receive: the service context plus the request-path helpers some routes touch. */
export interface RouteDeps {
  ctx: ServiceContext;
  /** Externally visible base URL (`AUDENCI_PUBLIC_URL`). */
  publicUrl: string;
  config: Config;
}

/** Absolute URL of a resource, under the same API prefix (`/api/v1` or `/api`) the request used. */
export function resourceUrl(deps: RouteDeps, request: FastifyRequest, path: string): string {
  const prefix = request.url.startsWith('/api/v1/') ? '/api/v1' : '/api';
  return `${deps.publicUrl}${prefix}${path}`;
}
