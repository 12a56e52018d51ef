/**
 * Request and response types of the SDK, derived from the generated OpenAPI types
 * (`generated/openapi.ts`, made by `npm run sdk:generate` from the server's own document).
 */
import type * as Generated from './generated/openapi.js';

/**
 * The generated table of the API document's schemas, as openapi-typescript writes it. Kept out of the API
 * reference (it is the document itself: see the server's `/docs`); use {@link Schemas}.
 * @hidden
 */
export type components = Generated.components;
/**
 * The generated table of the API document's operations, by `operationId`. Kept out of the API reference;
 * use {@link RequestBody}, {@link QueryParams} and {@link ResponseData}.
 * @hidden
 */
export type operations = Generated.operations;
/**
 * The generated table of the API document's paths and their methods. Kept out of the API reference.
 * @hidden
 */
export type paths = Generated.paths;

/** Every named schema of the API document (`Post`, `Campaign`, `Job`, …). */
export type Schemas = components['schemas'];
/** The id of an operation in the API document (`listPosts`, `createPost`, …). */
export type OperationId = keyof operations;

type JsonContent<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type SuccessStatus = 200 | 201 | 202;

/** The JSON body an operation takes. */
export type RequestBody<K extends OperationId> = operations[K] extends { requestBody?: infer R }
  ? JsonContent<NonNullable<R>>
  : never;

/** The query parameters an operation takes. */
export type QueryParams<K extends OperationId> = operations[K] extends {
  parameters: { query?: infer Q };
}
  ? NonNullable<Q>
  : never;

/** The JSON body of an operation's 2xx answers. */
export type ResponseBody<K extends OperationId> = {
  [S in keyof operations[K]['responses'] & SuccessStatus]: JsonContent<operations[K]['responses'][S]>;
}[keyof operations[K]['responses'] & SuccessStatus];

/** The `data` member of an operation's 2xx answer: what most SDK methods resolve to. */
export type ResponseData<K extends OperationId> = ResponseBody<K> extends { data: infer D } ? D : never;

/** One item of a list operation's `data`. */
export type ListItem<K extends OperationId> = ResponseData<K> extends (infer T)[] ? T : never;

export type Pagination = Schemas['Pagination'];
export type ErrorEnvelope = Schemas['ErrorEnvelope'];
export type Organization = Schemas['Organization'];
export type Brand = Schemas['Brand'];
export type ApiKey = Schemas['ApiKey'];
export type ApiKeyWithSecret = Schemas['ApiKeyWithSecret'];
export type PlatformRules = Schemas['PlatformRules'];
export type Post = Schemas['Post'];
export type PostValidation = Schemas['PostValidation'];
export type PostAnalytics = Schemas['PostAnalytics'];
export type MetricsSnapshot = Schemas['MetricsSnapshot'];
export type Campaign = Schemas['Campaign'];
export type SocialAccount = Schemas['SocialAccount'];
export type SocialAccountAnalytics = Schemas['SocialAccountAnalytics'];
export type AccountStatsDay = Schemas['AccountStatsDay'];
export type Event = Schemas['Event'];
/** A security-relevant action, as `auditLog.list` answers it. */
export type AuditEntry = Schemas['AuditEntry'];
/** A person of the organization with their role (`members`). */
export type Member = Schemas['Member'];
/** An invitation by email (`invitations.list`); its link is never shown again. */
export type Invitation = Schemas['Invitation'];
/** What `invitations.create` answers: the invitation, and how it reaches the person. */
export type CreatedInvitation = Schemas['CreatedInvitation'];
/** The signed-in person, their organizations and where the session acts (`me.retrieve`). */
export type Me = Schemas['Me'];
/** One of the signed-in person's sessions (`me.listSessions`). */
export type Session = Schemas['Session'];
/** Every type of event the log records (`Event['type']`). */
export type EventType = Event['type'];
export type Comment = Schemas['Comment'];
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type WebhookEndpointWithSecret = Schemas['WebhookEndpointWithSecret'];
export type WebhookAttempt = Schemas['WebhookAttempt'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type Job = Schemas['Job'];
export type JobItemError = Schemas['JobItemError'];
export type Media = Schemas['Media'];
export type Plan = Schemas['Plan'];
export type PlanItem = Schemas['PlanItem'];
export type PlanSummary = Schemas['PlanSummary'];
export type PlanPreview = Schemas['PlanPreview'];
export type PlanApplication = Schemas['PlanApplication'];
export type CaptionDraft = Schemas['CaptionDraft'];
export type AnalyticsReport = Schemas['AnalyticsReport'];
export type AnalyticsRow = Schemas['AnalyticsRow'];
export type AnalyticsTotals = Schemas['AnalyticsTotals'];

/** What a `DELETE` answers: `{id, deleted: true}`. */
export type Deleted = ResponseData<'deletePost'>;

export type PostListParams = QueryParams<'listPosts'>;
export type PostCreateParams = RequestBody<'createPost'>;
/** Body of `posts.update` (`PATCH`): only the fields to change. */
export type PostUpdateParams = RequestBody<'updatePost'>;
/**
 * Body of `posts.replace` (`PUT`): the whole editable post; it may carry the read-only fields exactly as
 * `posts.retrieve` returned them.
 */
export type PostReplaceParams = RequestBody<'replacePost'>;
/** @deprecated The body of `PATCH`, now named {@link PostUpdateParams} (`posts.update`). */
export type PostPatchParams = PostUpdateParams;
export type PostValidateParams = RequestBody<'validatePost'>;
/** Body of `POST /posts/batch`: up to 100 posts; `atomic` makes it all or nothing. */
export interface PostBatchCreateParams {
  /** Up to 100 posts, each as the body of `posts.create`. */
  posts: PostCreateParams[];
  /** All or none: with `true` a failing item rolls the whole batch back. */
  atomic?: boolean;
}
/** Body of `PUT /posts/batch`: up to 100 `{id, ...fields}` changes; `atomic` makes it all or nothing. */
export interface PostBatchUpdateParams {
  /** Up to 100 changes, each `{id, ...fields}` as the body of `posts.update`. */
  posts: (PostUpdateParams & { id: string })[];
  atomic?: boolean;
}
/** One result per item, in request order, and a summary. */
export type PostBatchResult = ResponseBody<'createPostsBatch'>;

export type CampaignListParams = QueryParams<'listCampaigns'>;
export type CampaignCreateParams = RequestBody<'createCampaign'>;
/** Body of `campaigns.update` (`PATCH`): only the fields to change. */
export type CampaignUpdateParams = RequestBody<'updateCampaign'>;
/** Body of `campaigns.replace` (`PUT`): the whole editable campaign (read-only fields as retrieved allowed). */
export type CampaignReplaceParams = RequestBody<'replaceCampaign'>;
export type CampaignPostListParams = QueryParams<'listCampaignPosts'>;

export type BrandListParams = QueryParams<'listBrands'>;
export type BrandCreateParams = RequestBody<'createBrand'>;
/** Body of `brands.update` (`PATCH`): only the fields to change. */
export type BrandUpdateParams = RequestBody<'updateBrand'>;
/** Body of `brands.replace` (`PUT`): the whole editable brand (read-only fields as retrieved allowed). */
export type BrandReplaceParams = RequestBody<'replaceBrand'>;

export type SocialAccountListParams = QueryParams<'listSocialAccounts'>;
export type SocialAccountConnectParams = RequestBody<'connectSocialAccount'>;
export type SocialAccountConnection = ResponseData<'connectSocialAccount'>;
export type SocialAccountSandboxParams = RequestBody<'createSocialAccount'>;
export type SocialAccountAnalyticsParams = QueryParams<'getSocialAccountAnalytics'>;

export type MediaListParams = QueryParams<'listMedia'>;
export type MediaImportParams = RequestBody<'createMedia'>;

export type ImageGenerateParams = RequestBody<'generateImages'>;
/**
 * The builtin provider answers with the media items at once; a slow provider (`openai-compatible`)
 * answers with an `images.generate` job instead (wait for it with `jobs.waitFor`).
 */
export type ImageGenerateResult = Media[] | Job;
export type CaptionGenerateParams = RequestBody<'generateCaptions'>;

export type PlanPreviewParams = RequestBody<'previewPlan'>;
export type PlanCreateParams = RequestBody<'createPlan'>;
export type PlanListParams = QueryParams<'listPlans'>;

export type AnalyticsParams = QueryParams<'getAnalytics'>;

export type CommentListParams = QueryParams<'listComments'>;
export type PostCommentListParams = QueryParams<'listPostComments'>;
export type CommentReplyParams = RequestBody<'replyToComment'>;

export type JobCreateParams = RequestBody<'createJob'>;
export type JobListParams = QueryParams<'listJobs'>;
export type JobErrorListParams = QueryParams<'listJobErrors'>;

export type WebhookListParams = QueryParams<'listWebhooks'>;
export type WebhookCreateParams = RequestBody<'createWebhook'>;
/** Body of `webhooks.update` (`PATCH`): only the fields to change. */
export type WebhookUpdateParams = RequestBody<'updateWebhook'>;
/** Body of `webhooks.replace` (`PUT`): the whole editable endpoint (read-only fields as retrieved allowed). */
export type WebhookReplaceParams = RequestBody<'replaceWebhook'>;
export type WebhookRotateSecretParams = RequestBody<'rotateWebhookSecret'>;
export type WebhookDeliveryListParams = QueryParams<'listWebhookDeliveries'>;

export type ApiKeyListParams = QueryParams<'listApiKeys'>;
export type ApiKeyCreateParams = RequestBody<'createApiKey'>;
export type ApiKeyRotateParams = RequestBody<'rotateApiKey'>;

export type EventListParams = QueryParams<'listEvents'>;

export type AuditLogListParams = QueryParams<'listAuditLog'>;

export type OrganizationUpdateParams = RequestBody<'updateOrganization'>;
export type MemberListParams = QueryParams<'listMembers'>;
export type MemberUpdateParams = RequestBody<'updateMember'>;
/** What `members.passwordReset` answers: mailed, or the one-time `resetUrl` to pass on. */
export type MemberPasswordReset = ResponseData<'resetMemberPassword'>;

export type MeUpdateParams = RequestBody<'updateMe'>;
export type PasswordChangeParams = RequestBody<'changePassword'>;
export type PasswordChange = ResponseData<'changePassword'>;
export type RevokedSessions = ResponseData<'revokeMyOtherSessions'>;
/** A pending TOTP secret: `secret` (base32) and `otpauthUrl` (for a QR code). */
export type TwoFactorSetup = ResponseData<'setupTwoFactor'>;
export type EnableTwoFactorParams = RequestBody<'enableTwoFactor'>;
/** Ten single-use recovery codes, shown once. */
export type RecoveryCodes = ResponseData<'enableTwoFactor'>;
export type DisableTwoFactorParams = RequestBody<'disableTwoFactor'>;
export type InvitationListParams = QueryParams<'listInvitations'>;
export type InvitationCreateParams = RequestBody<'createInvitation'>;
