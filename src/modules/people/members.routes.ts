import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { resourceRoutes, type RouteDoc } from '../../http/resource-routes.js';
import { DataEnvelope, ErrorResponse, IdParams } from '../../http/schemas.js';
import { auditOrigin, type AuditOrigin } from '../audit/index.js';
import type { Principal } from '../../db/tables/keys.js';
import type { RouteDeps } from '../route-deps.js';
import * as schema from './members.schemas.js';
import { noStore } from './browser.routes.js';
import * as invites from './people.invites.js';
import * as members from './people.members.js';

const MemberParams = IdParams('Member', 'mem_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const InvitationParams = IdParams('Invitation', 'inv_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const PER_ORGANIZATION = 'Members belong to the organization: both environments see the same ones.';
type ItemParams = typeof MemberParams | typeof InvitationParams;

/** The organization's members and invitations, under `/api/v1` (`/members`, `/invitations`). */
export async function membersRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { ctx } = deps;
  /** `DELETE {path}/:id` answering 204 (`doc.answer` describes it): `remove` removes the item. */
  const deleteRoute = (
    path: string,
    tags: string[],
    params: ItemParams,
    doc: RouteDoc & { description: string; answer: string },
    remove: (principal: Principal, id: string, origin: AuditOrigin) => Promise<void>,
  ) =>
    app.delete<{ Params: Static<ItemParams> }>(
      `${path}/:id`,
      {
        config: doc.config,
        schema: {
          tags,
          operationId: doc.operationId,
          summary: doc.summary,
          description: doc.description,
          params,
          response: { 204: Type.Null({ description: doc.answer }), ...doc.errors },
        },
      },
      async (request, reply) => {
        await remove(request.principal, request.params.id, auditOrigin(request));
        return reply.code(204).send();
      },
    );

  const memberRoutes = resourceRoutes(app, {
    path: '/members',
    tags: ['Members'],
    params: MemberParams,
    item: schema.MemberSchema,
  });

  memberRoutes.list(
    {
      config: { scope: 'read' },
      operationId: 'listMembers',
      summary: "List the organization's members",
      description: `Newest first (\`sortOrder=asc\`: oldest first); filter by \`role\`. ${PER_ORGANIZATION}`,
      querystring: schema.ListMembersQuery,
      answer: 'A page of members',
    },
    (request, page) =>
      members.listMembers(ctx, request.principal.organizationId, page, { role: request.query.role }),
  );

  memberRoutes.get(
    { config: { scope: 'read' }, operationId: 'getMember', summary: 'Retrieve a member' },
    (request, id) => members.getMember(ctx, request.principal.organizationId, id),
  );

  app.patch<{ Params: Static<typeof MemberParams>; Body: Static<typeof schema.UpdateMemberBody> }>(
    '/members/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Members'],
        operationId: 'updateMember',
        summary: "Change a member's role",
        description:
          'Only an owner makes a member owner or changes an owner’s role (403 otherwise, `details.reason` ' +
          '`owner_required`; an API key acts as an admin). The last owner cannot be demoted: 409, ' +
          '`details.reason` `last_owner`. The change applies to the member’s next request. Recorded as ' +
          '`member.role_changed`.',
        params: MemberParams,
        body: schema.UpdateMemberBody,
        response: {
          200: DataEnvelope(Type.Ref(schema.MemberSchema)),
          409: ErrorResponse('The last owner would be demoted (`details.reason` `last_owner`)'),
        },
      },
    },
    async (request) => ({
      data: await members.updateMemberRole(
        ctx,
        request.principal,
        request.params.id,
        request.body.role,
        auditOrigin(request),
      ),
    }),
  );

  deleteRoute(
    '/members',
    ['Members'],
    MemberParams,
    {
      config: { scope: 'read' },
      operationId: 'removeMember',
      summary: 'Remove a member, or leave the organization',
      description:
        'Removing another member needs the `admin` scope, and removing an owner needs an owner (403). A ' +
        'signed-in person may remove their own membership whatever their role: they leave. The last ' +
        'owner cannot go: 409, `details.reason` `last_owner`. The person’s sessions acting in this ' +
        'organization move to another organization of theirs, or to none. Recorded as ' +
        '`member.removed` or `member.left`.',
      answer: 'Removed',
      errors: { 409: ErrorResponse('The last owner would go (`details.reason` `last_owner`)') },
    },
    (principal, id, origin) => members.removeMember(ctx, principal, id, origin),
  );

  const invitationRoutes = resourceRoutes(app, {
    path: '/invitations',
    tags: ['Invitations'],
    params: InvitationParams,
    item: schema.InvitationSchema,
  });

  invitationRoutes.list(
    {
      config: { scope: 'admin' },
      operationId: 'listInvitations',
      summary: "List the organization's invitations",
      description:
        'Invitations by email, newest first; filter by `status` (`pending`, `accepted`, `revoked`, ' +
        '`expired`). The links themselves are never shown again.',
      querystring: schema.ListInvitationsQuery,
      answer: 'A page of invitations',
    },
    (request, page) =>
      invites.listInvitations(ctx, request.principal.organizationId, page, { status: request.query.status }),
  );

  app.post<{ Body: Static<typeof schema.CreateInvitationBody> }>(
    '/invitations',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Invitations'],
        operationId: 'createInvitation',
        summary: 'Invite a person',
        description:
          'Invites `email` to join with `role`, for 7 days. With SMTP configured the invitation is mailed ' +
          '(`delivery` `email`); without, or when sending fails (`deliveryError`), the answer carries the ' +
          'one-time `acceptUrl` (`delivery` `link`) for you to pass on. Only an owner invites an owner. An ' +
          'address that is already a member is 409 (`details.field` `email`). An earlier pending ' +
          'invitation to the same address stops working. Recorded as `member.invited`.',
        body: schema.CreateInvitationBody,
        response: {
          201: DataEnvelope(
            Type.Ref(schema.CreatedInvitationSchema),
            'The invitation, and how it reaches the person',
          ),
          409: ErrorResponse('The address is already a member (`details.field` `email`)'),
        },
      },
    },
    async (request, reply) => {
      const data = await invites.createInvitation(
        ctx,
        deps.publicUrl,
        request.principal,
        request.body,
        auditOrigin(request),
      );
      noStore(reply.code(201));
      return { data };
    },
  );

  deleteRoute(
    '/invitations',
    ['Invitations'],
    InvitationParams,
    {
      config: { scope: 'admin' },
      operationId: 'revokeInvitation',
      summary: 'Revoke an invitation',
      description:
        'Its link stops working at once (revoking a revoked or expired one changes nothing). An ' +
        'accepted invitation is 409: remove the member instead. Recorded as `invitation.revoked`.',
      answer: 'Revoked',
      errors: { 409: ErrorResponse('The invitation has been accepted') },
    },
    (principal, id, origin) => invites.revokeInvitation(ctx, principal.organizationId, id, origin),
  );
}
