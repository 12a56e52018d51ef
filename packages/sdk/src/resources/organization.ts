import type { RequestOptions } from '../core/http.js';
import type { Organization as OrganizationObject, PlatformRules } from '../types.js';
import { APIResource, seg } from './resource.js';

/** The caller's organization: `/organization`. */
export class OrganizationResource extends APIResource {
  /** The organization of the key, its plan and rate limit. */
  retrieve(options?: RequestOptions): Promise<OrganizationObject> {
    return this.data('GET', '/organization', { options });
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
