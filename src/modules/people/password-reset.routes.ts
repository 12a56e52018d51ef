import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { AuthFailureThrottle } from '../../http/auth-throttle.js';
import { tooManyFailures } from '../../http/auth.js';
import { DataEnvelope, IdParams } from '../../http/schemas.js';
import type { Clock } from '../../shared/clock.js';
import { auditOrigin } from '../audit/index.js';
import type { RouteDeps } from '../route-deps.js';
import { browserRoutes, noStore } from './browser.routes.js';
import * as resets from './people.password-reset.js';
import { normalizeEmail } from './people.service.js';
import * as schema from './security.schemas.js';

/** Reset mails asked for one address per window at most (however high the sign-in failure limit). */
export const RESET_REQUESTS_PER_EMAIL = 3;

/**
 * Reset requests, counted per client address (against the failed-authentication limit) and per email
 * asked for (at most `RESET_REQUESTS_PER_EMAIL`, or the sign-in failure limit if lower) in the same
 * windows as failed sign-ins: every request counts, since each can send a mail. 429 with `Retry-After`
 * past either.
 */
export class PasswordResetThrottle {
  constructor(
    private readonly byAddress: AuthFailureThrottle | undefined,
    private readonly byAccount: AuthFailureThrottle | undefined,
    private readonly clock: Clock,
  ) {}

  async check(address: string, email: string): Promise<void> {
    const now = this.clock.now();
    const addressKey = `password-reset:${address}`;
    const accountKey = `password-reset:account:${email}`;
    const refused = this.byAddress?.refusal(addressKey, now);
    if (refused) throw tooManyFailures(refused, now);
    const byAddress = await this.byAddress?.fail(addressKey, now);
    if (byAddress && byAddress.limit > 0 && byAddress.count > byAddress.limit) {
      throw tooManyFailures({ until: byAddress.resetAt, limit: byAddress.limit }, now);
    }
    const byAccount = await this.byAccount?.fail(accountKey, now);
    const limit = Math.min(RESET_REQUESTS_PER_EMAIL, this.byAccount?.limit ?? 0);
    if (byAccount && limit > 0 && byAccount.count > limit) {
      throw tooManyFailures({ until: byAccount.resetAt, limit }, now, 'for this account');
    }
  }
}

export interface PasswordResetAuthDeps {
  reset: resets.ResetContext;
  throttle: PasswordResetThrottle;
}

/**
 * `/auth/password-reset…`: asking for a reset link, reading and using it. Outside `/api` like sign-in,
 * not in the OpenAPI document; docs/api.md describes them.
 */
export async function passwordResetAuthRoutes(
  app: FastifyInstance,
  deps: PasswordResetAuthDeps,
): Promise<void> {
  const { reset, throttle } = deps;
  const routes = browserRoutes(reset.publicUrl);

  app.post<{ Body: Static<typeof schema.PasswordResetRequestBody> }>(
    '/auth/password-reset',
    routes.options({
      body: schema.PasswordResetRequestBody,
      response: { 202: DataEnvelope(schema.PasswordResetRequestedSchema) },
    }),
    async (request, reply) => {
      routes.checkOrigin(request);
      const email = normalizeEmail(request.body.email);
      await throttle.check(request.ip, email);
      const answer = await resets.requestPasswordReset(reset, email, (error) =>
        request.log.warn({ err: error }, 'The password reset mail could not be sent'),
      );
      return noStore(reply).code(202).send({ data: answer });
    },
  );

  app.get<{ Params: Static<typeof schema.ResetTokenParams> }>(
    '/auth/password-reset/:token',
    routes.options({
      params: schema.ResetTokenParams,
      response: { 200: DataEnvelope(schema.PasswordResetInfoSchema) },
    }),
    async (request, reply) => {
      noStore(reply);
      return { data: await resets.describeReset(reset, request.params.token) };
    },
  );

  app.post<{ Body: Static<typeof schema.PasswordResetConfirmBody> }>(
    '/auth/password-reset/confirm',
    routes.options({ body: schema.PasswordResetConfirmBody }),
    async (request, reply) => {
      routes.checkOrigin(request);
      await resets.confirmReset(reset, request.body, request.ip);
      return reply.code(204).send();
    },
  );
}

const MemberParams = IdParams('Member', 'mem_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');

/** `POST /api/v1/members/{id}/password-reset`: an admin's reset link for a member. */
export async function memberPasswordResetRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const reset: resets.ResetContext = {
    db: deps.ctx.db,
    clock: deps.ctx.clock,
    mailer: deps.ctx.mailer,
    publicUrl: deps.publicUrl,
  };
  app.post<{ Params: Static<typeof MemberParams> }>(
    '/members/:id/password-reset',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Members'],
        operationId: 'resetMemberPassword',
        summary: 'Send a member a password reset link',
        description:
          'A one-time link (valid an hour) for the member to choose a new password; using it ends their ' +
          'sessions. Mailed when the server can send mail (`delivery` `email`); otherwise `delivery` is ' +
          '`link` and `resetUrl` is the link for you to pass on. Refused (403) for a member whose role ' +
          'outranks yours (`details.reason` `outranked`; an API key acts as an admin) or who belongs to ' +
          'another organization too (`member_of_other_organization`): they use “Forgot password”.',
        params: MemberParams,
        response: { 201: DataEnvelope(schema.MemberPasswordResetSchema) },
      },
    },
    async (request, reply) => {
      const data = await resets.resetMemberPassword(
        reset,
        request.principal,
        request.params.id,
        auditOrigin(request),
      );
      return noStore(reply).code(201).send({ data });
    },
  );
}
