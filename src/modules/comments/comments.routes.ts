import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { listParams } from '../../http/list-params.js';
import type { RouteDeps } from '../route-deps.js';
import { DataEnvelope, ErrorResponse, IdParams, ListEnvelope } from '../../http/schemas.js';
import { CommentSchema, ListCommentsQuery, ListPostCommentsQuery, ReplyBody } from './comments.schemas.js';
import * as service from './comments.service.js';

const CommentParams = IdParams('Comment', 'cmt_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const PostParams = IdParams('Post', 'post_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const TAGS = ['Comments'];

export interface CommentsRouteDeps extends RouteDeps {
  comments: Omit<service.CommentsDeps, 'ctx'>;
}

export async function commentsRoutes(app: FastifyInstance, deps: CommentsRouteDeps): Promise<void> {
  const { ctx } = deps;
  const commentsDeps: service.CommentsDeps = { ctx, ...deps.comments };

  app.get<{ Querystring: Static<typeof ListCommentsQuery> }>(
    '/comments',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        operationId: 'listComments',
        summary: 'List comments',
        description: 'Comments pulled from the platforms on published posts, newest first.',
        querystring: ListCommentsQuery,
        response: { 200: ListEnvelope(Type.Ref(CommentSchema)) },
      },
    },
    async (request) => {
      const { brandId, platform, postId, since } = request.query;
      return service.listComments(ctx, request.principal, listParams(request.query), {
        brandId,
        platform,
        postId,
        since,
      });
    },
  );

  app.get<{ Params: Static<typeof PostParams>; Querystring: Static<typeof ListPostCommentsQuery> }>(
    '/posts/:id/comments',
    {
      config: { scope: 'read' },
      schema: {
        tags: TAGS,
        operationId: 'listPostComments',
        summary: "List a post's comments",
        params: PostParams,
        querystring: ListPostCommentsQuery,
        response: { 200: ListEnvelope(Type.Ref(CommentSchema)) },
      },
    },
    async (request) =>
      service.listPostComments(ctx, request.principal, request.params.id, listParams(request.query)),
  );

  app.post<{ Params: Static<typeof CommentParams>; Body: Static<typeof ReplyBody> }>(
    '/comments/:id/reply',
    {
      // The reply is posted to the platform while the request waits.
      config: { scope: 'read_write', outbound: true },
      schema: {
        tags: TAGS,
        operationId: 'replyToComment',
        summary: 'Reply to a comment',
        description:
          'Posts the reply on the platform as the account the post was published as, and returns it as a ' +
          'comment (`own: true`, `parentId` set).',
        params: CommentParams,
        body: ReplyBody,
        response: {
          409: ErrorResponse(
            'The platform refused the reply, replying on it is not configured here, or its account must be connected again (`details.problem`)',
          ),
          201: DataEnvelope(Type.Ref(CommentSchema)),
        },
      },
    },
    async (request, reply) => {
      const data = await service.replyToComment(
        commentsDeps,
        request.principal,
        request.params.id,
        request.body.text,
      );
      return reply.code(201).send({ data });
    },
  );
}
