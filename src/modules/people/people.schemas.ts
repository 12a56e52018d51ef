import { Type } from '@sinclair/typebox';
import { Count, DateTime, Id, Nullable } from '../../http/schemas.js';
import { ROLES } from '../../db/tables/people.js';
import { PASSWORD_MAX, PASSWORD_MIN } from './people.passwords.js';

const Email = Type.String({
  minLength: 3,
  maxLength: 254,
  pattern: '^[^\\s@]+@[^\\s@]+$',
  description: 'Compared without regard to case',
  examples: ['ada@example.com'],
});
const PersonName = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', examples: ['Ada Lovelace'] });
const Password = Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX });
const Role = Type.Unsafe<(typeof ROLES)[number]>({
  type: 'string',
  enum: [...ROLES],
  description: 'owner and admin act with the `admin` scope, editor with `read_write`, viewer with `read`',
});
const Environment = Type.Unsafe<'live' | 'test'>({ type: 'string', enum: ['live', 'test'] });

export const PersonSchema = Type.Object(
  {
    id: Id('usr_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    email: Email,
    name: PersonName,
    twoFactorEnabled: Type.Boolean(),
    createdAt: DateTime(),
  },
  { additionalProperties: false },
);

const MembershipSchema = Type.Object(
  { id: Id('org_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'), name: Type.String({ maxLength: 200 }), role: Role },
  { additionalProperties: false },
);

const meProperties = {
  user: PersonSchema,
  organizations: Type.Array(MembershipSchema, {
    maxItems: 10_000,
    description: 'The organizations the person belongs to, with their role in each',
  }),
  organizationId: Nullable(Id('org_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'), {
    description: 'The organization the session acts in (null: the person belongs to none)',
  }),
  environment: Environment,
  role: Nullable(Role, { description: "The person's role in `organizationId`" }),
};

export const MeSchema = Type.Object(meProperties, {
  $id: 'Me',
  title: 'Me',
  additionalProperties: false,
});

/** `/auth/*` answers: `Me`, the session and its CSRF token (these routes are not in the document). */
export const SessionInfoSchema = Type.Object(
  {
    ...meProperties,
    csrfToken: Type.String({
      maxLength: 64,
      description: 'Send as X-CSRF-Token with state-changing requests',
    }),
    session: Type.Object(
      { id: Id('ses_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'), createdAt: DateTime(), expiresAt: DateTime() },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const SessionSchema = Type.Object(
  {
    id: Id('ses_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    current: Type.Boolean({ description: 'The session of this request' }),
    createdAt: DateTime(),
    lastSeenAt: DateTime({ description: 'Recorded at most once a minute' }),
    expiresAt: DateTime({
      description: 'The absolute end; a session unused for the idle timeout ends sooner',
    }),
    revokedAt: Nullable(DateTime()),
    ip: Nullable(Type.String({ maxLength: 100 })),
    userAgent: Nullable(Type.String({ maxLength: 500 })),
  },
  { $id: 'Session', title: 'Session', additionalProperties: false },
);

/** The code of an authenticator app (6 digits) or a recovery code (`xxxxx-xxxxx`). */
export const TwoFactorCode = Type.String({
  minLength: 1,
  maxLength: 32,
  description: 'The 6-digit code of the authenticator app, or one of the recovery codes',
  examples: ['123456'],
});

export const SignInBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }),
    code: Type.Optional(TwoFactorCode),
  },
  { additionalProperties: false },
);

export const AcceptInvitationBody = Type.Object(
  {
    token: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'The `token` of the setup or invitation link',
    }),
    name: PersonName,
    email: Email,
    password: Password,
  },
  { additionalProperties: false },
);

export const SwitchBody = Type.Object(
  {
    organizationId: Type.Optional(Id('org_01JD7Q8ZK2M4N6P8R0T2V4X6Z8')),
    environment: Type.Optional(Environment),
  },
  { additionalProperties: false },
);

export const UpdateMeBody = Type.Object(
  { name: Type.Optional(PersonName) },
  { additionalProperties: false, examples: [{ name: 'Ada Lovelace' }] },
);

export const ChangePasswordBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }), newPassword: Password },
  { additionalProperties: false },
);

export const PasswordChangedSchema = Type.Object(
  { revokedSessions: Count({ description: 'Your other sessions, ended by the change' }) },
  { additionalProperties: false },
);

export const RevokedSessionsSchema = Type.Object(
  { revoked: Count({ description: 'How many sessions were ended' }) },
  { additionalProperties: false },
);
