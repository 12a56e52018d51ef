import { Type } from '@sinclair/typebox';
import { DateTime } from '../../http/schemas.js';
import { PLANS } from './organizations.table.js';

export const OrganizationSchema = Type.Object(
  {
    id: Type.String({ examples: ['org_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'] }),
    name: Type.String(),
    plan: Type.Unsafe<(typeof PLANS)[number]>({ type: 'string', enum: [...PLANS] }),
    rateLimit: Type.Object(
      {
        limit: Type.Integer({ description: 'Requests per window for each environment' }),
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
