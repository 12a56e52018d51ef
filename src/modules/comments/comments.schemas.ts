import { Type } from '@sinclair/typebox';
import { DateOrDateTime, DateTime, Id, ListQuery, Nullable } from '../../http/schemas.js';
import { PLATFORM_LIMITS } from '../../platforms/bounds.js';
import { PlatformName } from '../platform-catalog/index.js';

/** Text a platform sent: cut to these lengths where it enters (platforms/bounds.ts). */
const PlatformId = Type.String({ maxLength: PLATFORM_LIMITS.id });
const PlatformText = (maxLength: number) => Type.String({ maxLength });

export const CommentSchema = Type.Object(
  {
    id: Id('cmt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    postId: Id('post_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    brandId: Id('brand_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'),
    platform: PlatformName,
    platformCommentId: Type.String({
      maxLength: PLATFORM_LIMITS.id,
      description: "The comment's id on the platform",
    }),
    parentId: Nullable(Id('cmt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'), { description: 'The comment this one answers' }),
    author: Type.Object(
      {
        id: Nullable(PlatformId),
        name: Nullable(PlatformText(PLATFORM_LIMITS.name)),
        handle: Nullable(PlatformText(PLATFORM_LIMITS.name)),
      },
      {
        additionalProperties: false,
        description: `As the platform gives it; a name longer than ${PLATFORM_LIMITS.name} characters is cut`,
      },
    ),
    text: Type.String({
      maxLength: PLATFORM_LIMITS.commentText,
      description: `As the platform gives it; a longer text is cut to ${PLATFORM_LIMITS.commentText.toLocaleString('en-US')} characters, ending with "…"`,
    }),
    own: Type.Boolean({
      description:
        'Written by the account the post was published as: a reply posted through this API, or one made ' +
        'on the platform itself (found by a sync; no `comment.received` is sent for it)',
    }),
    repliedAt: Nullable(DateTime(), {
      description: "When the post's account last replied to it (through this API, or as a sync found)",
    }),
    createdAt: DateTime({ description: "The platform's time" }),
    receivedAt: DateTime({ description: 'When the sync stored it' }),
  },
  {
    $id: 'Comment',
    title: 'Comment',
    additionalProperties: false,
    description: 'A comment on a published post, pulled from its platform (the `comment.received` data).',
  },
);

export const ListCommentsQuery = ListQuery(['createdAt'], {
  brandId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  platform: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  postId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  since: Type.Optional(DateOrDateTime({ description: 'createdAt on or after this (inclusive)' })),
});

export const ListPostCommentsQuery = ListQuery(['createdAt'], {});

export const ReplyBody = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 2200, description: 'The reply' }) },
  { additionalProperties: false },
);
