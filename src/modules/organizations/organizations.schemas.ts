import { Type } from '@sinclair/typebox';
import { DateTime, Id, Int32 } from '../../http/schemas.js';
import { MAX_ORGANIZATION_NAME_LENGTH, MAX_RATE_LIMIT } from './organizations.service.js';
import { PLANS } from '../../db/tables/organizations.js';

export const OrganizationSchema = Type.Object(
  {
    id: Id('org_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    name: Type.String({ minLength: 1, maxLength: MAX_ORGANIZATION_NAME_LENGTH }),
    plan: Type.Unsafe<(typeof PLANS)[number]>({ type: 'string', enum: [...PLANS] }),
    rateLimit: Type.Object(
      {
        limit: Int32(1, MAX_RATE_LIMIT, { description: 'Requests per window for each environment' }),
        window: Type.Literal('hour'),
        override: Type.Boolean({
          description: 'True when the limit is set for this organization rather than by its plan',
        }),
      },
      { additionalProperties: false },
    ),
    createdAt: DateTime(),
    updatedAt: DateTime(),
    usage: Type.Object(
      {
        environment: Type.Unsafe<'live' | 'test'>({
          type: 'string',
          enum: ['live', 'test'],
          description: "The caller's environment, whose requests are counted",
        }),
        used: Int32(0, MAX_RATE_LIMIT, {
          description: 'Requests of this environment in the current window, this one included',
        }),
        remaining: Int32(0, MAX_RATE_LIMIT, { description: 'Requests left in the current window' }),
        resetAt: DateTime({ description: 'When the current window ends and the count starts again' }),
      },
      {
        additionalProperties: false,
        description:
          "This hour's requests of the caller's environment (as the rate-limit headers count them)",
      },
    ),
  },
  { $id: 'Organization', title: 'Organization', additionalProperties: false },
);

export const UpdateOrganizationBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: MAX_ORGANIZATION_NAME_LENGTH, pattern: '\\S' }) },
  { additionalProperties: false, examples: [{ name: 'Acme Marketing' }] },
);
