import type { ListParams } from '../../db/paginate.js';
import { findById, scoped } from '../../db/tenant.js';
import { PlatformError, type ConnectorAccount } from '../../platforms/connector.js';
import type { ConnectorRegistry } from '../../platforms/registry.js';
import { toIso } from '../../shared/clock.js';
import { readDateField } from '../../shared/dates.js';
import { AppError, invalidInput, notFound, type FieldProblem } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Tenant } from '../../shared/tenant.js';
import type { ServiceContext } from '../context.js';
import { tenantList, BY_CREATED_AT, type Listing } from '../lists.js';
import type { PostRow } from '../../db/tables/posts.js';
import * as repo from './comments.repository.js';
import type { CommentRow } from '../../db/tables/comments.js';

/** A comment as the API and the `comment.received` payload show it. */
export interface Comment {
  id: string;
  postId: string;
  brandId: string;
  platform: string;
  platformCommentId: string;
  parentId: string | null;
  author: { id: string | null; name: string | null; handle: string | null };
  text: string;
  /** Written by the post's own account: through `POST /comments/{id}/reply`, or on the platform. */
  own: boolean;
  repliedAt: string | null;
  createdAt: string;
  receivedAt: string;
}

export function toComment(row: CommentRow): Comment {
  return {
    id: row.id,
    postId: row.post_id,
    brandId: row.brand_id,
    platform: row.platform,
    platformCommentId: row.platform_comment_id,
    parentId: row.parent_id,
    author: { id: row.author_id, name: row.author_name, handle: row.author_handle },
    text: row.text,
    own: row.is_own === 1,
    repliedAt: row.replied_at === null ? null : toIso(row.replied_at),
    createdAt: toIso(row.created_at),
    receivedAt: toIso(row.received_at),
  };
}

export function commentsResource(tenant: Tenant): string {
  return `comments:${tenant.organizationId}:${tenant.environment}`;
}

/** How a comment operation reaches the account a post was published as (from the accounts module). */
export type CommentAccountResolver = (tenant: Tenant, post: PostRow) => Promise<ConnectorAccount>;

export interface CommentsDeps {
  ctx: ServiceContext;
  connectors: ConnectorRegistry;
  resolveAccount: CommentAccountResolver;
}

/** Test-environment posts without an account act as the sandbox identity publishing used. */
export async function accountFor(
  deps: CommentsDeps,
  tenant: Tenant,
  post: PostRow,
): Promise<ConnectorAccount> {
  if (tenant.environment === 'test' && !post.social_account_id) {
    return {
      platformAccountId: `sandbox-${post.brand_id}`,
      accessToken: 'sandbox',
      metadata: { platform: post.platform },
    };
  }
  return deps.resolveAccount(tenant, post);
}

const listCommentRows = tenantList({
  query: repo.commentsQuery,
  sorts: { createdAt: BY_CREATED_AT },
  counted: commentsResource,
  show: toComment,
});

export interface CommentListQuery {
  brandId?: string;
  platform?: string;
  postId?: string;
  since?: string;
}

export async function listComments(
  ctx: ServiceContext,
  tenant: Tenant,
  params: ListParams,
  query: CommentListQuery,
): Promise<Listing<Comment>> {
  const problems: FieldProblem[] = [];
  const since = readDateField(query, 'since', problems);
  if (problems.length) throw invalidInput(problems, undefined, { location: 'query' });
  const filters: repo.CommentFilters = {
    brandId: query.brandId,
    platform: query.platform,
    postId: query.postId,
    since,
  };
  return listCommentRows(ctx, tenant, params, filters);
}

async function findPost(ctx: ServiceContext, tenant: Tenant, id: string): Promise<PostRow | undefined> {
  return findById(ctx.db, tenant, 'posts', id);
}

export async function listPostComments(
  ctx: ServiceContext,
  tenant: Tenant,
  postId: string,
  params: ListParams,
): Promise<Listing<Comment>> {
  if (!(await findPost(ctx, tenant, postId))) throw notFound('post', postId);
  return listComments(ctx, tenant, params, { postId });
}

function platformFailure(error: PlatformError): AppError {
  if (error.kind === 'rate_limited') {
    return new AppError('SERVICE_UNAVAILABLE', `The platform is rate limiting replies: ${error.message}`, {
      retryAfterSeconds: error.options.retryAfterSeconds ?? null,
      platformCode: error.code,
    });
  }
  const status = error.retryable ? 'SERVICE_UNAVAILABLE' : 'CONFLICT';
  return new AppError(status, `The platform refused the reply: ${error.message}`, {
    platformCode: error.code,
    problem: error.kind,
  });
}

/**
 * Replies to a comment through the connector of the post's platform, then stores the reply as a comment
 * (`own`, with `parentId` and the platform's id) and marks the parent replied, in one transaction. The
 * sync later sees the reply on the platform and skips it (same platform id): no `comment.received`.
 */
export async function replyToComment(
  deps: CommentsDeps,
  tenant: Tenant,
  commentId: string,
  text: string,
): Promise<Comment> {
  const { ctx } = deps;
  const parent = await repo.findComment(ctx.db, tenant, commentId);
  if (!parent) throw notFound('comment', commentId);
  const post = await findPost(ctx, tenant, parent.post_id);
  if (!post?.platform_post_id) throw notFound('comment', commentId);
  const connector = deps.connectors.get(post.platform, tenant.environment);
  if (!connector?.replyToComment) {
    throw new AppError('CONFLICT', `Replying on ${post.platform} is not configured on this server`, {
      problem: 'platform_unavailable',
    });
  }
  const account = await accountFor(deps, tenant, post);
  let result;
  try {
    result = await connector.replyToComment({
      platformPostId: post.platform_post_id,
      platformCommentId: parent.platform_comment_id,
      text,
      account,
    });
  } catch (error) {
    if (error instanceof PlatformError) throw platformFailure(error);
    throw error;
  }
  const now = ctx.clock.now();
  const row = await ctx.db.transaction().execute(async (trx) => {
    const [inserted] = await repo.insertNewComments(trx, tenant, [
      {
        id: newId('comment', now),
        organization_id: tenant.organizationId,
        environment: tenant.environment,
        brand_id: post.brand_id,
        post_id: post.id,
        platform: post.platform,
        platform_comment_id: result.platformCommentId,
        parent_id: parent.id,
        author_id: account.platformAccountId,
        author_name: null,
        author_handle: account.metadata.username ?? null,
        text,
        is_own: 1,
        replied_at: null,
        created_at: result.createdAt,
        received_at: now,
      },
    ]);
    await scoped(trx, tenant)
      .updateTable('comments')
      .set({ replied_at: now })
      .where('id', '=', parent.id)
      .execute();
    return (
      inserted ??
      (await scoped(trx, tenant)
        .selectFrom('comments')
        .selectAll()
        .where('platform', '=', post.platform)
        .where('platform_comment_id', '=', result.platformCommentId)
        .executeTakeFirstOrThrow())
    );
  });
  ctx.counts.invalidate(commentsResource(tenant));
  return toComment(row);
}
