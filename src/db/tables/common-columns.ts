import type { Environment } from '../../shared/tenant.js';

/**
 * Columns many tables share, for the row interfaces to extend (the migrations' ddl.ts makes them). Each
 * table still lists its own columns; these say once what the common ones hold.
 */

/** The tenant a row belongs to: every query of a tenant's rows filters on both (see db/tenant.ts). */
export interface TenantColumns {
  organization_id: string;
  environment: Environment;
}

/** A tenant's row with a text primary key `id`. */
export interface TenantRow extends TenantColumns {
  id: string;
}

/** Epoch milliseconds: when the row was made and last changed. */
export interface Timestamps {
  created_at: number;
  updated_at: number;
}
