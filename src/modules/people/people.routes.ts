import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { sessionToken } from '../../http/auth.js';
import { serializeCookie, SESSION_COOKIE } from '../../http/cookies.js';
import { checkCsrf } from '../../http/csrf.js';
import { DataEnvelope } from '../../http/schemas.js';
import type { SignInThrottle } from '../../http/sign-in-throttle.js';
import { AcceptInvitationBody, SessionInfoSchema, SignInBody, SwitchBody } from './people.schemas.js';
import * as service from './people.service.js';
import type { PeopleContext, SignedIn } from './people.service.js';
import { browserRoutes, noStore } from './browser.routes.js';
import { invitationAuthRoutes } from './invitations.routes.js';

/** What the sign-in routes need besides the people services. */
export interface AuthRouteDeps {
  people: PeopleContext;
  throttle: SignInThrottle;
  /** AUDENCI_PUBLIC_URL: its origin is the only one a browser's request may come from; https → Secure. */
  publicUrl: string;
}

const response = { 200: DataEnvelope(SessionInfoSchema) };

/**
 * Signing in and out with a browser, outside `/api`: the one private part of the server the web app
 * uses (everything else goes through `/api/v1`, where the session cookie is accepted like a key). Not
 * in the OpenAPI document; docs/api.md describes them.
 */
export async function authRoutes(app: FastifyInstance, deps: AuthRouteDeps): Promise<void> {
  const { people, throttle } = deps;
  const routes = browserRoutes(deps.publicUrl);
  const secure = deps.publicUrl.startsWith('https:');
  const maxAge = Math.floor(people.sessions.settings.lifetimeMs / 1000);

  const setCookie = (reply: FastifyReply, token: string, seconds: number) =>
    reply.header(
      'Set-Cookie',
      serializeCookie(SESSION_COOKIE, token, { maxAge: seconds, httpOnly: true, sameSite: 'Lax', secure }),
    );
  const browser = (request: FastifyRequest): service.Browser => ({
    previousToken: sessionToken(request),
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  });
  const signedIn = (reply: FastifyReply, result: SignedIn) => {
    noStore(setCookie(reply, result.token, maxAge));
    return { data: result.info };
  };

  app.post<{ Body: Static<typeof SignInBody> }>(
    '/auth/sign-in',
    routes.options({ body: SignInBody, response }),
    async (request, reply) => {
      routes.checkOrigin(request);
      const email = service.normalizeEmail(request.body.email);
      const result = await throttle.guard(request.ip, email, () =>
        service.signIn(people, request.body, browser(request)),
      );
      return signedIn(reply, result);
    },
  );

  app.post<{ Body: Static<typeof AcceptInvitationBody> }>(
    '/auth/setup',
    routes.options({ body: AcceptInvitationBody, response }),
    async (request, reply) => {
      routes.checkOrigin(request);
      const result = await throttle.guard(request.ip, service.normalizeEmail(request.body.email), () =>
        service.acceptInvitation(people, request.body, browser(request)),
      );
      return signedIn(reply, result);
    },
  );

  app.get('/auth/session', routes.options({ response }), async (request, reply) => {
    noStore(reply);
    return { data: await service.describeSession(people, sessionToken(request)) };
  });

  app.post<{ Body: Static<typeof SwitchBody> }>(
    '/auth/switch',
    routes.options({ body: SwitchBody, response }),
    async (request) => {
      const token = sessionToken(request);
      const row = await service.currentSession(people, token);
      checkCsrf(request, row.csrf_token_hash, routes.origin);
      return { data: await service.switchSession(people, token!, row, request.body) };
    },
  );

  app.post('/auth/sign-out', routes.options(), async (request, reply) => {
    const token = sessionToken(request);
    const row = token === undefined ? undefined : await people.sessions.find(token);
    // Only a live session needs protecting; an ended one is cleared whoever asks.
    if (row) checkCsrf(request, row.csrf_token_hash, routes.origin);
    await service.signOut(people, token, row, request.ip);
    setCookie(reply, '', 0);
    return reply.code(204).send();
  });

  await invitationAuthRoutes(app, deps, { browser, signedIn });
}
