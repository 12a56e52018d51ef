export { POST_STATUSES, type PostStatus } from '../../db/tables/posts.js';
export {
  createPost,
  createPostsIn,
  plannedPostTimes,
  getPost,
  listPosts,
  parsePostFilters,
  postsResource,
  toPost,
  type Post,
  type NewPostInput,
} from './posts.service.js';
export {
  PostSchema,
  ValidationReportSchema,
  ListCampaignPostsQuery,
  POST_DATE_RULE,
} from './posts.schemas.js';
export { postFilterProblems } from './posts.input.js';
export { postsRoutes } from './posts.routes.js';
export { postsJobTypes, type PostsJobTypeDeps } from './posts.job-types.js';
