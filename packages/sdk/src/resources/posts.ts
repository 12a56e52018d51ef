import type { RequestOptions } from '../core/http.js';
import type { PagePromise } from '../core/pagination.js';
import type {
  Deleted,
  Post,
  PostBatchCreateParams,
  PostBatchResult,
  PostBatchUpdateParams,
  PostCreateParams,
  PostListParams,
  PostReplaceParams,
  PostUpdateParams,
  PostValidateParams,
  PostValidation,
} from '../types.js';
import { APIResource, seg } from './resource.js';

/** Posts: `/posts`. */
export class Posts extends APIResource {
  /**
   * Lists posts (filters `status`, `platform`, `brandId`, `campaignId`, `startDate`/`endDate` on the
   * post's date — its `scheduledFor`, else `publishedAt`, else `createdAt`; `sortBy` (`date` for that
   * same date), `sortOrder`). Await for the first page or `for await` over every post.
   */
  list(params?: PostListParams, options?: RequestOptions): PagePromise<Post> {
    return this.page<Post>('/posts', params, options);
  }

  /** Creates a post; a future `scheduledFor` makes it `SCHEDULED` at once. */
  create(params: PostCreateParams, options?: RequestOptions): Promise<Post> {
    return this.data('POST', '/posts', { body: params, options });
  }

  /** Retrieves a post. */
  retrieve(id: string, options?: RequestOptions): Promise<Post> {
    return this.data('GET', `/posts/${seg(id)}`, { options });
  }

  /**
   * Changes some fields of a post (`PATCH`): fields left out are unchanged. Read-only fields are refused.
   * A published, publishing, failed or cancelled post cannot be edited (`ConflictError`).
   */
  update(id: string, params: PostUpdateParams, options?: RequestOptions): Promise<Post> {
    return this.data('PATCH', `/posts/${seg(id)}`, { body: params, options });
  }

  /**
   * Replaces a post (`PUT`): `brandId`, `platform` and `caption` are required, optional fields left out
   * are cleared, `status` left out stays. The read-only fields may be sent back exactly as `retrieve`
   * returned them, so a retrieved post can be edited and replaced whole:
   *
   * @example
   * ```ts
   * const post = await client.posts.retrieve(id);
   * await client.posts.replace(id, { ...post, caption: 'New caption' });
   * ```
   */
  replace(id: string, params: PostReplaceParams, options?: RequestOptions): Promise<Post> {
    return this.data('PUT', `/posts/${seg(id)}`, { body: params, options });
  }

  /** @deprecated Use {@link Posts.update}, which is now the `PATCH`. */
  patch(id: string, params: PostUpdateParams, options?: RequestOptions): Promise<Post> {
    return this.update(id, params, options);
  }

  /** Deletes a post (a published one stays on the social network). */
  delete(id: string, options?: RequestOptions): Promise<Deleted> {
    return this.data('DELETE', `/posts/${seg(id)}`, { options });
  }

  /** Publishes a post now: it comes back `PUBLISHING`; the worker ends it `PUBLISHED` or `FAILED`. */
  publish(id: string, options?: RequestOptions): Promise<Post> {
    return this.data('POST', `/posts/${seg(id)}/publish`, { options });
  }

  /** Checks a draft against its platform's rules without saving it. */
  validate(params: PostValidateParams, options?: RequestOptions): Promise<PostValidation> {
    return this.data('POST', '/posts/validate', { body: params, options });
  }

  /** Creates up to 100 posts; one result per item, in order, and a `summary`. */
  batchCreate(params: PostBatchCreateParams, options?: RequestOptions): Promise<PostBatchResult> {
    return this.http.json({ method: 'POST', path: '/posts/batch', body: params, options });
  }

  /** Changes up to 100 posts (`{id, ...fields}` each); one result per item, in order, and a `summary`. */
  batchUpdate(params: PostBatchUpdateParams, options?: RequestOptions): Promise<PostBatchResult> {
    return this.http.json({ method: 'PUT', path: '/posts/batch', body: params, idempotent: true, options });
  }
}
