import { Type } from '@sinclair/typebox';
import { DateTime } from '../../http/schemas.js';
import { PASSWORD_MAX, PASSWORD_MIN } from './people.passwords.js';
import { TwoFactorCode } from './people.schemas.js';

/** Schemas of password resets and two-factor sign-in. */

const ResetToken = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'The `token` of the reset link',
});

export const PasswordResetRequestBody = Type.Object(
  {
    email: Type.String({
      minLength: 3,
      maxLength: 254,
      pattern: '^[^\\s@]+@[^\\s@]+$',
      examples: ['ada@example.com'],
    }),
  },
  { additionalProperties: false },
);

export const PasswordResetRequestedSchema = Type.Object(
  {
    emailSent: Type.Boolean({
      description:
        'False when this server cannot send mail (no SMTP): ask an admin for a reset link. The same whether the address has an account or not.',
    }),
  },
  { additionalProperties: false },
);

export const ResetTokenParams = Type.Object({ token: ResetToken }, { additionalProperties: false });

export const PasswordResetInfoSchema = Type.Object(
  { email: Type.String({ maxLength: 254 }), expiresAt: DateTime() },
  { additionalProperties: false },
);

export const PasswordResetConfirmBody = Type.Object(
  { token: ResetToken, password: Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX }) },
  { additionalProperties: false },
);

export const MemberPasswordResetSchema = Type.Object(
  {
    delivery: Type.Union([Type.Literal('email'), Type.Literal('link')], {
      description: '`email`: mailed to the member; `link`: no mail could be sent, pass `resetUrl` on',
    }),
    resetUrl: Type.Optional(
      Type.String({
        format: 'uri',
        maxLength: 2048,
        description: 'The one-time link (only with `delivery` `link`; shown only now)',
      }),
    ),
    expiresAt: DateTime({ description: 'The link works until then (an hour), once' }),
  },
  { additionalProperties: false },
);

export const TwoFactorSetupSchema = Type.Object(
  {
    secret: Type.String({
      maxLength: 64,
      description: 'The TOTP secret (base32), for typing into an authenticator app',
    }),
    otpauthUrl: Type.String({ maxLength: 1024, description: 'The `otpauth://` URL to show as a QR code' }),
  },
  { additionalProperties: false },
);

export const EnableTwoFactorBody = Type.Object({ code: TwoFactorCode }, { additionalProperties: false });

export const RecoveryCodesSchema = Type.Object(
  {
    recoveryCodes: Type.Array(Type.String({ maxLength: 32 }), {
      minItems: 10,
      maxItems: 10,
      description: 'Single-use codes for signing in without the app; shown only now',
    }),
  },
  { additionalProperties: false },
);

export const DisableTwoFactorBody = Type.Object(
  { password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }) },
  { additionalProperties: false },
);
