import type { FastifyInstance } from 'fastify';
import { invalidInput } from '../shared/errors.js';
import { jsonDepthReason, jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../shared/json-depth.js';

/**
 * The one parser of `application/json` request bodies, replacing Fastify's default at the root so every
 * route has it. It keeps the default's behaviour (the body limits of the server and of each route, and
 * the prototype-poisoning protection: `__proto__` and `constructor.prototype` keys are refused) and adds
 * two rules at the edge, before anything walks the value:
 *
 * - an empty body is no body: the seed's examples send `Content-Type: application/json` on body-less
 *   requests (`DELETE /posts/{id}`, `POST /posts/{id}/publish`), which then work; a route with a body
 *   schema validates `{}` instead (see the preValidation hook in app.ts), naming the missing fields;
 * - a body nesting objects and arrays more than MAX_JSON_DEPTH levels deep is 400, found by a linear
 *   scan before parsing (parsing 20 MiB of `[` alone would block the event loop for seconds).
 */
export function registerJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser(
    app.initialConfig.onProtoPoisoning ?? 'error',
    app.initialConfig.onConstructorPoisoning ?? 'error',
  );
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.length === 0) return done(null, undefined);
    if (jsonNestsDeeperThan(text)) {
      const reason = jsonDepthReason();
      return done(
        invalidInput([{ field: '', reason }], `Request body is nested too deeply: ${reason}`, {
          location: 'body',
          maxDepth: MAX_JSON_DEPTH,
        }),
        undefined,
      );
    }
    return parse(request, text, done);
  });
}
