import type { Insertable, Selectable } from 'kysely';
import type { Environment } from '../../shared/tenant.js';

export interface BrandsTable {
  id: string;
  organization_id: string;
  environment: Environment;
  name: string;
  /** IANA time zone, e.g. `Europe/Paris`: where "9 am" is for this brand's schedule. */
  timezone: string;
  /** Brand voice guidance for AI generation. */
  voice: string | null;
  /** JSON array of `#rrggbb` strings. */
  colors: string;
  created_at: number;
  updated_at: number;
}

export type BrandRow = Selectable<BrandsTable>;
export type NewBrandRow = Insertable<BrandsTable>;
