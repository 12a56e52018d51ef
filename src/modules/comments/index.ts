export { commentSyncTask, type CommentSyncTaskOptions } from './comments.jobs.js';
export { CommentSchema } from './comments.schemas.js';
export { commentsRoutes, type CommentsRouteDeps } from './comments.routes.js';
export {
  toComment,
  type Comment,
  type CommentsDeps,
  type CommentAccountResolver,
} from './comments.service.js';
export {
  syncDueComments,
  syncPostComments,
  DEFAULT_COMMENT_SYNC,
  type CommentSyncOptions,
} from './comments.sync.js';
