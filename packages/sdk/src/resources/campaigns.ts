import type { RequestOptions } from '../core/http.js';
import type { PagePromise } from '../core/pagination.js';
import type {
  Campaign,
  CampaignCreateParams,
  CampaignListParams,
  CampaignPostListParams,
  CampaignReplaceParams,
  CampaignUpdateParams,
  Deleted,
  Post,
} from '../types.js';
import { APIResource, seg } from './resource.js';

/** Campaigns: `/campaigns`. */
export class Campaigns extends APIResource {
  /** Lists campaigns (filters `brandId`, `status`; sort `createdAt`, `startDate`). */
  list(params?: CampaignListParams, options?: RequestOptions): PagePromise<Campaign> {
    return this.page<Campaign>('/campaigns', params, options);
  }

  /** Creates a campaign. */
  create(params: CampaignCreateParams, options?: RequestOptions): Promise<Campaign> {
    return this.data('POST', '/campaigns', { body: params, options });
  }

  /** Retrieves a campaign. */
  retrieve(id: string, options?: RequestOptions): Promise<Campaign> {
    return this.data('GET', `/campaigns/${seg(id)}`, { options });
  }

  /**
   * Changes some fields of a campaign (`PATCH`): fields left out are unchanged. `status` moves DRAFT →
   * ACTIVE → COMPLETED, any → ARCHIVED (else `ConflictError`).
   */
  update(id: string, params: CampaignUpdateParams, options?: RequestOptions): Promise<Campaign> {
    return this.data('PATCH', `/campaigns/${seg(id)}`, { body: params, options });
  }

  /**
   * Replaces a campaign (`PUT`): `brandId`, `name`, `startDate` and `endDate` are required;
   * `description` and `goal` left out become null, `platforms` empty; `status` left out stays. The
   * read-only fields may be sent back exactly as `retrieve` returned them.
   */
  replace(id: string, params: CampaignReplaceParams, options?: RequestOptions): Promise<Campaign> {
    return this.data('PUT', `/campaigns/${seg(id)}`, { body: params, options });
  }

  /** Deletes a campaign; its posts stay, without a campaign. */
  delete(id: string, options?: RequestOptions): Promise<Deleted> {
    return this.data('DELETE', `/campaigns/${seg(id)}`, { options });
  }

  /** Lists the campaign's posts. */
  listPosts(id: string, params?: CampaignPostListParams, options?: RequestOptions): PagePromise<Post> {
    return this.page<Post>(`/campaigns/${seg(id)}/posts`, params, options);
  }
}
