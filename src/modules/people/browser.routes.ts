import type { FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { checkOrigin } from '../../http/csrf.js';

/**
 * What the browser's routes outside `/api` (`/auth/…`: sign-in, invitations, password resets) share:
 * no key (public), no place in the OpenAPI document (docs/api.md describes them), and a change accepted
 * only from a page of AUDENCI_PUBLIC_URL's origin.
 */
export interface BrowserRoutes {
  /** AUDENCI_PUBLIC_URL's origin, the only one a browser's request may come from. */
  origin: string;
  /** The options of one route: `schema` (its body, params and answers), hidden from the document. */
  options(schema?: FastifySchema): { config: { scope: 'public' }; schema: FastifySchema };
  /** Refuses (403) a request that does not come from the server's own origin. */
  checkOrigin(request: FastifyRequest): void;
}

export function browserRoutes(publicUrl: string): BrowserRoutes {
  const origin = new URL(publicUrl).origin;
  return {
    origin,
    options: (schema = {}) => ({ config: { scope: 'public' }, schema: { hide: true, ...schema } }),
    checkOrigin: (request) => checkOrigin(request, origin),
  };
}

/** An answer no cache may keep: it holds a session, a secret or a token's details. */
export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('Cache-Control', 'no-store');
}
