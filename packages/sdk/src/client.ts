import { HttpClient, type ClientOptions } from './core/http.js';
import { Analytics } from './resources/analytics.js';
import { ApiKeys } from './resources/api-keys.js';
import { AuditLog } from './resources/audit-log.js';
import { Brands } from './resources/brands.js';
import { Campaigns } from './resources/campaigns.js';
import { Comments } from './resources/comments.js';
import { Events } from './resources/events.js';
import { Captions, Images } from './resources/generation.js';
import { Jobs } from './resources/jobs.js';
import { MediaResource } from './resources/media.js';
import { MeResource } from './resources/me.js';
import { Invitations, Members } from './resources/members.js';
import { OrganizationResource, Platforms } from './resources/organization.js';
import { Plans } from './resources/plans.js';
import { Posts } from './resources/posts.js';
import { SocialAccounts } from './resources/social-accounts.js';
import { Webhooks } from './resources/webhooks.js';
import { webhookHelpers } from './webhooks/signature.js';

/**
 * The Audenci API client: one property per API resource, one method per endpoint.
 *
 * ```ts
 * const client = new Audenci(); // AUDENCI_API_KEY; AUDENCI_BASE_URL, else http://localhost:3000
 * const post = await client.posts.create({ brandId, platform: 'twitter', caption: 'Hello' });
 * for await (const p of client.posts.list({ status: 'PUBLISHED' })) console.log(p.id);
 * ```
 */
export class Audenci {
  /** Webhook signature helpers (Standard Webhooks): `verify`, `unwrap`, `sign`. No client needed. */
  static readonly webhooks = webhookHelpers;

  /** The transport: base URL, key, timeout and retry settings in effect. */
  readonly http: HttpClient;

  readonly posts: Posts;
  readonly campaigns: Campaigns;
  readonly brands: Brands;
  readonly socialAccounts: SocialAccounts;
  readonly media: MediaResource;
  readonly images: Images;
  readonly captions: Captions;
  readonly plans: Plans;
  readonly analytics: Analytics;
  readonly comments: Comments;
  readonly jobs: Jobs;
  readonly webhooks: Webhooks;
  readonly apiKeys: ApiKeys;
  readonly events: Events;
  readonly auditLog: AuditLog;
  readonly members: Members;
  /** The signed-in person (session clients only). */
  readonly me: MeResource;
  readonly invitations: Invitations;
  readonly organization: OrganizationResource;
  readonly platforms: Platforms;

  /**
   * @param options `apiKey` (default `AUDENCI_API_KEY`), `baseUrl` (default `AUDENCI_BASE_URL`, then
   *   `http://localhost:3000`), `timeout` (ms per attempt, default 30 000), `maxRetries` (default 2),
   *   `fetch` (default `globalThis.fetch`).
   * @throws AudenciError at once when there is no API key (neither `apiKey` nor `AUDENCI_API_KEY`) and no
   *   `session`.
   */
  constructor(options: ClientOptions = {}) {
    const http = new HttpClient(options);
    this.http = http;
    this.posts = new Posts(http);
    this.campaigns = new Campaigns(http);
    this.brands = new Brands(http);
    this.socialAccounts = new SocialAccounts(http);
    this.media = new MediaResource(http);
    this.images = new Images(http);
    this.captions = new Captions(http);
    this.plans = new Plans(http);
    this.analytics = new Analytics(http);
    this.comments = new Comments(http);
    this.jobs = new Jobs(http);
    this.webhooks = new Webhooks(http);
    this.apiKeys = new ApiKeys(http);
    this.events = new Events(http);
    this.auditLog = new AuditLog(http);
    this.members = new Members(http);
    this.me = new MeResource(http);
    this.invitations = new Invitations(http);
    this.organization = new OrganizationResource(http);
    this.platforms = new Platforms(http);
  }
}
