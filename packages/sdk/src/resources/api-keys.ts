import type { RequestOptions } from '../core/http.js';
import type { PagePromise } from '../core/pagination.js';
import type {
  ApiKey,
  ApiKeyCreateParams,
  ApiKeyListParams,
  ApiKeyRotateParams,
  ApiKeyWithSecret,
} from '../types.js';
import { APIResource, seg } from './resource.js';

/** API keys: `/api-keys` (admin scope). The full key is shown only at creation and rotation. */
export class ApiKeys extends APIResource {
  /** Lists keys (prefix and last four characters only). */
  list(params?: ApiKeyListParams, options?: RequestOptions): PagePromise<ApiKey> {
    return this.page<ApiKey>('/api-keys', params, options);
  }

  /** Creates a key `{scope, name?, expiresAt?}`; the answer's `key` is shown this once. */
  create(params: ApiKeyCreateParams, options?: RequestOptions): Promise<ApiKeyWithSecret> {
    return this.data('POST', '/api-keys', { body: params, options });
  }

  /** Retrieves a key. */
  retrieve(id: string, options?: RequestOptions): Promise<ApiKey> {
    return this.data('GET', `/api-keys/${seg(id)}`, { options });
  }

  /** Revokes a key at once. */
  revoke(id: string, options?: RequestOptions): Promise<ApiKey> {
    return this.data('DELETE', `/api-keys/${seg(id)}`, { options });
  }

  /** Issues a new key; the old one keeps working for `gracePeriodSeconds` (default 24 h). */
  rotate(id: string, params: ApiKeyRotateParams = {}, options?: RequestOptions): Promise<ApiKeyWithSecret> {
    return this.data('POST', `/api-keys/${seg(id)}/rotate`, { body: params, options });
  }
}
