import type {
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
} from 'fastify';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DataEnvelope, IdParams } from '../../http/schemas.js';
import { noStore } from './browser.routes.js';
import {
  ChangePasswordBody,
  MeSchema,
  PasswordChangedSchema,
  RevokedSessionsSchema,
  SessionSchema,
  UpdateMeBody,
} from './people.schemas.js';
import * as service from './people.service.js';
import type { PeopleContext } from './people.service.js';
import * as twoFactor from './people.two-factor.js';
import {
  DisableTwoFactorBody,
  EnableTwoFactorBody,
  RecoveryCodesSchema,
  TwoFactorSetupSchema,
} from './security.schemas.js';

const TAGS = ['Me'];
const SESSION_ONLY =
  'Only with a session (the browser app): an API key has no person and is answered 403 ' +
  '(`details.reason` `session_required`).';
const Params = IdParams('Session', 'ses_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');

/** What a `/me` route says of itself: its tag, its scope and the session-only note are the same for all. */
interface MeRouteDoc {
  operationId: string;
  summary: string;
  description: string;
  params?: TSchema;
  body?: TSchema;
  response: Record<number, TSchema>;
}

/** The signed-in person's own profile, password and sessions, under `/api/v1/me`. */
export async function meRoutes(app: FastifyInstance, deps: { people: PeopleContext }): Promise<void> {
  const { people } = deps;
  const config = { scope: 'read', sessionOnly: true } as const;
  const route = <R extends RouteGenericInterface = RouteGenericInterface>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    doc: MeRouteDoc,
    handler: RouteHandlerMethod<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, R>,
  ) =>
    app.route<R>({
      method,
      url,
      config,
      schema: { tags: TAGS, ...doc, description: `${doc.description}\n\n${SESSION_ONLY}` },
      handler,
    });

  route(
    'GET',
    '/me',
    {
      operationId: 'getMe',
      summary: 'The signed-in person',
      description:
        'The person, the organizations they belong to with their role, and where the session acts.',
      response: { 200: DataEnvelope(Type.Ref(MeSchema)) },
    },
    async (request) => ({ data: await service.getMe(people, request.principal) }),
  );

  route<{ Body: Static<typeof UpdateMeBody> }>(
    'PATCH',
    '/me',
    {
      operationId: 'updateMe',
      summary: "Change the signed-in person's name",
      description: 'Fields left out are unchanged.',
      body: UpdateMeBody,
      response: { 200: DataEnvelope(Type.Ref(MeSchema)) },
    },
    async (request) => ({ data: await service.updateMe(people, request.principal, request.body) }),
  );

  route<{ Body: Static<typeof ChangePasswordBody> }>(
    'POST',
    '/me/password',
    {
      operationId: 'changePassword',
      summary: 'Change the password',
      description:
        'Needs the current password (a wrong one is 400 naming `currentPassword`). Every other session of the person ends.',
      body: ChangePasswordBody,
      response: { 200: DataEnvelope(PasswordChangedSchema) },
    },
    async (request) => ({
      data: await service.changePassword(people, request.principal, request.body, request.ip),
    }),
  );

  route(
    'GET',
    '/me/sessions',
    {
      operationId: 'listMySessions',
      summary: "The signed-in person's open sessions",
      description: 'Newest first, at most 100; `current` marks the session of this request.',
      response: { 200: DataEnvelope(Type.Array(Type.Ref(SessionSchema), { maxItems: 100 })) },
    },
    async (request) => ({ data: await service.listSessions(people, request.principal) }),
  );

  route<{ Params: Static<typeof Params> }>(
    'DELETE',
    '/me/sessions/:id',
    {
      operationId: 'revokeMySession',
      summary: 'End one of your sessions',
      description: 'Ending the current session signs this browser out. Another person’s session is 404.',
      params: Params,
      response: { 200: DataEnvelope(Type.Ref(SessionSchema)) },
    },
    async (request) => ({
      data: await service.revokeSession(people, request.principal, request.params.id, request.ip),
    }),
  );

  route(
    'POST',
    '/me/sessions/revoke-others',
    {
      operationId: 'revokeMyOtherSessions',
      summary: 'Sign out everywhere else',
      description: 'Ends every session of the person but the current one.',
      response: { 200: DataEnvelope(RevokedSessionsSchema) },
    },
    async (request) => ({ data: await service.revokeOtherSessions(people, request.principal, request.ip) }),
  );

  route(
    'POST',
    '/me/two-factor/setup',
    {
      operationId: 'setupTwoFactor',
      summary: 'Start setting up two-factor sign-in',
      description:
        'A new TOTP secret (SHA-1, 6 digits, 30 s) for an authenticator app, as base32 and as an ' +
        '`otpauth://` URL for a QR code. Pending until enabled with a first code; setting up again ' +
        'replaces a pending secret. When two-factor sign-in is already on: 409 ' +
        '(`details.reason` `two_factor_enabled`).',
      response: { 200: DataEnvelope(TwoFactorSetupSchema) },
    },
    async (request, reply) => {
      noStore(reply);
      const person = service.personOf(request.principal);
      return { data: await twoFactor.setupTwoFactor(people, person.userId) };
    },
  );

  route<{ Body: Static<typeof EnableTwoFactorBody> }>(
    'POST',
    '/me/two-factor/enable',
    {
      operationId: 'enableTwoFactor',
      summary: 'Turn two-factor sign-in on',
      description:
        'Needs the current code of the authenticator app set up with `/me/two-factor/setup` (a wrong ' +
        'one is 400 naming `code`). Answers ten single-use recovery codes, shown only now. From then ' +
        'on signing in needs a code.',
      body: EnableTwoFactorBody,
      response: { 200: DataEnvelope(RecoveryCodesSchema) },
    },
    async (request, reply) => {
      noStore(reply);
      const person = service.personOf(request.principal);
      return {
        data: await twoFactor.enableTwoFactor(people, person.userId, request.body.code, request.ip),
      };
    },
  );

  route<{ Body: Static<typeof DisableTwoFactorBody> }>(
    'POST',
    '/me/two-factor/disable',
    {
      operationId: 'disableTwoFactor',
      summary: 'Turn two-factor sign-in off',
      description:
        'Needs the password (a wrong one is 400 naming `password`). The secret and the recovery codes ' +
        'are deleted.',
      body: DisableTwoFactorBody,
      response: { 204: Type.Null({ description: 'Two-factor sign-in is off' }) },
    },
    async (request, reply) => {
      const person = service.personOf(request.principal);
      await twoFactor.disableTwoFactor(people, person.userId, request.body.password, request.ip);
      return reply.code(204).send();
    },
  );
}
