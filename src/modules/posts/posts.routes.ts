import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { InputCheck } from '../../shared/validation/problems.js';
import { resourceUrl, type RouteDeps } from '../route-deps.js';
import { resourceRoutes } from '../../http/resource-routes.js';
import { DataEnvelope, ErrorResponse, IdParams } from '../../http/schemas.js';
import * as schema from './posts.schemas.js';
import * as service from './posts.service.js';
import { publishNow } from './posts.publishing.js';
import { createPostsBatch, updatePostsBatch } from './posts.batch.js';
import { postFilterProblems, postInputProblems, type PostWriteMode } from './posts.input.js';

const Params = IdParams('Post', 'post_01JD7Q8ZK2M4N6P8R0T2V4X6Z8');
const TAGS = ['Posts'];
const readOnly = schema.POST_READ_ONLY_FIELDS;
const NOT_EDITABLE = ErrorResponse(
  'The post is PUBLISHING, PUBLISHED, FAILED or CANCELLED, or its status cannot move there',
);

export async function postsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { ctx } = deps;
  /** A post body's input checks (`postInputProblems`) at the time of the request. */
  const postChecks =
    (mode: PostWriteMode): InputCheck =>
    (body) =>
      postInputProblems(body, ctx.clock.now(), mode);
  const posts = resourceRoutes(app, { path: '/posts', tags: TAGS, params: Params, item: schema.PostSchema });

  posts.list(
    {
      config: { scope: 'read', inputChecks: { query: postFilterProblems } },
      operationId: 'listPosts',
      summary: 'List posts',
      description:
        'Filter by `status`, `platform`, `campaignId`, `brandId`, `mediaId` (the posts using a media item) ' +
        'and a date range (`startDate` inclusive, ' +
        `\`endDate\` exclusive) on the post's date. ${schema.POST_DATE_RULE} Sort by \`createdAt\` (default), ` +
        '`updatedAt`, `scheduledFor`, `publishedAt` or `date` (that same date), ties broken by id. Posts ' +
        'without a `scheduledFor` or `publishedAt` sort first ascending and last descending by that field.',
      querystring: schema.ListPostsQuery,
    },
    (request, page) =>
      service.listPosts(ctx, request.principal, page, service.parsePostFilters(request.query)),
  );

  posts.create(
    {
      config: { scope: 'read_write', inputChecks: { body: postChecks('create') } },
      preValidation: readOnly.refuse,
      operationId: 'createPost',
      summary: 'Create a post',
      description:
        'A post is a DRAFT, or SCHEDULED when `scheduledFor` (future) is given. Scheduling checks the ' +
        "platform's rules (text length, hashtags, media); a violation is 400 with `details.rule`. Drafts may " +
        'break the rules until they are scheduled.',
      body: schema.CreatePostBody,
    },
    (request) => service.createPost(ctx, request.principal, request.body),
    (request, path) => resourceUrl(deps, request, path),
  );

  const batchDescription =
    'Answers 200 with one result per item, in order: `{index, status, data}` (the post) or `{index, status, ' +
    'error}` (the `error` object the single endpoint would answer, `details.field` naming the field inside the ' +
    'item). One bad item does not stop the others; `summary` counts them. With `atomic: true` all items are ' +
    'saved in one transaction or none is: if any fails, the valid ones answer 424 `ROLLED_BACK`. More than 100 ' +
    'items, or a body that is not `{posts: [...], atomic?}`, is a 400 for the whole request and nothing is done. ' +
    '`Idempotency-Key` covers the whole batch. Each saved post records its events as the single endpoint does.';

  app.post<{ Body: Static<typeof schema.CreatePostsBatchBody> }>(
    '/posts/batch',
    {
      config: { scope: 'read_write' },
      schema: {
        tags: TAGS,
        operationId: 'createPostsBatch',
        summary: 'Create up to 100 posts',
        description: `Each item is created as by \`POST /posts\` (status 201 when created). ${batchDescription}`,
        body: schema.CreatePostsBatchBody,
        response: { 200: schema.BatchResultSchema },
      },
    },
    async (request) =>
      createPostsBatch(ctx, request.principal, request.body.posts, request.body.atomic ?? false, request.log),
  );

  app.put<{ Body: Static<typeof schema.UpdatePostsBatchBody> }>(
    '/posts/batch',
    {
      config: { scope: 'read_write', idempotent: true },
      schema: {
        tags: TAGS,
        operationId: 'updatePostsBatch',
        summary: 'Update up to 100 posts',
        description:
          'Each item `{id, ...fields}` changes the fields it names, as `PATCH /posts/{id}` (status 200 when ' +
          `changed; 404 for an unknown post, 409 for one that can no longer be edited). ${batchDescription}`,
        body: schema.UpdatePostsBatchBody,
        response: { 200: schema.BatchResultSchema },
      },
    },
    async (request) =>
      updatePostsBatch(ctx, request.principal, request.body.posts, request.body.atomic ?? false, request.log),
  );

  app.post<{ Body: Static<typeof schema.ValidatePostBody> }>(
    '/posts/validate',
    {
      config: { scope: 'read_write' },
      schema: {
        tags: TAGS,
        operationId: 'validatePost',
        summary: "Check a draft against its platform's rules",
        description:
          'Runs exactly the checks that scheduling runs and reports every violation. Nothing is saved. ' +
          'Answers 200 whether or not the draft is valid; see `valid`. The ids it names (`mediaIds`, `brandId`, ' +
          '`campaignId`, `socialAccountId`) are checked as `POST /posts` checks them: an unknown one, or one of ' +
          'another organization or environment, is the same 400 naming the field. Needs `read_write`, like ' +
          'creating a post.',
        body: schema.ValidatePostBody,
        response: { 200: DataEnvelope(Type.Ref(schema.ValidationReportSchema)) },
      },
    },
    async (request) => ({ data: await service.validatePost(ctx, request.principal, request.body) }),
  );

  posts.get(
    { config: { scope: 'read' }, operationId: 'getPost', summary: 'Retrieve a post' },
    (request, id) => service.getPost(ctx, request.principal, id),
  );

  posts.edit(
    {
      config: (mode) => ({ scope: 'read_write', inputChecks: { body: postChecks(mode) } }),
      readOnly,
      current: (request, id) => service.getPost(ctx, request.principal, id),
      errors: { 409: NOT_EDITABLE },
      replace: {
        operationId: 'replacePost',
        summary: 'Replace a post',
        description:
          'PUT replaces the editable fields: optional fields left out are cleared (`status` left out stays); ' +
          '`brandId`, `platform` and `caption` are required. Use PATCH to change some fields only. The body may ' +
          'carry the read-only fields (`id`, `createdAt`, `updatedAt`, …) exactly as GET returned them, so a ' +
          'post read with GET can be sent back edited; a read-only field with another value is 400 naming it. ' +
          'A PUBLISHING, PUBLISHED, FAILED or CANCELLED post cannot be edited (409).',
        body: schema.ReplacePostBody,
      },
      update: {
        operationId: 'updatePost',
        summary: 'Update some fields of a post',
        description:
          'PATCH changes the fields it names; fields left out are unchanged. Read-only fields are refused (400). ' +
          "`status` moves DRAFT ⇄ SCHEDULED or to CANCELLED; scheduling checks the platform's rules. A " +
          'PUBLISHING, PUBLISHED, FAILED or CANCELLED post cannot be edited (409).',
        body: schema.PatchPostBody,
      },
    },
    (request, id, mode) => service.updatePost(ctx, request.principal, id, request.body, mode),
  );

  app.post<{ Params: Static<typeof Params> }>(
    '/posts/:id/publish',
    {
      config: { scope: 'read_write' },
      schema: {
        tags: TAGS,
        operationId: 'publishPost',
        summary: 'Publish a post now',
        description:
          'Checks the platform rules, moves a DRAFT or SCHEDULED post to PUBLISHING and answers 202 at once; the ' +
          'worker publishes it and the post ends PUBLISHED (with `publishedAt`, `platformPostId`, `platformUrl`) ' +
          'or FAILED (with `error`). Poll the post or listen for the `post.published` / `post.failed` webhooks. ' +
          'A post that is already publishing, published, failed or cancelled answers 409.',
        params: Params,
        response: {
          409: ErrorResponse(
            'The post is already publishing, published, failed or cancelled (`details.status`)',
          ),
          202: DataEnvelope(Type.Ref(schema.PostSchema), 'The post, now PUBLISHING'),
        },
      },
    },
    async (request, reply) => {
      const post = await publishNow(
        ctx,
        request.principal,
        request.params.id,
        deps.config.publishRetryDelays.length + 1,
      );
      reply.code(202).header('Location', resourceUrl(deps, request, `/posts/${post.id}`));
      return { data: post };
    },
  );

  posts.delete(
    {
      config: { scope: 'read_write' },
      operationId: 'deletePost',
      summary: 'Delete a post',
      description:
        'Removes the post from Audenci. A post already published stays on the social network: delete it there ' +
        'if you want it gone. A post being published cannot be deleted (409).',
      errors: { 409: ErrorResponse('The post is being published; delete it once publishing ends') },
    },
    (request, id) => service.deletePost(ctx, request.principal, id),
  );
}
