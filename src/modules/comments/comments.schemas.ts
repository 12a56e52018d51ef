import { Type } from '@sinclair/typebox';
import { DateTime, ListQuery, Nullable } from '../../http/schemas.js';

export const CommentSchema = Type.Object(
  {
    id: Type.String({ examples: ['cmt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8'] }),
    postId: Type.String(),
    brandId: Type.String(),
    platform: Type.String({ examples: ['instagram'] }),
    platformCommentId: Type.String({ description: "The comment's id on the platform" }),
    parentId: Nullable(Type.String(), { description: 'The comment this one answers' }),
    author: Type.Object(
      { id: Nullable(Type.String()), name: Nullable(Type.String()), handle: Nullable(Type.String()) },
      { additionalProperties: false },
    ),
    text: Type.String(),
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
  since: Type.Optional(
    Type.String({ minLength: 10, maxLength: 40, description: 'createdAt on or after this (inclusive)' }),
  ),
});

export const ListPostCommentsQuery = ListQuery(['createdAt'], {});

export const ReplyBody = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 2200, description: 'The reply' }) },
  { additionalProperties: false },
);
