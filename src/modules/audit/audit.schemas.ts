import { Type } from '@sinclair/typebox';
import { DateTime, Id, ListQuery, Nullable } from '../../http/schemas.js';

const Action = (description: string) =>
  Type.String({
    minLength: 1,
    maxLength: 100,
    pattern: '^[a-z_]+\\.[a-z_]+$',
    examples: ['api_key.revoked'],
    description,
  });

const ACTIONS =
  '`api_key.created`, `api_key.revoked`, `api_key.rotated`, `webhook_endpoint.created`, ' +
  '`webhook_endpoint.updated`, `webhook_endpoint.secret_rotated`, `webhook_endpoint.deleted`';

export const AuditEntrySchema = Type.Object(
  {
    id: Id('aud_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    action: Action(`What was done, \`<object>.<verb>\`: ${ACTIONS}, and the people actions`),
    environment: Nullable(Type.Unsafe<'live' | 'test'>({ type: 'string', enum: ['live', 'test'] }), {
      description: 'The environment the action happened in; null for an action on the organization itself',
    }),
    actor: Type.Object(
      {
        type: Type.Unsafe<'user' | 'api_key' | 'system'>({
          type: 'string',
          enum: ['user', 'api_key', 'system'],
          description: '`system`: an operator (CLI) or Audenci itself',
        }),
        id: Nullable(Id('key_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'), { description: "The user's or key's id" }),
      },
      { additionalProperties: false, description: 'Who did it' },
    ),
    target: Nullable(
      Type.Object(
        {
          type: Type.String({ minLength: 1, maxLength: 100, examples: ['api_key'] }),
          id: Id('key_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
        },
        { additionalProperties: false },
      ),
      { description: 'What it was done to' },
    ),
    ip: Nullable(Type.String({ maxLength: 100 }), { description: 'The client address of the request' }),
    data: Nullable(
      Type.Object(
        {},
        { additionalProperties: true, description: 'What changed; never a key, secret or password' },
      ),
    ),
    createdAt: DateTime(),
  },
  {
    $id: 'AuditEntry',
    title: 'AuditEntry',
    additionalProperties: false,
    description: 'A security-relevant action, as listed by `GET /audit-log`.',
  },
);

export const ListAuditLogQuery = ListQuery(['createdAt'], {
  action: Type.Optional(Action('Only entries of this action')),
  actorId: Type.Optional(Id('key_01JD7Q8ZK2M4N6P8R0T2V4X6Z8', { description: 'Only entries by this actor' })),
  targetId: Type.Optional(
    Id('whk_01JD7Q8ZK2M4N6P8R0T2V4X6Z8', { description: 'Only entries about this object' }),
  ),
  createdAfter: Type.Optional(DateTime({ description: 'createdAt on or after this (inclusive)' })),
  createdBefore: Type.Optional(DateTime({ description: 'createdAt before this (exclusive)' })),
});
