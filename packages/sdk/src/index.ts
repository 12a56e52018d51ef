/**
 * `@audenci/sdk-js`: the TypeScript / JavaScript SDK of the Audenci API. No runtime dependencies; runs
 * wherever `fetch` and Web Crypto do (Node 20+, Deno, Bun, edge runtimes, browsers).
 */
export { Audenci } from './client.js';
export { Audenci as default } from './client.js';
export {
  APIConnectionError,
  APIError,
  APITimeoutError,
  AudenciError,
  AuthenticationError,
  ConflictError,
  InternalServerError,
  InvalidInputError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
  WebhookVerificationError,
  type ErrorDetails,
} from './core/errors.js';
export {
  HttpClient,
  SDK_VERSION,
  type ClientOptions,
  type HttpMethod,
  type RequestOptions,
  type SessionOptions,
} from './core/http.js';
export { Page, PagePromise } from './core/pagination.js';
export {
  DEFAULT_TOLERANCE_SECONDS,
  sign,
  unwrap,
  verify,
  type SignParams,
  type VerifyOptions,
  type WebhookEvent,
  type WebhookHeaders,
  type WebhookPayload,
} from './webhooks/signature.js';
export type { WaitForJobOptions } from './resources/jobs.js';
export type { MediaContentParams, MediaUploadParams, Uploadable } from './resources/media.js';
export type { Analytics } from './resources/analytics.js';
export type { ApiKeys } from './resources/api-keys.js';
export type { AuditLog } from './resources/audit-log.js';
export type { Brands } from './resources/brands.js';
export type { Campaigns } from './resources/campaigns.js';
export type { Comments } from './resources/comments.js';
export type { Events, EventStream, EventStreamParams } from './resources/events.js';
export { readEventStream, type ServerSentEvent, type StreamState } from './core/sse.js';
export type { Captions, Images } from './resources/generation.js';
export type { Jobs } from './resources/jobs.js';
export type { MediaResource } from './resources/media.js';
export type { MeResource } from './resources/me.js';
export type { Invitations, Members } from './resources/members.js';
export type { OrganizationResource, Platforms } from './resources/organization.js';
export type { Plans } from './resources/plans.js';
export type { Posts } from './resources/posts.js';
export type { SocialAccounts } from './resources/social-accounts.js';
export type { Webhooks } from './resources/webhooks.js';
export type * from './types.js';
