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
  },
  { $id: 'Organization', title: 'Organization', additionalProperties: false },
);
