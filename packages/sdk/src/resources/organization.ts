import type { RequestOptions } from '../core/http.js';
import type {
  Organization as OrganizationObject,
  OrganizationUpdateParams,
  PlatformRules,
} from '../types.js';
import { APIResource, seg } from './resource.js';

/** The caller's organization: `/organization`. */
export class OrganizationResource extends APIResource {
  /** The organization of the key, its plan, rate limit and this hour's `usage`. */
  retrieve(options?: RequestOptions): Promise<OrganizationObject> {
    return this.data('GET', '/organization', { options });
  }

  /** Renames the organization `{name}` (admin scope). */
  update(params: OrganizationUpdateParams, options?: RequestOptions): Promise<OrganizationObject> {
    return this.data('PATCH', '/organization', { body: params, options });
  }
}

/** Each network's rules and capabilities as data: `/platforms`. */
export class Platforms extends APIResource {
  /** Every supported platform (a small fixed set, not paginated). */
  list(options?: RequestOptions): Promise<PlatformRules[]> {
    return this.data('GET', '/platforms', { options });
  }

  /** One platform's rules (`instagram`, `facebook`, `twitter`, `linkedin`). */
  retrieve(platform: string, options?: RequestOptions): Promise<PlatformRules> {
    return this.data('GET', `/platforms/${seg(platform)}`, { options });
  }
}
