import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { DataEnvelope } from '../../http/schemas.js';
import {
  AcceptEmailInvitationBody,
  InvitationPreviewSchema,
  InvitationTokenParams,
} from './members.schemas.js';
import { SessionInfoSchema } from './people.schemas.js';
import { browserRoutes, noStore } from './browser.routes.js';
import * as invites from './people.invites.js';
import type { SignInThrottle } from '../../http/sign-in-throttle.js';
import type { Browser, PeopleContext, SignedIn } from './people.service.js';

/** What these routes share with the sign-in routes (`AuthRouteDeps`). */
export interface InvitationAuthDeps {
  people: PeopleContext;
  throttle: SignInThrottle;
  publicUrl: string;
}

/** What the sign-in routes share with these: how a browser is described and how a sign-in is answered. */
export interface SignInHelpers {
  browser(request: FastifyRequest): Browser;
  signedIn(reply: FastifyReply, result: SignedIn): { data: SignedIn['info'] };
}

/**
 * The invitation page's two calls, outside `/api` like `/auth/setup` (docs/api.md describes them): what
 * an invitation link offers, and its acceptance, which signs the browser in to the organization.
 */
export async function invitationAuthRoutes(
  app: FastifyInstance,
  deps: InvitationAuthDeps,
  helpers: SignInHelpers,
): Promise<void> {
  const { people, throttle } = deps;
  const routes = browserRoutes(deps.publicUrl);

  app.get<{ Params: Static<typeof InvitationTokenParams> }>(
    '/auth/invitations/:token',
    routes.options({
      params: InvitationTokenParams,
      response: { 200: DataEnvelope(InvitationPreviewSchema) },
    }),
    async (request, reply) => {
      noStore(reply);
      return { data: await invites.previewInvitation(people, request.params.token) };
    },
  );

  app.post<{ Body: Static<typeof AcceptEmailInvitationBody> }>(
    '/auth/invitations/accept',
    routes.options({ body: AcceptEmailInvitationBody, response: { 200: DataEnvelope(SessionInfoSchema) } }),
    async (request, reply) => {
      routes.checkOrigin(request);
      // An unknown or used token is 404 at once; a wrong password counts against the invited account.
      const email = await invites.invitationEmail(people, request.body.token);
      const result = await throttle.guard(request.ip, email, () =>
        invites.acceptInvitationToken(people, request.body, helpers.browser(request)),
      );
      return helpers.signedIn(reply, result);
    },
  );
}
