import type { RequestOptions } from '../core/http.js';
import type { PagePromise } from '../core/pagination.js';
import type { Comment, CommentListParams, CommentReplyParams, PostCommentListParams } from '../types.js';
import { APIResource, seg } from './resource.js';

/** Comments on published posts, pulled from the platforms: `/comments`. */
export class Comments extends APIResource {
  /** Lists comments (filters `brandId`, `platform`, `postId`, `since`). */
  list(params?: CommentListParams, options?: RequestOptions): PagePromise<Comment> {
    return this.page<Comment>('/comments', params, options);
  }

  /** Lists one post's comments. */
  listForPost(
    postId: string,
    params?: PostCommentListParams,
    options?: RequestOptions,
  ): PagePromise<Comment> {
    return this.page<Comment>(`/posts/${seg(postId)}/comments`, params, options);
  }

  /** Replies to a comment through its platform. */
  reply(id: string, params: CommentReplyParams, options?: RequestOptions): Promise<Comment> {
    return this.data('POST', `/comments/${seg(id)}/reply`, { body: params, options });
  }
}
