import { Type } from '@sinclair/typebox';
import { DateTime, Id, Int32, ListQuery, Nullable } from '../../http/schemas.js';
import { SCOPE_SPELLINGS, SCOPES, type ScopeSpelling } from '../../db/tables/keys.js';

const SCOPE_MEANING =
  'read: GET only; read_write: GET and content changes; admin: everything, including keys and settings';

const ScopeSchema = Type.Unsafe<(typeof SCOPES)[number]>({
  type: 'string',
  enum: [...SCOPES],
  description: SCOPE_MEANING,
});

/** A scope as input: the canonical names and their aliases. */
const ScopeInputSchema = Type.Unsafe<ScopeSpelling>({
  type: 'string',
  enum: [...SCOPE_SPELLINGS],
  description:
    `${SCOPE_MEANING}. The canonical names are \`read\`, \`read_write\` and \`admin\`; \`read-only\` and ` +
    '`read_only` are accepted for `read`, `read-write` for `read_write`, and answers always carry the ' +
    'canonical name.',
});

/** A key's name, as given and as shown. */
const Name = Type.String({ minLength: 1, maxLength: 200 });

export const ApiKeySchema = Type.Object(
  {
    id: Id('key_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    name: Nullable(Name),
    scope: ScopeSchema,
    environment: Type.Unsafe<'live' | 'test'>({ type: 'string', enum: ['live', 'test'] }),
    prefix: Type.String({
      maxLength: 12,
      description: 'First characters of the key',
      examples: ['sk_prod_4f9A'],
    }),
    last4: Type.String({ maxLength: 4, description: 'Last four characters of the key', examples: ['x9Qz'] }),
    status: Type.Unsafe<'active' | 'expiring' | 'expired' | 'revoked'>({
      type: 'string',
      enum: ['active', 'expiring', 'expired', 'revoked'],
      description: '`expiring`: rotated, still accepted until `expiresAt`',
    }),
    createdAt: DateTime(),
    expiresAt: Nullable(DateTime()),
    revokedAt: Nullable(DateTime()),
    lastUsedAt: Nullable(DateTime(), { description: 'Recorded in the background; may lag by a few seconds' }),
    rotatedAt: Nullable(DateTime()),
    replacedBy: Nullable(Id('key_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'), {
      description: 'Id of the key that replaced this one by rotation',
    }),
  },
  { $id: 'ApiKey', title: 'ApiKey', additionalProperties: false },
);

export const ApiKeyWithSecretSchema = Type.Object(
  {
    ...ApiKeySchema.properties,
    key: Type.String({
      maxLength: 64,
      description: 'The full key. Shown only in this response: store it now.',
      examples: ['sk_prod_0123456789ABCDEFGHIJabcdefghij0a1B2c'],
    }),
  },
  { $id: 'ApiKeyWithSecret', title: 'ApiKeyWithSecret', additionalProperties: false },
);

export const CreateApiKeyBody = Type.Object(
  {
    scope: ScopeInputSchema,
    name: Type.Optional(Nullable(Name)),
    expiresAt: Type.Optional(Nullable(DateTime({ description: 'When the key stops working (future)' }))),
  },
  { additionalProperties: false, examples: [{ scope: 'read_write', name: 'CI pipeline' }] },
);

export const RotateApiKeyBody = Type.Object(
  {
    gracePeriodSeconds: Type.Optional(
      Int32(0, 30 * 24 * 3600, {
        default: 86_400,
        description: 'How long the old key keeps working (default 24 h; 0 ends it now)',
      }),
    ),
  },
  { additionalProperties: false, examples: [{ gracePeriodSeconds: 3600 }] },
);

export const ListApiKeysQuery = ListQuery(['createdAt'], {
  scope: Type.Optional(ScopeInputSchema),
});
