import type { RequestOptions } from '../core/http.js';
import type { PagePromise } from '../core/pagination.js';
import type { AuditEntry, AuditLogListParams } from '../types.js';
import { APIResource } from './resource.js';

/**
 * The audit log: `/audit-log` (admin scope), security-relevant actions — keys, webhook endpoints, sign-ins,
 * members — of this environment and of the organization itself, newest first.
 */
export class AuditLog extends APIResource {
  /** Lists entries (filters `action`, `actorId`, `targetId`, `createdAfter`/`createdBefore`). */
  list(params?: AuditLogListParams, options?: RequestOptions): PagePromise<AuditEntry> {
    return this.page<AuditEntry>('/audit-log', params, options);
  }
}
