import type { Selectable } from 'kysely';
import type { TenantColumns } from './common-columns.js';

/** One `Idempotency-Key` per organization and environment, kept 24 h. */
export interface IdempotencyKeysTable extends TenantColumns {
  key: string;
  /** SHA-256 of method, path and the canonical JSON body. */
  request_hash: string;
  method: string;
  path: string;
  /** `running` while the first request executes, `done` once its response is stored. */
  state: 'running' | 'done';
  response_status: number | null;
  /** JSON object of the response headers worth replaying (e.g. Location). */
  response_headers: string | null;
  response_body: string | null;
  created_at: number;
  expires_at: number;
}

export type IdempotencyKeyRow = Selectable<IdempotencyKeysTable>;
