import { Type } from '@sinclair/typebox';
import { DateTime, Id, ListQuery, Nullable } from '../../http/schemas.js';
import { ROLES } from '../../db/tables/people.js';
import { PASSWORD_MAX } from './people.passwords.js';

const Email = Type.String({
  minLength: 3,
  maxLength: 254,
  pattern: '^[^\\s@]+@[^\\s@]+$',
  description: 'Compared without regard to case; stored lower-cased',
  examples: ['ada@example.com'],
});
const PersonName = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', examples: ['Ada Lovelace'] });
const Role = Type.Unsafe<(typeof ROLES)[number]>({
  type: 'string',
  enum: [...ROLES],
  description: 'owner and admin act with the `admin` scope, editor with `read_write`, viewer with `read`',
});
const INVITATION_STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;
const InvitationStatus = Type.Unsafe<(typeof INVITATION_STATUSES)[number]>({
  type: 'string',
  enum: [...INVITATION_STATUSES],
});

export const MemberSchema = Type.Object(
  {
    id: Id('mem_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    userId: Id('usr_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    email: Email,
    name: PersonName,
    role: Role,
    twoFactorEnabled: Type.Boolean({ description: 'Whether the person signs in with a second factor' }),
    createdAt: DateTime({ description: 'When the person joined the organization' }),
    updatedAt: DateTime(),
  },
  { $id: 'Member', title: 'Member', additionalProperties: false },
);

export const InvitationSchema = Type.Object(
  {
    id: Id('inv_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    email: Email,
    role: Role,
    status: InvitationStatus,
    invitedBy: Nullable(
      Type.Object(
        { id: Id('usr_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'), name: PersonName, email: Email },
        { additionalProperties: false },
      ),
      { description: 'The person who invited; null when an API key did, or the person is gone' },
    ),
    createdAt: DateTime(),
    expiresAt: DateTime(),
    acceptedAt: Nullable(DateTime()),
  },
  { $id: 'Invitation', title: 'Invitation', additionalProperties: false },
);

export const CreatedInvitationSchema = Type.Object(
  {
    ...InvitationSchema.properties,
    delivery: Type.Unsafe<'email' | 'link'>({
      type: 'string',
      enum: ['email', 'link'],
      description: '`email`: mailed to the person; `link`: pass `acceptUrl` on yourself',
    }),
    acceptUrl: Type.Optional(
      Type.String({
        maxLength: 2048,
        format: 'uri',
        description: 'The one-time link to accept (only with delivery `link`); shown only here',
      }),
    ),
    deliveryError: Type.Optional(
      Type.String({
        maxLength: 1000,
        description: 'Why the mail could not be sent, when SMTP is configured but sending failed',
      }),
    ),
  },
  { $id: 'CreatedInvitation', title: 'CreatedInvitation', additionalProperties: false },
);

export const ListMembersQuery = ListQuery(['createdAt'], {
  role: Type.Optional({ ...Role, description: 'Only members with this role' }),
});

export const ListInvitationsQuery = ListQuery(['createdAt'], {
  status: Type.Optional({ ...InvitationStatus, description: 'Only invitations in this status' }),
});

export const UpdateMemberBody = Type.Object(
  { role: Role },
  { additionalProperties: false, examples: [{ role: 'editor' }] },
);

export const CreateInvitationBody = Type.Object(
  { email: Email, role: Role },
  { additionalProperties: false, examples: [{ email: 'ada@example.com', role: 'editor' }] },
);

/** `GET /auth/invitations/{token}` (not in the document). */
export const InvitationTokenParams = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);

export const InvitationPreviewSchema = Type.Object(
  {
    organization: Type.Object(
      { id: Id('org_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'), name: Type.String({ maxLength: 200 }) },
      { additionalProperties: false },
    ),
    email: Email,
    role: Role,
    accountExists: Type.Boolean({
      description: 'An account with this email exists: accept with its password',
    }),
    expiresAt: DateTime(),
  },
  { additionalProperties: false },
);

export const AcceptEmailInvitationBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 100, description: 'The `token` of the invitation link' }),
    name: Type.Optional(PersonName),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }),
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
