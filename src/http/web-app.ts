import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * The web app (the `web/` workspace, built by Vite into `web/dist`) served by the API server at `/`:
 * hashed assets under `/assets/` cached for a year, `index.html` revalidated on every load, and every
 * browser navigation to a path that is not the API's, the docs', sign-in's or a file answered with
 * `index.html`, so the app's own router shows deep links. None of these routes is in the OpenAPI document.
 */

/** `web/dist` of the repository: `src/http/` (tsx) and `dist/http/` (built) are both two levels below it. */
export const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Paths that belong to the server, never to the app: an unknown one stays a JSON 404. */
const SERVER_PREFIXES = ['/api', '/docs', '/auth'];

/** No inline script or style anywhere in the app (Vite emits none); the app only talks to its own origin. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // The setup link carries its token in the query: it must not leave the site in a Referer.
  'Referrer-Policy': 'same-origin',
};

const PAGE_HEADERS = {
  ...COMMON_HEADERS,
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cache-Control': 'no-cache',
};

const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** What `/` answers when the app was never built: how to build it, instead of a crash or a bare 404. */
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Audenci: web app not built</title></head>
<body>
<h1>The Audenci web app is not built</h1>
<p>The API is running (<a href="/docs">API reference</a>). To serve the web app, build it and restart:</p>
<pre>npm run build --workspace web</pre>
</body>
</html>
`;

export interface WebApp {
  /** Whether `web/dist/index.html` was found at start-up. */
  readonly built: boolean;
  /**
   * Answers the app's page when the request is a browser navigation to an app path (GET or HEAD,
   * accepting HTML, not a server path, not a file name); returns undefined otherwise.
   */
  fallback(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined;
  /** Registers `GET /` and `/assets/*`. */
  routes(app: FastifyInstance): Promise<void>;
}

function readIndex(distDir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(distDir, 'index.html'), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * A browser navigation asks for HTML (`Accept: text/html`, as every browser sends for a page); API clients
 * and `curl` do not, so an unknown path still answers them with the JSON 404 envelope.
 */
export function isAppNavigation(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const pathname = request.url.split('?')[0] ?? '/';
  if (SERVER_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`))) {
    return false;
  }
  const last = pathname.slice(pathname.lastIndexOf('/') + 1);
  if (last.includes('.')) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

/** Reads the built app once at start-up (a rebuild is served after a restart). */
export function loadWebApp(distDir: string = DEFAULT_WEB_DIST): WebApp {
  const index = readIndex(distDir);
  const page = (reply: FastifyReply) =>
    reply
      .code(200)
      .headers(PAGE_HEADERS)
      .type('text/html; charset=utf-8')
      .send(index ?? NOT_BUILT_PAGE);
  return {
    built: index !== undefined,
    fallback: (request, reply) => (isAppNavigation(request) ? page(reply) : undefined),
    async routes(app) {
      app.get('/', { schema: { hide: true } }, async (_request, reply) => page(reply));
      const assets = path.join(distDir, 'assets');
      if (index === undefined || !fs.existsSync(assets)) return;
      await app.register(fastifyStatic, {
        root: assets,
        prefix: '/assets/',
        decorateReply: false,
        // File names carry their content hash: a changed file is a new URL, so a year is safe.
        cacheControl: false,
        dotfiles: 'ignore',
        setHeaders: (reply) => {
          reply.headers({ ...COMMON_HEADERS, 'Cache-Control': ASSET_CACHE_CONTROL });
        },
      });
    },
  };
}
