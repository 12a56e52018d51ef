export { POST_STATUSES, type PostStatus } from '../../db/tables/posts.js';
export {
  createPost,
  createPostsIn,
  plannedPostTimes,
  getPost,
  postsResource,
  toPost,
  type Post,
  type NewPostInput,
} from './posts.service.js';
export { PostSchema, ValidationReportSchema } from './posts.schemas.js';
export { postsRoutes } from './posts.routes.js';
export { campaignPostsRoutes } from './posts.campaign.routes.js';
export { postsJobTypes, type PostsJobTypeDeps } from './posts.job-types.js';
