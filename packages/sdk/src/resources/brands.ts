import type { RequestOptions } from '../core/http.js';
import type { PagePromise } from '../core/pagination.js';
import type {
  Brand,
  BrandCreateParams,
  BrandListParams,
  BrandReplaceParams,
  BrandUpdateParams,
  Deleted,
} from '../types.js';
import { APIResource, seg } from './resource.js';

/** Brands: `/brands` (writing needs the `admin` scope). */
export class Brands extends APIResource {
  /** Lists brands (filter `name`; sort `createdAt`, `updatedAt`, `name`). */
  list(params?: BrandListParams, options?: RequestOptions): PagePromise<Brand> {
    return this.page<Brand>('/brands', params, options);
  }

  /** Creates a brand. */
  create(params: BrandCreateParams, options?: RequestOptions): Promise<Brand> {
    return this.data('POST', '/brands', { body: params, options });
  }

  /** Retrieves a brand. */
  retrieve(id: string, options?: RequestOptions): Promise<Brand> {
    return this.data('GET', `/brands/${seg(id)}`, { options });
  }

  /** Changes some fields of a brand (`PATCH`): fields left out are unchanged. */
  update(id: string, params: BrandUpdateParams, options?: RequestOptions): Promise<Brand> {
    return this.data('PATCH', `/brands/${seg(id)}`, { body: params, options });
  }

  /**
   * Replaces a brand (`PUT`): `name` is required; `timezone` left out becomes UTC, `voice` null and
   * `colors` empty. The read-only fields may be sent back exactly as `retrieve` returned them.
   */
  replace(id: string, params: BrandReplaceParams, options?: RequestOptions): Promise<Brand> {
    return this.data('PUT', `/brands/${seg(id)}`, { body: params, options });
  }

  /** Deletes a brand (409 while it has posts or campaigns). */
  delete(id: string, options?: RequestOptions): Promise<Deleted> {
    return this.data('DELETE', `/brands/${seg(id)}`, { options });
  }
}
